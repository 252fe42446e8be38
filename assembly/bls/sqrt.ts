/**
 * Square roots in Fp and Fp2 = Fp[u]/(u^2 + 1) of BLS12-381, for point decompression (decode.ts).
 * Variable-time: the inputs (public keys, signatures) are public.
 *
 * Fp (p = 3 mod 4): sqrt(a) = a^((p+1)/4) = a · a^((p−3)/4). The exponentiation by (p−3)/4 (the
 * "progenitor": Scott, "A note on the calculation of some functions in finite fields: tricks of the
 * trade", eprint 2020/1497) is a left-to-right sliding window whose schedule decode-generate.mjs
 * derives: 376 squarings (the fpSquare kernel) and 81 multiplications. The root is checked by
 * squaring it back.
 *
 * Fp2: the norm ("complex") method (Scott, "Implementing cryptographic pairings", Pairing 2007,
 * §3.3; blst's sqrt_fp2 is the same idea). a = a0 + a1·u is a square iff its norm n = a0^2 + a1^2 is
 * a square in Fp. With s = sqrt(n), t = (a0 + s)/2 and w = t^((p−3)/4):
 * - if t is a square, w = 1/sqrt(t), and sqrt(a) = x0 + x1·u with x0 = t·w (= sqrt t) and
 *   x1 = a1/(2·x0) = a1·w/2: no inversion;
 * - otherwise (t·(a0 − s)/2 = −a1^2/4 is a non-square, so (a0 − s)/2 is the square one) the root is
 *   −a1·w/2 + t·w·u, from the same w, because (−t)^((p−3)/4) = t^((p−3)/4) for p = 3 mod 8 and
 *   w^2·t = −1;
 * - t = 0 only for a1 = 0, s = −a0; then t = a0 is taken instead (the other root of n).
 * Two Fp exponentiations and a few products. Measured against Adj & Rodríguez-Henríquez, "Square
 * root computation over even extension fields" (eprint 2012/685, Algorithm 9 for p = 3 mod 4: two
 * exponentiations in Fp2), same schedule, same process: 779 vs 2315 Fp multiplications.
 */
import { FP_BYTES, fpAdd, fpCopy, fpEquals, fpIsZero, fpMul, fpNeg, fpSqr } from './fp';
import { FP2_BYTES, fp2Join, fp2Split, fp2Sqr } from './fp2';
import { HALF_MONT, SQRT_STEPS, SQRT_STEP_COUNT, SQRT_TABLE_SIZE, fpSquare } from './decode-constants';

const F: usize = <usize>FP_BYTES;
const TABLE: usize = memory.data(SQRT_TABLE_SIZE * FP_BYTES, 16);
const SQUARE: usize = memory.data(FP_BYTES, 16);
const ACC: usize = memory.data(FP_BYTES, 16);
const A0: usize = memory.data(FP_BYTES, 16);
const A1: usize = memory.data(FP_BYTES, 16);
const N: usize = memory.data(FP_BYTES, 16);
const S: usize = memory.data(FP_BYTES, 16);
const T: usize = memory.data(FP_BYTES, 16);
const U: usize = memory.data(FP_BYTES, 16);
const C: usize = memory.data(FP_BYTES, 16);
const H: usize = memory.data(FP_BYTES, 16);
const CHECK2: usize = memory.data(FP2_BYTES, 16);

/** out = a^((p-3)/4) by the generated sliding-window schedule. out may alias a. */
export function fpPowProgenitor(out: usize, a: usize): void {
  fpCopy(TABLE, a);
  fpSquare(SQUARE, a);
  for (let i = 1; i < SQRT_TABLE_SIZE; i++) fpMul(TABLE + <usize>i * F, TABLE + <usize>(i - 1) * F, SQUARE);
  fpCopy(ACC, TABLE + (<usize>load<u8>(SQRT_STEPS + 1) - 1) * F);
  for (let s = 1; s < SQRT_STEP_COUNT; s++) {
    const k = <i32>load<u8>(SQRT_STEPS + 2 * <usize>s);
    const d = <usize>load<u8>(SQRT_STEPS + 2 * <usize>s + 1);
    for (let j = 0; j < k; j++) fpSquare(ACC, ACC);
    if (d != 0) fpMul(ACC, ACC, TABLE + (d - 1) * F);
  }
  fpCopy(out, ACC);
}

/**
 * out = a square root of a (either sign) when a is a square, and returns true; returns false (out
 * unspecified) when a has no square root. out may alias a.
 */
export function fpSqrtUnsafe(out: usize, a: usize): bool {
  fpPowProgenitor(U, a);
  fpMul(C, U, a);
  fpSqr(SQUARE, C);
  if (!fpEquals(SQUARE, a)) return false;
  fpCopy(out, C);
  return true;
}

/**
 * out = a square root of the Fp2 element a (either sign) when one exists, and returns true; false
 * (out unspecified) otherwise. Interleaved layout of fp2.ts. out may alias a.
 */
export function fp2SqrtUnsafe(out: usize, a: usize): bool {
  fp2Split(A0, A1, a);
  fpSqr(N, A0);
  fpSqr(T, A1);
  fpAdd(N, N, T); // n = a0^2 + a1^2, the norm
  if (!fpSqrtUnsafe(S, N)) return false; // a non-square norm: no root in Fp2
  fpAdd(T, A0, S);
  fpMul(T, T, HALF_MONT); // t = (a0 + s)/2
  if (fpIsZero(T)) {
    // only when a1 = 0 and s = -a0: take the other root of the norm, t = (a0 - s)/2 = a0
    fpCopy(T, A0);
  }
  fpPowProgenitor(U, T); // u_t = t^((p-3)/4)
  fpMul(C, U, T); // t^((p+1)/4): sqrt(t) if t is a square
  fpMul(H, A1, U);
  fpMul(H, H, HALF_MONT); // a1 u_t / 2
  fpSqr(SQUARE, C);
  if (fpEquals(SQUARE, T)) {
    fp2Join(out, C, H);
  } else {
    fpNeg(H, H);
    fp2Join(out, H, C);
  }
  // the norm was a square, so this holds; kept as the check that the formulas are right
  fp2Sqr(CHECK2, out);
  fp2Split(S, T, CHECK2);
  return fpEquals(S, A0) && fpEquals(T, A1);
}
