/**
 * map_to_curve for BLS12-381 G2: the simplified SWU map onto the curve E': y^2 = x^3 + A'x + B'
 * (RFC 9380 §6.6.2, A' = 240·I, B' = 1012·(1 + I), Z = −(2 + I), §8.8.2) followed by the 3-isogeny
 * E' → E (RFC 9380 §6.6.3, Appendix E.3), for the two field elements u0, u1 of one hash at once.
 * Variable-time: the inputs are hashes of public messages.
 *
 * x1 = (−B'/A')(1 + 1/(Z^2 u^4 + Z u^2)) (B'/(Z A') when the denominator is 0, i.e. u = 0); the two
 * inversions of a pair share one (Montgomery's trick). Then y = sqrt(g(x1)) if g(x1) is a square, else
 * x2 = Z u^2 x1 and y = sqrt(g(x2)), where g(x2) = Z^3 u^6 g(x1) (an identity of this map; the case
 * u = 0 never needs x2, because Z is chosen so that g(B'/(Z A')) is a square). The sign of y is then
 * fixed so that sgn0(y) = sgn0(u) (RFC 9380 §4.1), which makes the choice of square root irrelevant.
 *
 * Square roots (instead of RFC 9380's Appendix F.2.1 sqrt_ratio for q = p^2, one exponentiation of
 * about 760 bits in Fp2): the "complex method" for Fp2 = Fp[I]/(I^2 + 1) (Adj and Rodríguez-
 * Henríquez, "Square root computation over even extension fields", IEEE Trans. Computers 63(11),
 * 2014, §3), two exponentiations in Fp, each to e = (p − 3)/4 (p ≡ 3 mod 4), and no inversion:
 *   1. for a = a0 + a1·I, its norm n = a0^2 + a1^2; z = n^e; s = n·z satisfies s^2 = n·χ(n), so
 *      s^2 = n tells whether a is a square in Fp2 (exactly when n is one in Fp), and then d = s is a
 *      square root of n. If it is not, g(x2) is the square, and a square root of its norm
 *      N(Z)^3 N(u)^6 n comes from the same s: d = sqrt(−N(Z)^3)·N(u)^3·s (s^2 = −n then);
 *   2. c = (a0 + d)/2 (or (a0 − d)/2 if that is 0); t = c^e, so that c·t^2 = χ(c) = ±1. If +1:
 *      sqrt(a) = c·t + (a1·t/2)·I; if −1: sqrt(a) = −a1·t/2 + c·t·I. No inversion: t is 1/sqrt(±c)
 *      up to the factor c·t.
 * Both exponentiations of the two elements run together, one element in each lane of the SIMD
 * product fpMulPair (about 1.4 times the speed of two scalar products). A dedicated SIMD squaring
 * (product scanning, 91 + 169 limb products instead of 338) measured 15% faster than fpMulPair(a, a)
 * alone but no faster inside this exponentiation (squarings interleaved with multiplications),
 * so it was dropped.
 *
 * The isogeny is evaluated by Horner's rule on the affine (x', y') and its result written in
 * Jacobian coordinates without inversion: with Z = x_den·y_den, X = x_num·y_den·Z and
 * Y = y'·y_num·x_den·Z^2. A zero denominator (the isogeny's kernel) gives Z = 0, the point at infinity.
 */
import { FP_BYTES, fpAdd, fpEquals, fpIsZero, fpMul, fpNeg, fpSub } from '../bls/fp';
import { FP2_BYTES, fp2Add, fp2Inv, fp2IsZero, fp2Join, fp2Mul, fp2Neg, fp2SetOne, fp2Split, fp2Sqr } from '../bls/fp2';
import { fpMulPair } from '../bls/montgomery';
import { ONE_MONT } from '../bls/params';
import {
  FP_HALF, ISO_X_DEN, ISO_X_NUM, ISO_Y_DEN, ISO_Y_NUM, PLAIN_ONE, SQRT_EXP_DIGITS, SQRT_EXP_SQUARINGS,
  SQRT_EXP_STEPS, SQRT_EXP_TABLE, SQRT_EXP_TAIL, SQRT_MINUS_NORM_Z3, SSWU_A, SSWU_B, SSWU_B_OVER_ZA,
  SSWU_MINUS_B_OVER_A, SSWU_Z, SSWU_Z3,
} from './constants';

const F: usize = <usize>FP2_BYTES;
const E: usize = <usize>FP_BYTES;

// Per-element values, two of each (element i at +i·F or +i·E).
const U2: usize = memory.data(2 * FP2_BYTES, 16); // u^2
const XI: usize = memory.data(2 * FP2_BYTES, 16); // Z u^2
const DEN: usize = memory.data(2 * FP2_BYTES, 16); // Z^2 u^4 + Z u^2, then its inverse
const X: usize = memory.data(2 * FP2_BYTES, 16); // x1, then the chosen x
const GX: usize = memory.data(2 * FP2_BYTES, 16); // g(x1)
const A: usize = memory.data(2 * FP2_BYTES, 16); // the square whose root is y: g(x1) or g(x2)
const Y: usize = memory.data(2 * FP2_BYTES, 16);
const NORM: usize = memory.data(2 * FP_BYTES, 16);
const CVAL: usize = memory.data(2 * FP_BYTES, 16);
// Both lanes' inputs and results of the paired exponentiation (interleaved like an Fp2 element).
const PAIR_IN: usize = memory.data(FP2_BYTES, 16);
const PAIR_OUT: usize = memory.data(FP2_BYTES, 16);
const LANES: usize = memory.data(2 * FP_BYTES, 16);
// Scratch.
const T0: usize = memory.data(FP2_BYTES, 16);
const T1: usize = memory.data(FP2_BYTES, 16);
const S0: usize = memory.data(FP_BYTES, 16);
const S1: usize = memory.data(FP_BYTES, 16);
const S2: usize = memory.data(FP_BYTES, 16);
const S3: usize = memory.data(FP_BYTES, 16);
const POW_TABLE: usize = memory.data(SQRT_EXP_TABLE * FP2_BYTES, 16);
const POW_SQUARE: usize = memory.data(FP2_BYTES, 16);
const ISO_XN: usize = memory.data(FP2_BYTES, 16);
const ISO_XD: usize = memory.data(FP2_BYTES, 16);
const ISO_YN: usize = memory.data(FP2_BYTES, 16);
const ISO_YD: usize = memory.data(FP2_BYTES, 16);

/**
 * out = a^((p − 3)/4) in both lanes of an interleaved pair of Fp elements (the sliding-window
 * schedule of constants.ts). out may alias a.
 */
export function fpPowSqrtExpPair(out: usize, a: usize): void {
  fpMulPair(POW_SQUARE, a, a);
  memory.copy(POW_TABLE, a, F);
  for (let k = 1; k < SQRT_EXP_TABLE; k++) {
    const entry = POW_TABLE + <usize>k * F;
    fpMulPair(entry, entry - F, POW_SQUARE);
  }
  memory.copy(out, POW_TABLE + <usize>load<u8>(SQRT_EXP_DIGITS) * F, F);
  for (let k = 1; k < SQRT_EXP_STEPS; k++) {
    const squarings = <i32>load<u8>(SQRT_EXP_SQUARINGS + <usize>k);
    for (let j = 0; j < squarings; j++) fpMulPair(out, out, out);
    fpMulPair(out, out, POW_TABLE + <usize>load<u8>(SQRT_EXP_DIGITS + <usize>k) * F);
  }
  for (let j = 0; j < SQRT_EXP_TAIL; j++) fpMulPair(out, out, out);
}

/** out (Fp) = a0^2 + a1^2 for an Fp2 element a. */
function fp2Norm(out: usize, a: usize): void {
  fpMulPair(T1, a, a);
  fp2Split(S2, S3, T1);
  fpAdd(out, S2, S3);
}

/** Parity of the canonical value of a (a not ≡ 0): Montgomery-multiplying by 1 leaves a value in (0, p). */
function fpParity(a: usize): u32 {
  fpMul(S3, a, PLAIN_ONE);
  return load<u32>(S3) & 1;
}

/** sgn0 of an Fp2 element (RFC 9380 §4.1): sgn0(a0), or sgn0(a1) when a0 = 0. */
export function fp2Sgn0(a: usize): u32 {
  fp2Split(S0, S1, a);
  if (!fpIsZero(S0)) return fpParity(S0);
  return fpIsZero(S1) ? 0 : fpParity(S1);
}

/**
 * The 3-isogeny E' → E on an affine point (x, y) of E', written to `out` as a Jacobian point of E
 * (infinity when a denominator vanishes).
 */
export function isoMapToJacobian(out: usize, x: usize, y: usize): void {
  fp2Mul(ISO_XN, ISO_X_NUM + 3 * F, x);
  fp2Add(ISO_XN, ISO_XN, ISO_X_NUM + 2 * F);
  fp2Mul(ISO_XN, ISO_XN, x);
  fp2Add(ISO_XN, ISO_XN, ISO_X_NUM + F);
  fp2Mul(ISO_XN, ISO_XN, x);
  fp2Add(ISO_XN, ISO_XN, ISO_X_NUM);
  fp2Add(ISO_XD, x, ISO_X_DEN + F);
  fp2Mul(ISO_XD, ISO_XD, x);
  fp2Add(ISO_XD, ISO_XD, ISO_X_DEN);
  fp2Mul(ISO_YN, ISO_Y_NUM + 3 * F, x);
  fp2Add(ISO_YN, ISO_YN, ISO_Y_NUM + 2 * F);
  fp2Mul(ISO_YN, ISO_YN, x);
  fp2Add(ISO_YN, ISO_YN, ISO_Y_NUM + F);
  fp2Mul(ISO_YN, ISO_YN, x);
  fp2Add(ISO_YN, ISO_YN, ISO_Y_NUM);
  fp2Add(ISO_YD, x, ISO_Y_DEN + 2 * F);
  fp2Mul(ISO_YD, ISO_YD, x);
  fp2Add(ISO_YD, ISO_YD, ISO_Y_DEN + F);
  fp2Mul(ISO_YD, ISO_YD, x);
  fp2Add(ISO_YD, ISO_YD, ISO_Y_DEN);
  const z = out + 2 * F;
  fp2Mul(z, ISO_XD, ISO_YD); // Z = x_den y_den
  fp2Mul(out, ISO_XN, ISO_YD);
  fp2Mul(out, out, z); // X = x_num y_den Z
  fp2Sqr(T0, z);
  fp2Mul(out + F, y, ISO_YN);
  fp2Mul(out + F, out + F, ISO_XD);
  fp2Mul(out + F, out + F, T0); // Y = y y_num x_den Z^2
}

/**
 * map_to_curve (simplified SWU + isogeny) of the two Fp2 elements u0 and u1: out0 and out1 get
 * Jacobian points of E (G2's curve, before cofactor clearing). u0 and u1 may be the same element;
 * out0 and out1 must be distinct and not alias the inputs.
 */
export function mapToCurvePairUnsafe(out0: usize, out1: usize, u0: usize, u1: usize): void {
  // Denominators Z^2 u^4 + Z u^2 = ξ^2 + ξ with ξ = Z u^2, inverted together.
  for (let i: usize = 0; i < 2; i++) {
    const u = i == 0 ? u0 : u1;
    fp2Sqr(U2 + i * F, u);
    fp2Mul(XI + i * F, U2 + i * F, SSWU_Z);
    fp2Sqr(DEN + i * F, XI + i * F);
    fp2Add(DEN + i * F, DEN + i * F, XI + i * F);
  }
  const zero0 = fp2IsZero(DEN), zero1 = fp2IsZero(DEN + F);
  if (!zero0 && !zero1) {
    fp2Mul(T0, DEN, DEN + F);
    fp2Inv(T0, T0);
    fp2Mul(T1, T0, DEN + F);
    fp2Mul(DEN + F, T0, DEN);
    memory.copy(DEN, T1, F);
  } else {
    fp2Inv(DEN, DEN); // a zero denominator stays 0 and takes the exceptional x1 below
    fp2Inv(DEN + F, DEN + F);
  }
  // x1 and g(x1) = (x1^2 + A') x1 + B', and the norms of g(x1) into the two lanes.
  for (let i: usize = 0; i < 2; i++) {
    const x = X + i * F;
    if (i == 0 ? zero0 : zero1) {
      memory.copy(x, SSWU_B_OVER_ZA, F);
    } else {
      fp2SetOne(T0);
      fp2Add(T0, T0, DEN + i * F);
      fp2Mul(x, T0, SSWU_MINUS_B_OVER_A);
    }
    const gx = GX + i * F;
    fp2Sqr(gx, x);
    fp2Add(gx, gx, SSWU_A);
    fp2Mul(gx, gx, x);
    fp2Add(gx, gx, SSWU_B);
    fp2Norm(NORM + i * E, gx);
  }
  fp2Join(PAIR_IN, NORM, NORM + E);
  fpPowSqrtExpPair(PAIR_OUT, PAIR_IN);
  fp2Split(LANES, LANES + E, PAIR_OUT);
  // Which of g(x1), g(x2) is the square; a root d of its norm; c = (a0 ± d)/2.
  for (let i: usize = 0; i < 2; i++) {
    const u = i == 0 ? u0 : u1;
    const n = NORM + i * E, s = LANES + i * E, a = A + i * F;
    fpMul(s, s, n); // s = n^((p+1)/4)
    fpMul(S0, s, s);
    if (fpEquals(S0, n)) {
      memory.copy(a, GX + i * F, F); // g(x1) is a square (or 0); d = s
    } else {
      fp2Sqr(T0, U2 + i * F);
      fp2Mul(T0, T0, U2 + i * F);
      fp2Mul(T0, T0, SSWU_Z3);
      fp2Mul(a, T0, GX + i * F); // g(x2) = Z^3 u^6 g(x1)
      fp2Mul(X + i * F, X + i * F, XI + i * F); // x2 = Z u^2 x1
      fp2Norm(S1, u);
      fpMul(S0, S1, S1);
      fpMul(S1, S0, S1); // N(u)^3
      fpMul(s, s, S1);
      fpMul(s, s, SQRT_MINUS_NORM_Z3); // d
    }
    fp2Split(S0, S1, a);
    const c = CVAL + i * E;
    fpAdd(c, S0, s);
    fpMul(c, c, FP_HALF);
    if (fpIsZero(c)) {
      fpSub(c, S0, s);
      fpMul(c, c, FP_HALF);
    }
  }
  fp2Join(PAIR_IN, CVAL, CVAL + E);
  fpPowSqrtExpPair(PAIR_OUT, PAIR_IN);
  fp2Split(LANES, LANES + E, PAIR_OUT);
  // y from t = c^((p−3)/4), its sign from u, then the isogeny.
  for (let i: usize = 0; i < 2; i++) {
    const u = i == 0 ? u0 : u1;
    const t = LANES + i * E, c = CVAL + i * E, y = Y + i * F;
    fp2Split(S0, S1, A + i * F);
    fpMul(S2, c, t); // c t
    fpMul(S3, S2, t); // c t^2 = ±1 (0 only when a = 0, then y = 0 either way)
    fpMul(S1, S1, t);
    fpMul(S1, S1, FP_HALF); // a1 t / 2
    if (fpEquals(S3, ONE_MONT)) {
      fp2Join(y, S2, S1);
    } else {
      fpNeg(S1, S1);
      fp2Join(y, S1, S2);
    }
    if (fp2Sgn0(u) != fp2Sgn0(y)) fp2Neg(y, y);
    isoMapToJacobian(i == 0 ? out0 : out1, X + i * F, y);
  }
}
