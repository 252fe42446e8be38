/**
 * G2 of BLS12-381: points of E'(Fp2): y^2 = x^3 + 4(1 + u), in Jacobian coordinates (X, Y, Z) ↔
 * (X/Z^2, Y/Z^3), infinity when Z = 0. Formulas for a = 0 from the Explicit-Formulas Database
 * (hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-0.html): dbl-2009-l (2M + 5S), madd-2007-bl
 * (7M + 4S, second point affine), add-2007-bl (11M + 5S). Additions detect P + P (→ doubling),
 * P + (−P) (→ infinity) and infinity operands. Not constant-time.
 *
 * Layouts in memory: Jacobian = X ‖ Y ‖ Z, affine = x ‖ y (Fp2 elements of fp2.ts).
 * Byte format (ZCash/blst uncompressed, 192 bytes): x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, big-endian; the top
 * three bits of byte 0 are flags (compressed 0x80 must be clear, infinity 0x40 with every other bit
 * zero, sort 0x20 must be clear).
 *
 * The endomorphism ψ (untwist-Frobenius-twist, Galbraith–Scott) acts as [x] on the G2 subgroup,
 * x = −0xd201000000010000: ψ(x, y) = (c_x·conj(x), c_y·conj(y)), constants in params.ts.
 */
import {
  FP2_BYTES, FP2_ENCODED_BYTES, fp2Add, fp2Conj, fp2Copy, fp2Double, fp2Equals, fp2FromBytes, fp2Inv,
  fp2IsZero, fp2Mul, fp2Neg, fp2SetOne, fp2Sqr, fp2Sub, fp2ToBytes,
} from './fp2';
import { G2_B_MONT, G2_PSI_X_MONT, G2_PSI_Y_MONT } from './params';
import { DECODE_BAD_FLAGS, DECODE_INFINITY, DECODE_NOT_CANONICAL, DECODE_NOT_ON_CURVE, DECODE_POINT } from './encoding';

export const G2_JACOBIAN_BYTES: i32 = 3 * FP2_BYTES;
export const G2_AFFINE_BYTES: i32 = 2 * FP2_BYTES;
export const G2_ENCODED_BYTES: i32 = 2 * FP2_ENCODED_BYTES;
/** Most points g2BatchToAffine converts in one call (its prefix-product scratch): MSM_CHUNK × 4 table entries (msm.ts). */
export const G2_BATCH_CAPACITY: i32 = 256;

const F: usize = <usize>FP2_BYTES;
const T0: usize = memory.data(FP2_BYTES, 16);
const T1: usize = memory.data(FP2_BYTES, 16);
const T2: usize = memory.data(FP2_BYTES, 16);
const T3: usize = memory.data(FP2_BYTES, 16);
const T4: usize = memory.data(FP2_BYTES, 16);
const T5: usize = memory.data(FP2_BYTES, 16);
const T6: usize = memory.data(FP2_BYTES, 16);
const INVERSE: usize = memory.data(FP2_BYTES, 16);
const PREFIX: usize = memory.data(G2_BATCH_CAPACITY * FP2_BYTES, 16);

export function g2SetInfinity(out: usize): void {
  fp2SetOne(out);
  fp2SetOne(out + F);
  memory.fill(out + 2 * F, 0, F);
}

export function g2IsInfinity(p: usize): bool {
  return fp2IsZero(p + 2 * F);
}

/** Jacobian point from an affine one (Z = 1). */
export function g2FromAffine(out: usize, a: usize): void {
  memory.copy(out, a, 2 * F);
  fp2SetOne(out + 2 * F);
}

export function g2Double(out: usize, p: usize): void {
  if (g2IsInfinity(p)) {
    g2SetInfinity(out);
    return;
  }
  fp2Sqr(T0, p); // A = X^2
  fp2Sqr(T1, p + F); // B = Y^2
  fp2Sqr(T2, T1); // C = B^2
  fp2Add(T3, p, T1);
  fp2Sqr(T3, T3);
  fp2Sub(T3, T3, T0);
  fp2Sub(T3, T3, T2);
  fp2Double(T3, T3); // D = 2((X + B)^2 − A − C)
  fp2Double(T4, T0);
  fp2Add(T4, T4, T0); // E = 3A
  fp2Sqr(T5, T4); // F = E^2
  fp2Mul(T6, p + F, p + 2 * F);
  fp2Double(out + 2 * F, T6); // Z3 = 2 Y Z
  fp2Double(T6, T3);
  fp2Sub(out, T5, T6); // X3 = F − 2D
  fp2Sub(T3, T3, out);
  fp2Mul(T3, T4, T3);
  fp2Double(T2, T2);
  fp2Double(T2, T2);
  fp2Double(T2, T2);
  fp2Sub(out + F, T3, T2); // Y3 = E(D − X3) − 8C
}

/** out = p + q with q affine (not infinity). out may alias p. */
export function g2AddAffine(out: usize, p: usize, q: usize): void {
  if (g2IsInfinity(p)) {
    g2FromAffine(out, q);
    return;
  }
  const z = p + 2 * F;
  fp2Sqr(T0, z); // Z1Z1
  fp2Mul(T1, q, T0); // U2 = X2 Z1Z1
  fp2Mul(T2, q + F, z);
  fp2Mul(T2, T2, T0); // S2 = Y2 Z1 Z1Z1
  fp2Sub(T1, T1, p); // H = U2 − X1
  fp2Sub(T2, T2, p + F);
  fp2Double(T2, T2); // r = 2(S2 − Y1)
  if (fp2IsZero(T1)) {
    if (fp2IsZero(T2)) g2Double(out, p);
    else g2SetInfinity(out);
    return;
  }
  fp2Sqr(T3, T1); // HH
  fp2Double(T4, T3);
  fp2Double(T4, T4); // I = 4 HH
  fp2Mul(T5, T1, T4); // J = H I
  fp2Mul(T4, p, T4); // V = X1 I
  // Z3 = (Z1 + H)^2 − Z1Z1 − HH (before Z1 is overwritten)
  fp2Add(T6, z, T1);
  fp2Sqr(T6, T6);
  fp2Sub(T6, T6, T0);
  fp2Sub(out + 2 * F, T6, T3);
  // Y1 J before Y1 is overwritten
  fp2Mul(T6, p + F, T5);
  fp2Sqr(T0, T2);
  fp2Sub(T0, T0, T5);
  fp2Double(T3, T4);
  fp2Sub(out, T0, T3); // X3 = r^2 − J − 2V
  fp2Sub(T4, T4, out);
  fp2Mul(T4, T2, T4);
  fp2Double(T6, T6);
  fp2Sub(out + F, T4, T6); // Y3 = r(V − X3) − 2 Y1 J
}

/** out = p + q, both Jacobian. out may alias p or q. */
export function g2Add(out: usize, p: usize, q: usize): void {
  if (g2IsInfinity(p)) {
    memory.copy(out, q, 3 * F);
    return;
  }
  if (g2IsInfinity(q)) {
    memory.copy(out, p, 3 * F);
    return;
  }
  fp2Sqr(T0, p + 2 * F); // Z1Z1
  fp2Sqr(T1, q + 2 * F); // Z2Z2
  fp2Mul(T2, p, T1); // U1 = X1 Z2Z2
  fp2Mul(T3, q, T0); // U2 = X2 Z1Z1
  fp2Mul(T4, p + F, q + 2 * F);
  fp2Mul(T4, T4, T1); // S1 = Y1 Z2 Z2Z2
  fp2Mul(T5, q + F, p + 2 * F);
  fp2Mul(T5, T5, T0); // S2 = Y2 Z1 Z1Z1
  fp2Sub(T3, T3, T2); // H = U2 − U1
  fp2Sub(T5, T5, T4);
  fp2Double(T5, T5); // r = 2(S2 − S1)
  if (fp2IsZero(T3)) {
    if (fp2IsZero(T5)) g2Double(out, p);
    else g2SetInfinity(out);
    return;
  }
  // Z3 = ((Z1 + Z2)^2 − Z1Z1 − Z2Z2) H
  fp2Add(T6, p + 2 * F, q + 2 * F);
  fp2Sqr(T6, T6);
  fp2Sub(T6, T6, T0);
  fp2Sub(T6, T6, T1);
  fp2Mul(out + 2 * F, T6, T3);
  fp2Double(T0, T3);
  fp2Sqr(T0, T0); // I = (2H)^2
  fp2Mul(T1, T3, T0); // J = H I
  fp2Mul(T2, T2, T0); // V = U1 I
  fp2Mul(T4, T4, T1);
  fp2Double(T4, T4); // 2 S1 J
  fp2Sqr(T6, T5);
  fp2Sub(T6, T6, T1);
  fp2Double(T0, T2);
  fp2Sub(out, T6, T0); // X3 = r^2 − J − 2V
  fp2Sub(T2, T2, out);
  fp2Mul(T2, T5, T2);
  fp2Sub(out + F, T2, T4); // Y3 = r(V − X3) − 2 S1 J
}

/**
 * Co-Z addition with update (Meloni; Goundar–Joye–Miyaji, "Co-Z addition formulæ and binary
 * ladders", ZADDU, 5M + 2S): p and q share their Z; out = p + q, and p is replaced by the same point
 * with out's Z. Returns false when p and q have the same x (p = ±q), which the caller treats as an
 * input of small order. out must not alias p or q.
 */
export function g2AddCoZ(out: usize, p: usize, q: usize): bool {
  fp2Sub(T0, p, q); // X1 − X2
  if (fp2IsZero(T0)) return false;
  fp2Sqr(T1, T0); // C
  fp2Mul(T2, p, T1); // W1
  fp2Mul(T3, q, T1); // W2
  fp2Sub(T4, p + F, q + F); // Y1 − Y2
  fp2Sub(T5, T2, T3);
  fp2Mul(T5, p + F, T5); // A1 = Y1 (W1 − W2)
  fp2Mul(out + 2 * F, p + 2 * F, T0); // Z3 = Z (X1 − X2)
  fp2Sqr(T6, T4);
  fp2Sub(T6, T6, T2);
  fp2Sub(out, T6, T3); // X3 = (Y1 − Y2)^2 − W1 − W2
  fp2Sub(T6, T2, out);
  fp2Mul(T6, T4, T6);
  fp2Sub(out + F, T6, T5); // Y3 = (Y1 − Y2)(W1 − X3) − A1
  fp2Copy(p, T2);
  fp2Copy(p + F, T5);
  fp2Copy(p + 2 * F, out + 2 * F);
  return true;
}

/**
 * The odd multiples P, 3P, …, (2·size − 1)P of an affine point into `table` (Jacobian, each entry
 * with its own Z), by co-Z additions of 2P (Longa–Miri's precomputation): 2P = (X, Y, 2y), P made
 * co-Z with it as (x·(2y)^2, y·(2y)^3, 2y), then ZADDU repeatedly. `twice` is scratch. Returns false
 * when P has small order (2P = O or some entry equals ±2P), impossible in the prime-order subgroup.
 */
export function g2OddMultiples(table: usize, a: usize, size: i32, twice: usize): bool {
  g2FromAffine(twice, a);
  g2Double(twice, twice);
  if (g2IsInfinity(twice)) return false;
  fp2Sqr(T0, twice + 2 * F);
  fp2Mul(table, a, T0);
  fp2Mul(T0, T0, twice + 2 * F);
  fp2Mul(table + F, a + F, T0);
  fp2Copy(table + 2 * F, twice + 2 * F);
  const stride: usize = 3 * F;
  for (let k = 1; k < size; k++) {
    const entry = table + <usize>k * stride;
    if (!g2AddCoZ(entry, twice, entry - stride)) return false;
  }
  return true;
}

/** Affine y ↦ −y in place, for a signed table lookup. */
export function g2NegateAffine(out: usize, a: usize): void {
  fp2Copy(out, a);
  fp2Neg(out + F, a + F);
}

/** out = −ψ(a) for an affine point: since ψ = [x] and x < 0, this is [|x|] a. */
export function g2NegPsiAffine(out: usize, a: usize): void {
  fp2Conj(T0, a);
  fp2Mul(out, T0, G2_PSI_X_MONT);
  fp2Conj(T0, a + F);
  fp2Mul(T0, T0, G2_PSI_Y_MONT);
  fp2Neg(out + F, T0);
}

/**
 * Converts `count` Jacobian points (none at infinity) at `jac` to affine at `aff` with one field
 * inversion (Montgomery's trick: prefix products, one inverse, walk back).
 */
export function g2BatchToAffine(aff: usize, jac: usize, count: i32): void {
  const stride: usize = 3 * F;
  fp2Copy(PREFIX, jac + 2 * F);
  for (let i = 1; i < count; i++) {
    fp2Mul(PREFIX + <usize>i * F, PREFIX + <usize>(i - 1) * F, jac + <usize>i * stride + 2 * F);
  }
  fp2Inv(INVERSE, PREFIX + <usize>(count - 1) * F);
  for (let i = count - 1; i >= 0; i--) {
    const point = jac + <usize>i * stride;
    if (i > 0) {
      fp2Mul(T0, INVERSE, PREFIX + <usize>(i - 1) * F); // 1 / Z_i
      fp2Mul(INVERSE, INVERSE, point + 2 * F);
    } else {
      fp2Copy(T0, INVERSE);
    }
    fp2Sqr(T1, T0);
    fp2Mul(aff + <usize>i * 2 * F, point, T1);
    fp2Mul(T1, T1, T0);
    fp2Mul(aff + <usize>i * 2 * F + F, point + F, T1);
  }
}

/** Whether affine (x, y) satisfies y^2 = x^3 + 4(1 + u). */
export function g2IsOnCurve(a: usize): bool {
  fp2Sqr(T0, a);
  fp2Mul(T0, T0, a);
  fp2Add(T0, T0, G2_B_MONT);
  fp2Sqr(T1, a + F);
  return fp2Equals(T0, T1);
}

/**
 * Decodes 192 uncompressed bytes into an affine point. Returns DECODE_POINT, DECODE_INFINITY (aff
 * untouched) or a negative DECODE_* error.
 */
export function g2Decode(aff: usize, bytes: usize): i32 {
  const flags = load<u8>(bytes);
  if ((flags & 0xa0) != 0) return DECODE_BAD_FLAGS;
  if ((flags & 0x40) != 0) {
    if ((flags & 0x1f) != 0) return DECODE_BAD_FLAGS;
    for (let k = 1; k < G2_ENCODED_BYTES; k++) if (load<u8>(bytes + <usize>k) != 0) return DECODE_BAD_FLAGS;
    return DECODE_INFINITY;
  }
  if (!fp2FromBytes(aff, bytes) || !fp2FromBytes(aff + F, bytes + <usize>FP2_ENCODED_BYTES)) {
    return DECODE_NOT_CANONICAL;
  }
  return g2IsOnCurve(aff) ? DECODE_POINT : DECODE_NOT_ON_CURVE;
}

/** Encodes a Jacobian point as 192 uncompressed bytes (one inversion). */
export function g2Encode(bytes: usize, p: usize): void {
  if (g2IsInfinity(p)) {
    memory.fill(bytes, 0, G2_ENCODED_BYTES);
    store<u8>(bytes, 0x40);
    return;
  }
  fp2Inv(T0, p + 2 * F);
  fp2Sqr(T1, T0);
  fp2Mul(T2, p, T1);
  fp2ToBytes(bytes, T2);
  fp2Mul(T1, T1, T0);
  fp2Mul(T2, p + F, T1);
  fp2ToBytes(bytes + <usize>FP2_ENCODED_BYTES, T2);
}
