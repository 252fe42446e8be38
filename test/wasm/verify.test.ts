/**
 * BLS verification in the WebAssembly core (src/wasm/verify.ts) against native blst as the
 * independent implementation: the same answer on 10,000 random (key, message, signature) triples
 * (release build; 300 on the debug build), half of them corrupted in every way a forger or a broken
 * encoder would — wrong message, wrong key, bit flips in each input, another key's signature, points
 * on the curve but outside the subgroups, the infinity key and signature; the batch forms agree with
 * blst's `verifyMultipleAggregateSignatures`, and the same-key batch names exactly the bad indices.
 * Ethereum's consensus-spec `bls/verify` vectors are not available offline; the cases below cover
 * the same ground (valid, wrong message, wrong key, tampered signature, infinity key and signature,
 * non-subgroup points) and more.
 */
import { describe, expect, it } from 'vitest';
import * as blst from '@chainsafe/blst';
import { loadWasmCore } from '../../src/wasm/core.js';
import { verifyApi } from '../../src/wasm/verify.js';
import { g1OutsideSubgroup, g2OutsideSubgroup } from '../helpers/bls-encodings.js';

/** A small deterministic generator (xorshift32) so a failure replays. */
function prng(seed: number) {
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

const INFINITY_G1 = Uint8Array.from({ length: 48 }, (_, i) => (i === 0 ? 0xc0 : 0));
const INFINITY_G2 = Uint8Array.from({ length: 96 }, (_, i) => (i === 0 ? 0xc0 : 0));
const OUTSIDE_G1 = g1OutsideSubgroup(4);
const OUTSIDE_G2 = g2OutsideSubgroup(4);

function blstVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return blst.verify(message, blst.PublicKey.fromBytes(publicKey, true), blst.Signature.fromBytes(signature, true));
  } catch {
    return false; // blst refuses the encoding (bad flags, not on the curve, not in the subgroup, infinity key)
  }
}

function flipBit(bytes: Uint8Array, rand: ReturnType<typeof prng>): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return Uint8Array.of(1);
  const bit = rand.int(out.length * 8);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

const CORRUPTIONS = [
  'wrong message', 'wrong key', 'signature bit flip', 'key bit flip', 'message bit flip',
  'signature of another key', 'signature outside G2', 'key outside G1', 'infinity key', 'infinity signature',
] as const;

interface Triple { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array; kind: string }

/** `count` triples: even ones valid (compressed or uncompressed), odd ones corrupted in turn. */
function triples(count: number, seed: number): Triple[] {
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

describe.each(['release', 'debug'] as const)('BLS verification in the WebAssembly core (%s build)', (variant) => {
  const api = verifyApi(loadWasmCore(variant));
  const count = variant === 'release' ? 10_000 : 300;

  it(`verifyWasm agrees with blst verify on ${count} random triples, half corrupted`, () => {
    const cases = triples(count, variant === 'release' ? 1 : 2);
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
  });

  it('verifyBatchWasm agrees with blst verifyMultipleAggregateSignatures', () => {
    const rand = prng(3);
    const pool = triples(120, 4);
    const valid = pool.filter((t) => t.kind === 'valid');
    for (let round = 0; round < 12; round++) {
      const size = 1 + rand.int(valid.length);
      const batch = Array.from({ length: size }, () => valid[rand.int(valid.length)]!);
      if (round % 2 === 1) batch[rand.int(size)] = pool.filter((t) => t.kind !== 'valid')[rand.int(60)]!;
      let expected: boolean;
      try {
        expected = blst.verifyMultipleAggregateSignatures(batch.map((t) => ({
          msg: t.message, pk: blst.PublicKey.fromBytes(t.publicKey, true), sig: blst.Signature.fromBytes(t.signature, true),
        })));
      } catch {
        expected = false;
      }
      expect(api.verifyBatchWasm(batch), `round ${round}`).toBe(expected);
      expect(expected).toBe(round % 2 === 0);
    }
    expect(api.verifyBatchWasm([])).toBe(true);
  });

  it('verifySameKeyWasm reports exactly the invalid signatures', () => {
    const rand = prng(5);
    const sk = blst.SecretKey.fromKeygen(rand.bytes(32));
    const publicKey = sk.toPublicKey().toBytes();
    const size = variant === 'release' ? 1000 : 64;
    const messages = Array.from({ length: size }, () => rand.bytes(32));
    const signatures = messages.map((m) => sk.sign(m).toBytes());
    const randomness = rand.bytes(32);
    expect(api.verifySameKeyWasm(publicKey, messages, signatures, randomness)).toEqual({ ok: true });

    const bad = rand.int(size);
    const one = signatures.slice();
    one[bad] = sk.sign(rand.bytes(32)).toBytes(); // a valid signature of another message
    expect(api.verifySameKeyWasm(publicKey, messages, one, randomness)).toEqual({ ok: false, invalid: [bad] });

    // several at once, of every kind: another message, a bit flip, outside G2, infinity, another key
    const other = blst.SecretKey.fromKeygen(rand.bytes(32));
    const many = signatures.slice();
    const indices = [...new Set(Array.from({ length: 5 }, () => rand.int(size)))].sort((a, b) => a - b);
    indices.forEach((index, k) => {
      many[index] = [
        sk.sign(rand.bytes(32)).toBytes(), flipBit(signatures[index]!, rand), OUTSIDE_G2[0]!, INFINITY_G2,
        other.sign(messages[index]!).toBytes(),
      ][k]!;
    });
    expect(api.verifySameKeyWasm(publicKey, messages, many, randomness)).toEqual({ ok: false, invalid: indices });

    expect(() => api.verifySameKeyWasm(INFINITY_G1, messages, signatures, randomness)).toThrow(/infinity/);
    expect(() => api.verifySameKeyWasm(OUTSIDE_G1[0]!, messages, signatures, randomness)).toThrow(/subgroup/);
  });

  it('cuts batches larger than one core call and keeps global indices', () => {
    const rand = prng(6);
    const sk = blst.SecretKey.fromKeygen(rand.bytes(32));
    const size = variant === 'release' ? 2100 : 1030;
    const messages = Array.from({ length: size }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    const signatures = messages.map((m) => sk.sign(m).toBytes());
    signatures[size - 2] = signatures[0]!;
    expect(api.verifySameKeyWasm(sk.toPublicKey().toBytes(), messages, signatures, rand.bytes(32))).toEqual({ ok: false, invalid: [size - 2] });
  });

  it('refuses inputs of the wrong type or length with a message', () => {
    const sk = blst.SecretKey.fromKeygen(new Uint8Array(32).fill(7));
    const pk = sk.toPublicKey().toBytes();
    const sig = sk.sign(Uint8Array.of(1)).toBytes();
    expect(() => api.verifyWasm(pk.subarray(1), Uint8Array.of(1), sig)).toThrow('verifyWasm: publicKey: expected a G1 public key of 48 or 96 bytes, got 47');
    expect(() => api.verifyWasm(pk, Uint8Array.of(1), sig.subarray(2))).toThrow('verifyWasm: signature: expected a G2 signature of 96 or 192 bytes, got 94');
    expect(() => api.verifyWasm(pk, 'x' as unknown as Uint8Array, sig)).toThrow(TypeError);
    expect(() => api.verifyWasm(pk, new Uint8Array((1 << 20) + 1), sig)).toThrow(/at most 1048576 bytes/);
    expect(() => api.verifySameKeyWasm(pk, [Uint8Array.of(1)], [], new Uint8Array(32))).toThrow(/one signature per message/);
    expect(() => api.verifySameKeyWasm(pk, [], [], new Uint8Array(31))).toThrow(/randomness: expected 32 bytes/);
  });
});
