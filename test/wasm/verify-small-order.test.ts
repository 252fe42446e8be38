/**
 * verifyWasm's G2 subgroup check of the signature, which Scott's test ψ(σ) = [x]σ makes with [|x|]σ
 * taken from the Miller loop (assembly/verify/verify.ts, millerLoopMultipleOf): signatures of small
 * order (powers of 13, 23, 2,713 — factors of E'(Fp2)'s cofactor), where the loop's projective formulas meet
 * the exceptional cases T = O and T = ±σ (|x|'s bit prefixes 1, 3, 6, 13, … include multiples of 13),
 * and valid signatures plus a small-order point (no exceptional case, just outside G2). Every one must
 * be refused, as blst refuses it, in both builds; the valid signatures themselves still verify.
 */
import { describe, expect, it } from 'vitest';
import * as blst from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { loadWasmCore } from '../../src/wasm/core.js';
import { verifyApi } from '../../src/wasm/verify.js';
import { compressG2 } from '../helpers/bls-encodings.js';

type G2Point = InstanceType<typeof bls12_381.G2.Point>;
const CURVE = bls12_381.G2.Point.CURVE();
/** k·P by double-and-add (noble's multiply takes scalars below r only). */
function times(k: bigint, p: G2Point): G2Point {
  let acc = bls12_381.G2.Point.ZERO;
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    acc = acc.double();
    if ((k >> BigInt(i)) & 1n) acc = acc.add(p);
  }
  return acc;
}
const { Fp2 } = bls12_381.fields;
/** Points whose order is a power of `order` (a prime dividing the cofactor), not O: k·R for R on E'(Fp2), k = h·r without its factors `order`. */
function smallOrder(order: bigint, count: number): G2Point[] {
  let k = CURVE.h * CURVE.n;
  while (k % order === 0n) k /= order;
  const out: G2Point[] = [];
  for (let c0 = 1n; out.length < count; c0++) {
    const x = Fp2.create({ c0, c1: order });
    let y;
    try {
      y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), Fp2.create({ c0: 4n, c1: 4n })));
    } catch {
      continue;
    }
    const s = times(k, bls12_381.G2.Point.fromAffine({ x, y }));
    if (!s.is0()) out.push(s);
  }
  return out;
}
const encode = (p: G2Point) => { const a = p.toAffine(); return compressG2(a.x, a.y); };
const blstVerifies = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => {
  try {
    return blst.verify(msg, blst.PublicKey.fromBytes(pk, true), blst.Signature.fromBytes(sig, true, true));
  } catch {
    return false;
  }
};

describe.each(['release', 'debug'] as const)('verifyWasm refuses signatures outside G2 (%s build)', (variant) => {
  it('small-order signatures and valid signatures plus a small-order point', () => {
    const api = verifyApi(loadWasmCore(variant));
    const sk = blst.SecretKey.fromKeygen(new Uint8Array(32).fill(7));
    const pk = sk.toPublicKey().toBytes();
    for (const order of [13n, 23n, 2713n]) {
      for (const [k, s] of smallOrder(order, 2).entries()) {
        const msg = Uint8Array.of(Number(order & 0xffn), k);
        const valid = sk.sign(msg).toBytes();
        expect(api.verifyWasm(pk, msg, valid)).toBe(true);
        const mixed = encode(bls12_381.G2.Point.fromBytes(valid).add(s));
        for (const sig of [encode(s), encode(s.negate()), encode(s.double()), mixed]) {
          expect(blstVerifies(pk, msg, sig)).toBe(false);
          expect(api.verifyWasm(pk, msg, sig)).toBe(false);
        }
      }
    }
  });
});
