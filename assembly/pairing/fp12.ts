/**
 * Fp12 = Fp6[w] / (w^2 − v), the pairing's target field (IETF draft-irtf-cfrg-pairing-friendly-
 * curves-11 §4.2.1). An element c0 + c1·w (c0, c1 in Fp6, fp6.ts) is six interleaved Fp2 elements in
 * the order c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2 (624 bytes) — the order of @noble/curves'
 * Fp12.toBytes, so fp12ToBytes writes noble's 576-byte form. Memory slot s holds the coefficient of
 * w^i for i = 0, 2, 4, 1, 3, 5 (w^2 = v, w^6 = ξ).
 *
 * What a pairing needs:
 * - fp12Mul (Karatsuba over Fp6, 18 Fp2 products), fp12Sqr (complex squaring, 12), fp12MulByLine (a
 *   line value with three non-zero Fp2 slots, 13) and fp12CyclotomicSqr (Granger–Scott, 9 Fp2
 *   squarings): generated into kernels.ts (see generate.mjs), each Fp2 product Karatsuba over Fp on
 *   fpMulPair lanes and the additions fused into SIMD linear kernels, one pass per value (and a
 *   second for a reduced one; generate.mjs says how the text is shaped for V8) — lazy reduction: sums
 *   feeding a multiplication stay unreduced, below 16p or 32p;
 * - conjugation (= inversion in the cyclotomic subgroup), Frobenius maps p, p^2, p^3 with the
 *   precomputed γ_{k,i} = ξ^(i(p^k−1)/6) of constants.ts, inversion (via Fp6, one Fp inversion).
 * Nothing is constant-time: every input of the pairing is public.
 */
import {
  FP2_BYTES, fp2Conj, fp2Copy, fp2Equals, fp2IsZero, fp2Join, fp2Mul, fp2SetOne, fp2Split,
} from '../bls/fp2';
import { FP_BYTES, FP_ENCODED_BYTES, fpFromBytes, fpToBytes } from '../bls/fp';
import { fpMulPair } from '../bls/montgomery';
import { FROBENIUS_1, FROBENIUS_2, FROBENIUS_3 } from './constants';
import { FP6_BYTES, fp6Inv, fp6MulByV, fp6Mul, fp6Neg, fp6Sqr, fp6Sub } from './fp6';
import { fp12CyclotomicSqrUnsafe, fp12MulByLineUnsafe, fp12MulUnsafe, fp12SqrUnsafe } from './kernels';

export const FP12_BYTES: i32 = 2 * FP6_BYTES;
/** Bytes of noble's Fp12.toBytes: twelve 48-byte big-endian Fp values, c0.c0.c0 first. */
export const FP12_ENCODED_BYTES: i32 = 12 * FP_ENCODED_BYTES;

const F: usize = <usize>FP2_BYTES;
const H: usize = <usize>FP6_BYTES;
const T6A: usize = memory.data(FP6_BYTES, 16);
const T6B: usize = memory.data(FP6_BYTES, 16);
const T2: usize = memory.data(FP2_BYTES, 16);
const C0: usize = memory.data(FP_BYTES, 16);
const C1: usize = memory.data(FP_BYTES, 16);
/** w-exponent minus one of memory slots 1..5 (slot 0 is w^0): the index into the γ tables. */
const GAMMA_INDEX: usize = memory.data<u8>([0, 1, 3, 0, 2, 4]);

/** out = a·b. out may alias a or b. */
export function fp12Mul(out: usize, a: usize, b: usize): void {
  fp12MulUnsafe(out, a, b);
}

/** out = a^2. out may alias a. */
export function fp12Sqr(out: usize, a: usize): void {
  fp12SqrUnsafe(out, a);
}

/** out = a^2 for a in the cyclotomic subgroup (a^(p^4 − p^2 + 1) = 1: any value after the easy part). out may alias a. */
export function fp12CyclotomicSqr(out: usize, a: usize): void {
  fp12CyclotomicSqrUnsafe(out, a);
}

/** f = f·ℓ, ℓ = l0 + l1·v + l2·vw (three Fp2 at l: the line values of miller.ts). */
export function fp12MulByLine(f: usize, l: usize): void {
  fp12MulByLineUnsafe(f, l);
}

export function fp12Copy(out: usize, a: usize): void {
  memory.copy(out, a, FP12_BYTES);
}

export function fp12SetOne(out: usize): void {
  fp2SetOne(out);
  memory.fill(out + F, 0, FP12_BYTES - FP2_BYTES);
}

/** f = ℓ (the sparse line value as a full element). */
export function fp12SetLine(out: usize, l: usize): void {
  memory.fill(out, 0, FP12_BYTES);
  fp2Copy(out, l);
  fp2Copy(out + F, l + F);
  fp2Copy(out + 4 * F, l + 2 * F);
}

export function fp12IsOne(f: usize): bool {
  fp2SetOne(T2);
  if (!fp2Equals(f, T2)) return false;
  for (let s: usize = 1; s < 6; s++) if (!fp2IsZero(f + s * F)) return false;
  return true;
}

export function fp12Equals(a: usize, b: usize): bool {
  for (let s: usize = 0; s < 6; s++) if (!fp2Equals(a + s * F, b + s * F)) return false;
  return true;
}

/** out = conj(a) = c0 − c1·w = a^(p^6); the inverse of an element of the cyclotomic subgroup. out may alias a. */
export function fp12Conj(out: usize, a: usize): void {
  if (out != a) memory.copy(out, a, FP6_BYTES);
  fp6Neg(out + H, a + H);
}

/**
 * out = a^(p^k), k = 1, 2 or 3: slot by slot g ↦ conj^k(g)·γ_{k,i} (g the coefficient of w^i).
 * k = 2 needs no conjugation and its γ lie in Fp (one fpMulPair per slot). out may alias a.
 */
export function fp12Frobenius(out: usize, a: usize, k: i32): void {
  const table = k == 1 ? FROBENIUS_1 : k == 2 ? FROBENIUS_2 : FROBENIUS_3;
  if (k == 2) {
    if (out != a) fp2Copy(out, a);
  } else {
    fp2Conj(out, a);
  }
  for (let s: usize = 1; s < 6; s++) {
    const gamma = table + <usize>load<u8>(GAMMA_INDEX + s) * F;
    if (k == 2) {
      fpMulPair(out + s * F, a + s * F, gamma);
    } else {
      fp2Conj(T2, a + s * F);
      fp2Mul(out + s * F, T2, gamma);
    }
  }
}

/** out = a^-1 = conj(a) / (c0^2 − v·c1^2) (Guide to Pairing-Based Cryptography, Algorithm 5.16). out may alias a. */
export function fp12Inv(out: usize, a: usize): void {
  fp6Sqr(T6A, a);
  fp6Sqr(T6B, a + H);
  fp6MulByV(T6B, T6B);
  fp6Sub(T6A, T6A, T6B);
  fp6Inv(T6A, T6A);
  fp6Mul(out, a, T6A);
  fp6Mul(out + H, a + H, T6A);
  fp6Neg(out + H, out + H);
}

/** Writes noble's Fp12.toBytes form: for each slot in memory order, c0 then c1, 48 bytes big-endian each. */
export function fp12ToBytes(bytes: usize, a: usize): void {
  for (let s: usize = 0; s < 6; s++) {
    fp2Split(C0, C1, a + s * F);
    fpToBytes(bytes + s * 2 * <usize>FP_ENCODED_BYTES, C0);
    fpToBytes(bytes + s * 2 * <usize>FP_ENCODED_BYTES + <usize>FP_ENCODED_BYTES, C1);
  }
}

/** Reads noble's Fp12.toBytes form; false when a component is not below p. */
export function fp12FromBytes(out: usize, bytes: usize): bool {
  for (let s: usize = 0; s < 6; s++) {
    if (!fpFromBytes(C0, bytes + s * 2 * <usize>FP_ENCODED_BYTES)) return false;
    if (!fpFromBytes(C1, bytes + s * 2 * <usize>FP_ENCODED_BYTES + <usize>FP_ENCODED_BYTES)) return false;
    fp2Join(out + s * F, C0, C1);
  }
  return true;
}
