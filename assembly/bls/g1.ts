/**
 * G1 of BLS12-381: points of E(Fp): y^2 = x^3 + 4, in Jacobian coordinates (X, Y, Z) ↔
 * (X/Z^2, Y/Z^3), infinity when Z = 0. The same a = 0 formulas as g2.ts (EFD dbl-2009-l,
 * madd-2007-bl, add-2007-bl) over Fp, with the same special cases. Not constant-time.
 *
 * Layouts in memory: Jacobian = X ‖ Y ‖ Z, affine = x ‖ y (Fp elements of fp.ts).
 * Byte format (ZCash/blst uncompressed, 96 bytes): x ‖ y, big-endian, flags in the top three bits of
 * byte 0 as for G2.
 *
 * The GLV endomorphism φ(x, y) = (β x, y), β a cube root of unity in Fp, acts as [−x^2] on the G1
 * subgroup (x = −0xd201000000010000); the MSM uses φ'(x, y) = (β x, −y) = [x^2].
 */
import {
  FP_BYTES, FP_ENCODED_BYTES, fpAdd, fpCopy, fpDouble, fpEquals, fpFromBytes, fpInv,
  fpIsZero, fpMul, fpNeg, fpSetOne, fpSqr, fpSub, fpToBytes,
} from './fp';
import { G1_B_MONT, G1_BETA_MONT } from './params';
import { DECODE_BAD_FLAGS, DECODE_INFINITY, DECODE_NOT_CANONICAL, DECODE_NOT_ON_CURVE, DECODE_POINT } from './encoding';

export const G1_JACOBIAN_BYTES: i32 = 3 * FP_BYTES;
export const G1_AFFINE_BYTES: i32 = 2 * FP_BYTES;
export const G1_ENCODED_BYTES: i32 = 2 * FP_ENCODED_BYTES;
/** Most points g1BatchToAffine converts in one call (its prefix-product scratch): MSM_CHUNK × 4 table entries (msm.ts). */
export const G1_BATCH_CAPACITY: i32 = 256;

const F: usize = <usize>FP_BYTES;
const T0: usize = memory.data(FP_BYTES, 16);
const T1: usize = memory.data(FP_BYTES, 16);
const T2: usize = memory.data(FP_BYTES, 16);
const T3: usize = memory.data(FP_BYTES, 16);
const T4: usize = memory.data(FP_BYTES, 16);
const T5: usize = memory.data(FP_BYTES, 16);
const T6: usize = memory.data(FP_BYTES, 16);
const INVERSE: usize = memory.data(FP_BYTES, 16);
const PREFIX: usize = memory.data(G1_BATCH_CAPACITY * FP_BYTES, 16);

export function g1SetInfinity(out: usize): void {
  fpSetOne(out);
  fpSetOne(out + F);
  memory.fill(out + 2 * F, 0, F);
}

export function g1IsInfinity(p: usize): bool {
  return fpIsZero(p + 2 * F);
}

/** Jacobian point from an affine one (Z = 1). */
export function g1FromAffine(out: usize, a: usize): void {
  memory.copy(out, a, 2 * F);
  fpSetOne(out + 2 * F);
}

export function g1Double(out: usize, p: usize): void {
  if (g1IsInfinity(p)) {
    g1SetInfinity(out);
    return;
  }
  fpSqr(T0, p); // A = X^2
  fpSqr(T1, p + F); // B = Y^2
  fpSqr(T2, T1); // C = B^2
  fpAdd(T3, p, T1);
  fpSqr(T3, T3);
  fpSub(T3, T3, T0);
  fpSub(T3, T3, T2);
  fpDouble(T3, T3); // D = 2((X + B)^2 − A − C)
  fpDouble(T4, T0);
  fpAdd(T4, T4, T0); // E = 3A
  fpSqr(T5, T4); // F = E^2
  fpMul(T6, p + F, p + 2 * F);
  fpDouble(out + 2 * F, T6); // Z3 = 2 Y Z
  fpDouble(T6, T3);
  fpSub(out, T5, T6); // X3 = F − 2D
  fpSub(T3, T3, out);
  fpMul(T3, T4, T3);
  fpDouble(T2, T2);
  fpDouble(T2, T2);
  fpDouble(T2, T2);
  fpSub(out + F, T3, T2); // Y3 = E(D − X3) − 8C
}

/** out = p + q with q affine (not infinity). out may alias p. */
export function g1AddAffine(out: usize, p: usize, q: usize): void {
  if (g1IsInfinity(p)) {
    g1FromAffine(out, q);
    return;
  }
  const z = p + 2 * F;
  fpSqr(T0, z); // Z1Z1
  fpMul(T1, q, T0); // U2 = X2 Z1Z1
  fpMul(T2, q + F, z);
  fpMul(T2, T2, T0); // S2 = Y2 Z1 Z1Z1
  fpSub(T1, T1, p); // H = U2 − X1
  fpSub(T2, T2, p + F);
  fpDouble(T2, T2); // r = 2(S2 − Y1)
  if (fpIsZero(T1)) {
    if (fpIsZero(T2)) g1Double(out, p);
    else g1SetInfinity(out);
    return;
  }
  fpSqr(T3, T1); // HH
  fpDouble(T4, T3);
  fpDouble(T4, T4); // I = 4 HH
  fpMul(T5, T1, T4); // J = H I
  fpMul(T4, p, T4); // V = X1 I
  // Z3 = (Z1 + H)^2 − Z1Z1 − HH (before Z1 is overwritten)
  fpAdd(T6, z, T1);
  fpSqr(T6, T6);
  fpSub(T6, T6, T0);
  fpSub(out + 2 * F, T6, T3);
  // Y1 J before Y1 is overwritten
  fpMul(T6, p + F, T5);
  fpSqr(T0, T2);
  fpSub(T0, T0, T5);
  fpDouble(T3, T4);
  fpSub(out, T0, T3); // X3 = r^2 − J − 2V
  fpSub(T4, T4, out);
  fpMul(T4, T2, T4);
  fpDouble(T6, T6);
  fpSub(out + F, T4, T6); // Y3 = r(V − X3) − 2 Y1 J
}

/** out = p + q, both Jacobian. out may alias p or q. */
export function g1Add(out: usize, p: usize, q: usize): void {
  if (g1IsInfinity(p)) {
    memory.copy(out, q, 3 * F);
    return;
  }
  if (g1IsInfinity(q)) {
    memory.copy(out, p, 3 * F);
    return;
  }
  fpSqr(T0, p + 2 * F); // Z1Z1
  fpSqr(T1, q + 2 * F); // Z2Z2
  fpMul(T2, p, T1); // U1 = X1 Z2Z2
  fpMul(T3, q, T0); // U2 = X2 Z1Z1
  fpMul(T4, p + F, q + 2 * F);
  fpMul(T4, T4, T1); // S1 = Y1 Z2 Z2Z2
  fpMul(T5, q + F, p + 2 * F);
  fpMul(T5, T5, T0); // S2 = Y2 Z1 Z1Z1
  fpSub(T3, T3, T2); // H = U2 − U1
  fpSub(T5, T5, T4);
  fpDouble(T5, T5); // r = 2(S2 − S1)
  if (fpIsZero(T3)) {
    if (fpIsZero(T5)) g1Double(out, p);
    else g1SetInfinity(out);
    return;
  }
  // Z3 = ((Z1 + Z2)^2 − Z1Z1 − Z2Z2) H
  fpAdd(T6, p + 2 * F, q + 2 * F);
  fpSqr(T6, T6);
  fpSub(T6, T6, T0);
  fpSub(T6, T6, T1);
  fpMul(out + 2 * F, T6, T3);
  fpDouble(T0, T3);
  fpSqr(T0, T0); // I = (2H)^2
  fpMul(T1, T3, T0); // J = H I
  fpMul(T2, T2, T0); // V = U1 I
  fpMul(T4, T4, T1);
  fpDouble(T4, T4); // 2 S1 J
  fpSqr(T6, T5);
  fpSub(T6, T6, T1);
  fpDouble(T0, T2);
  fpSub(out, T6, T0); // X3 = r^2 − J − 2V
  fpSub(T2, T2, out);
  fpMul(T2, T5, T2);
  fpSub(out + F, T2, T4); // Y3 = r(V − X3) − 2 S1 J
}

/**
 * Co-Z addition with update (Meloni; Goundar–Joye–Miyaji, "Co-Z addition formulæ and binary
 * ladders", ZADDU, 5M + 2S): p and q share their Z; out = p + q, and p is replaced by the same point
 * with out's Z. Returns false when p and q have the same x (p = ±q), which the caller treats as an
 * input of small order. out must not alias p or q.
 */
export function g1AddCoZ(out: usize, p: usize, q: usize): bool {
  fpSub(T0, p, q); // X1 − X2
  if (fpIsZero(T0)) return false;
  fpSqr(T1, T0); // C
  fpMul(T2, p, T1); // W1
  fpMul(T3, q, T1); // W2
  fpSub(T4, p + F, q + F); // Y1 − Y2
  fpSub(T5, T2, T3);
  fpMul(T5, p + F, T5); // A1 = Y1 (W1 − W2)
  fpMul(out + 2 * F, p + 2 * F, T0); // Z3 = Z (X1 − X2)
  fpSqr(T6, T4);
  fpSub(T6, T6, T2);
  fpSub(out, T6, T3); // X3 = (Y1 − Y2)^2 − W1 − W2
  fpSub(T6, T2, out);
  fpMul(T6, T4, T6);
  fpSub(out + F, T6, T5); // Y3 = (Y1 − Y2)(W1 − X3) − A1
  fpCopy(p, T2);
  fpCopy(p + F, T5);
  fpCopy(p + 2 * F, out + 2 * F);
  return true;
}

/**
 * The odd multiples P, 3P, …, (2·size − 1)P of an affine point into `table` (Jacobian, each entry
 * with its own Z), by co-Z additions of 2P (Longa–Miri's precomputation): 2P = (X, Y, 2y), P made
 * co-Z with it as (x·(2y)^2, y·(2y)^3, 2y), then ZADDU repeatedly. `twice` is scratch. Returns false
 * when P has small order (2P = O or some entry equals ±2P), impossible in the prime-order subgroup.
 */
export function g1OddMultiples(table: usize, a: usize, size: i32, twice: usize): bool {
  g1FromAffine(twice, a);
  g1Double(twice, twice);
  if (g1IsInfinity(twice)) return false;
  fpSqr(T0, twice + 2 * F);
  fpMul(table, a, T0);
  fpMul(T0, T0, twice + 2 * F);
  fpMul(table + F, a + F, T0);
  fpCopy(table + 2 * F, twice + 2 * F);
  const stride: usize = 3 * F;
  for (let k = 1; k < size; k++) {
    const entry = table + <usize>k * stride;
    if (!g1AddCoZ(entry, twice, entry - stride)) return false;
  }
  return true;
}

/** Affine y ↦ −y in place, for a signed table lookup. */
export function g1NegateAffine(out: usize, a: usize): void {
  fpCopy(out, a);
  fpNeg(out + F, a + F);
}

/** out = φ'(a) = (β x, −y) for an affine point: [x^2] a on G1. */
export function g1EndomorphismAffine(out: usize, a: usize): void {
  fpMul(out, a, G1_BETA_MONT);
  fpNeg(out + F, a + F);
}

/**
 * Converts `count` Jacobian points (none at infinity) at `jac` to affine at `aff` with one field
 * inversion (Montgomery's trick: prefix products, one inverse, walk back).
 */
export function g1BatchToAffine(aff: usize, jac: usize, count: i32): void {
  const stride: usize = 3 * F;
  fpCopy(PREFIX, jac + 2 * F);
  for (let i = 1; i < count; i++) {
    fpMul(PREFIX + <usize>i * F, PREFIX + <usize>(i - 1) * F, jac + <usize>i * stride + 2 * F);
  }
  fpInv(INVERSE, PREFIX + <usize>(count - 1) * F);
  for (let i = count - 1; i >= 0; i--) {
    const point = jac + <usize>i * stride;
    if (i > 0) {
      fpMul(T0, INVERSE, PREFIX + <usize>(i - 1) * F); // 1 / Z_i
      fpMul(INVERSE, INVERSE, point + 2 * F);
    } else {
      fpCopy(T0, INVERSE);
    }
    fpSqr(T1, T0);
    fpMul(aff + <usize>i * 2 * F, point, T1);
    fpMul(T1, T1, T0);
    fpMul(aff + <usize>i * 2 * F + F, point + F, T1);
  }
}

/** Whether affine (x, y) satisfies y^2 = x^3 + 4. */
export function g1IsOnCurve(a: usize): bool {
  fpSqr(T0, a);
  fpMul(T0, T0, a);
  fpAdd(T0, T0, G1_B_MONT);
  fpSqr(T1, a + F);
  return fpEquals(T0, T1);
}

/**
 * Decodes 96 uncompressed bytes into an affine point. Returns DECODE_POINT, DECODE_INFINITY (aff
 * untouched) or a negative DECODE_* error.
 */
export function g1Decode(aff: usize, bytes: usize): i32 {
  const flags = load<u8>(bytes);
  if ((flags & 0xa0) != 0) return DECODE_BAD_FLAGS;
  if ((flags & 0x40) != 0) {
    if ((flags & 0x1f) != 0) return DECODE_BAD_FLAGS;
    for (let k = 1; k < G1_ENCODED_BYTES; k++) if (load<u8>(bytes + <usize>k) != 0) return DECODE_BAD_FLAGS;
    return DECODE_INFINITY;
  }
  if (!fpFromBytes(aff, bytes) || !fpFromBytes(aff + F, bytes + <usize>FP_ENCODED_BYTES)) {
    return DECODE_NOT_CANONICAL;
  }
  return g1IsOnCurve(aff) ? DECODE_POINT : DECODE_NOT_ON_CURVE;
}

/** Encodes a Jacobian point as 96 uncompressed bytes (one inversion). */
export function g1Encode(bytes: usize, p: usize): void {
  if (g1IsInfinity(p)) {
    memory.fill(bytes, 0, G1_ENCODED_BYTES);
    store<u8>(bytes, 0x40);
    return;
  }
  fpInv(T0, p + 2 * F);
  fpSqr(T1, T0);
  fpMul(T2, p, T1);
  fpToBytes(bytes, T2);
  fpMul(T1, T1, T0);
  fpMul(T2, p + F, T1);
  fpToBytes(bytes + <usize>FP_ENCODED_BYTES, T2);
}
