/**
 * BLS12-381 encodings for tests, built with @noble/curves as the independent implementation:
 * compressed ZCash/blst encodings of arbitrary curve points — including points on the curve but
 * outside the prime-order subgroups, which noble's own encoders refuse to produce.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { scalarStream } from './random.js';

const { Fp, Fp2 } = bls12_381.fields;
const P = Fp.ORDER;
const HALF = (P - 1n) / 2n;

function be48(x: bigint): Uint8Array {
  const out = new Uint8Array(48);
  for (let i = 47; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** 48-byte compressed encoding of affine (x, y) on E(Fp), no subgroup check. */
export function compressG1(x: bigint, y: bigint): Uint8Array {
  const out = be48(x);
  out[0]! |= 0x80 | (y > HALF ? 0x20 : 0);
  return out;
}

type Fp2Value = { c0: bigint; c1: bigint };

/** 96-byte compressed encoding of affine (x, y) on E'(Fp2): x.c1 ‖ x.c0, sort bit from y.c1 (or y.c0 when y.c1 = 0). */
export function compressG2(x: Fp2Value, y: Fp2Value): Uint8Array {
  const out = new Uint8Array(96);
  out.set(be48(x.c1), 0);
  out.set(be48(x.c0), 48);
  const larger = y.c1 !== 0n ? y.c1 > HALF : y.c0 > HALF;
  out[0]! |= 0x80 | (larger ? 0x20 : 0);
  return out;
}

/** `count` points on E(Fp) outside G1 (noble's isTorsionFree false), compressed, from `seed`. */
export function g1OutsideSubgroup(count: number, seed = 0x61n): Uint8Array[] {
  const next = scalarStream(seed, P);
  const out: Uint8Array[] = [];
  while (out.length < count) {
    const x = next();
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n);
    let y: bigint;
    try {
      y = Fp.sqrt(rhs);
    } catch {
      continue;
    }
    const point = bls12_381.G1.Point.fromAffine({ x, y });
    if (point.isTorsionFree()) continue;
    out.push(compressG1(x, y));
  }
  return out;
}

/** `count` points on E'(Fp2) outside G2, compressed, from `seed`. */
export function g2OutsideSubgroup(count: number, seed = 0x62n): Uint8Array[] {
  const next = scalarStream(seed, P);
  const b = Fp2.create({ c0: 4n, c1: 4n });
  const out: Uint8Array[] = [];
  while (out.length < count) {
    const x = Fp2.create({ c0: next(), c1: next() });
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y: Fp2Value;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    const point = bls12_381.G2.Point.fromAffine({ x, y });
    if (point.isTorsionFree()) continue;
    out.push(compressG2(x, y));
  }
  return out;
}
