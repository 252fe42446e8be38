/**
 * Inputs for the WebAssembly BLS verification tests (verify.test.ts, verify-10k.long.test.ts):
 * random (key, message, signature) triples from blst, half of them corrupted in every way a forger or
 * a broken encoder would, and the check that src/wasm/verify.ts answers exactly as blst does on them.
 */
import { expect } from 'vitest';
import * as blst from '@chainsafe/blst';
import type { verifyApi } from '../../src/wasm/verify.js';
import { g1OutsideSubgroup, g2OutsideSubgroup } from '../helpers/bls-encodings.js';

/** A small deterministic generator (xorshift32) so a failure replays. */
export function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const u32 = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n: number) => u32() % n,
    bytes: (n: number) => Uint8Array.from({ length: n }, () => u32() & 0xff),
  };
}

export const INFINITY_G1 = Uint8Array.from({ length: 48 }, (_, i) => (i === 0 ? 0xc0 : 0));
export const INFINITY_G2 = Uint8Array.from({ length: 96 }, (_, i) => (i === 0 ? 0xc0 : 0));
export const OUTSIDE_G1 = g1OutsideSubgroup(4);
export const OUTSIDE_G2 = g2OutsideSubgroup(4);

export function blstVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return blst.verify(message, blst.PublicKey.fromBytes(publicKey, true), blst.Signature.fromBytes(signature, true));
  } catch {
    return false; // blst refuses the encoding (bad flags, not on the curve, not in the subgroup, infinity key)
  }
}

export function flipBit(bytes: Uint8Array, rand: ReturnType<typeof prng>): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return Uint8Array.of(1);
  const bit = rand.int(out.length * 8);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

export const CORRUPTIONS = [
  'wrong message', 'wrong key', 'signature bit flip', 'key bit flip', 'message bit flip',
  'signature of another key', 'signature outside G2', 'key outside G1', 'infinity key', 'infinity signature',
] as const;

export interface Triple { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array; kind: string }

/** `count` triples: even ones valid (compressed or uncompressed), odd ones corrupted in turn. */
export function triples(count: number, seed: number): Triple[] {
  const rand = prng(seed);
  const keys = Array.from({ length: 16 }, () => blst.SecretKey.fromKeygen(rand.bytes(32)));
  const out: Triple[] = [];
  for (let i = 0; i < count; i++) {
    const sk = keys[rand.int(keys.length)]!;
    const message = rand.bytes(rand.int(97));
    const uncompressed = rand.int(4) === 0;
    let publicKey: Uint8Array = sk.toPublicKey().toBytes(!uncompressed);
    let signature: Uint8Array = sk.sign(message).toBytes(!uncompressed);
    let signed: Uint8Array = message;
    let kind = 'valid';
    if (i % 2 === 1) {
      kind = CORRUPTIONS[(i >> 1) % CORRUPTIONS.length]!;
      const other = keys[(keys.indexOf(sk) + 1 + rand.int(keys.length - 1)) % keys.length]!;
      switch (kind) {
        case 'wrong message': signed = rand.bytes(message.length + 1); break;
        case 'wrong key': publicKey = other.toPublicKey().toBytes(!uncompressed); break;
        case 'signature bit flip': signature = flipBit(signature, rand); break;
        case 'key bit flip': publicKey = flipBit(publicKey, rand); break;
        case 'message bit flip': signed = flipBit(message, rand); break;
        case 'signature of another key': signature = other.sign(message).toBytes(!uncompressed); break;
        case 'signature outside G2': signature = OUTSIDE_G2[rand.int(OUTSIDE_G2.length)]!; break;
        case 'key outside G1': publicKey = OUTSIDE_G1[rand.int(OUTSIDE_G1.length)]!; break;
        case 'infinity key': publicKey = INFINITY_G1; break;
        case 'infinity signature': signature = INFINITY_G2; break;
      }
    }
    out.push({ publicKey, message: signed, signature, kind });
  }
  return out;
}

/** verifyWasm answers as blst verify on `count` triples; every corruption kind is exercised and rejected. */
export function expectAgreementWithBlst(api: ReturnType<typeof verifyApi>, count: number, seed: number): void {
  const cases = triples(count, seed);
  const seen = new Map<string, { agree: number; valid: number }>();
  for (const t of cases) {
    const expected = blstVerify(t.publicKey, t.message, t.signature);
    const got = api.verifyWasm(t.publicKey, t.message, t.signature);
    if (got !== expected) throw new Error(`disagreement on a "${t.kind}" triple: wasm ${got}, blst ${expected}`);
    const entry = seen.get(t.kind) ?? { agree: 0, valid: 0 };
    entry.agree++;
    if (got) entry.valid++;
    seen.set(t.kind, entry);
  }
  // every kind was exercised, valid ones verify and corrupted ones do not
  expect(seen.get('valid')!.valid).toBe(seen.get('valid')!.agree);
  for (const kind of CORRUPTIONS) {
    expect(seen.get(kind)?.agree, kind).toBeGreaterThan(0);
    expect(seen.get(kind)!.valid, kind).toBe(0);
  }
}
