/**
 * Fp6 = Fp2[v] / (v^3 − ξ), ξ = 1 + u: the middle of the BLS12-381 tower (IETF
 * draft-irtf-cfrg-pairing-friendly-curves-11 §4.2.1; the tower of @noble/curves and blst). An element
 * c0 + c1·v + c2·v^2 is three interleaved Fp2 elements (fp2.ts) one after the other, 312 bytes; values
 * lazily in [0, 4p) per component like everything on fp.ts. Out-pointer style, out may alias inputs.
 *
 * The hot products live in kernels.ts (generated): Karatsuba over Fp2 (6 fp2Mul, Guide to
 * Pairing-Based Cryptography §5.2.2) with the additions fused into SIMD linear kernels. This file
 * holds what the pairing needs rarely: inversion (once per final exponentiation), multiplication by v
 * and the element-wise helpers.
 */
import {
  FP2_BYTES, fp2Add, fp2Copy, fp2Inv, fp2IsZero, fp2Mul, fp2Neg, fp2SetOne, fp2Sqr, fp2Sub,
} from '../bls/fp2';
import { fp2MulByXi, fp6MulUnsafe } from './kernels';

export const FP6_BYTES: i32 = 3 * FP2_BYTES;

const F: usize = <usize>FP2_BYTES;
const T0: usize = memory.data(FP2_BYTES, 16);
const T1: usize = memory.data(FP2_BYTES, 16);
const T2: usize = memory.data(FP2_BYTES, 16);
const T3: usize = memory.data(FP2_BYTES, 16);
const INV_A: usize = memory.data(FP2_BYTES, 16);
const INV_B: usize = memory.data(FP2_BYTES, 16);
const INV_C: usize = memory.data(FP2_BYTES, 16);

/** out = a·b (Karatsuba, 6 fp2Mul, kernels.ts). out may alias a or b. */
export function fp6Mul(out: usize, a: usize, b: usize): void {
  fp6MulUnsafe(out, a, b);
}

export function fp6Sqr(out: usize, a: usize): void {
  fp6MulUnsafe(out, a, a);
}

export function fp2SetZero(out: usize): void {
  memory.fill(out, 0, FP2_BYTES);
}

export function fp6Copy(out: usize, a: usize): void {
  memory.copy(out, a, FP6_BYTES);
}

export function fp6SetZero(out: usize): void {
  memory.fill(out, 0, FP6_BYTES);
}

export function fp6SetOne(out: usize): void {
  fp2SetOne(out);
  memory.fill(out + F, 0, 2 * F);
}

export function fp6IsZero(a: usize): bool {
  return fp2IsZero(a) && fp2IsZero(a + F) && fp2IsZero(a + 2 * F);
}

export function fp6Add(out: usize, a: usize, b: usize): void {
  fp2Add(out, a, b);
  fp2Add(out + F, a + F, b + F);
  fp2Add(out + 2 * F, a + 2 * F, b + 2 * F);
}

export function fp6Sub(out: usize, a: usize, b: usize): void {
  fp2Sub(out, a, b);
  fp2Sub(out + F, a + F, b + F);
  fp2Sub(out + 2 * F, a + 2 * F, b + 2 * F);
}

export function fp6Neg(out: usize, a: usize): void {
  fp2Neg(out, a);
  fp2Neg(out + F, a + F);
  fp2Neg(out + 2 * F, a + 2 * F);
}

/** out = v·a = ξ a2 + a0 v + a1 v^2. out may alias a. */
export function fp6MulByV(out: usize, a: usize): void {
  fp2MulByXi(T0, a + 2 * F);
  fp2Copy(out + 2 * F, a + F);
  fp2Copy(out + F, a);
  fp2Copy(out, T0);
}

/**
 * out = a^-1 by the adjugate (Guide to Pairing-Based Cryptography, Algorithm 5.23; Scott, "Implementing
 * cryptographic pairings", §3): A = a0^2 − ξ a1 a2, B = ξ a2^2 − a0 a1, C = a1^2 − a0 a2,
 * F = a0 A + ξ (a2 B + a1 C), a^-1 = (A, B, C) / F — one Fp2 (hence one Fp) inversion. 0 maps to 0.
 * out may alias a.
 */
export function fp6Inv(out: usize, a: usize): void {
  const a0 = a, a1 = a + F, a2 = a + 2 * F;
  fp2Sqr(INV_A, a0);
  fp2Mul(T0, a1, a2);
  fp2MulByXi(T0, T0);
  fp2Sub(INV_A, INV_A, T0); // A
  fp2Sqr(INV_B, a2);
  fp2MulByXi(INV_B, INV_B);
  fp2Mul(T0, a0, a1);
  fp2Sub(INV_B, INV_B, T0); // B
  fp2Sqr(INV_C, a1);
  fp2Mul(T0, a0, a2);
  fp2Sub(INV_C, INV_C, T0); // C
  fp2Mul(T1, a2, INV_B);
  fp2Mul(T2, a1, INV_C);
  fp2Add(T1, T1, T2);
  fp2MulByXi(T1, T1);
  fp2Mul(T3, a0, INV_A);
  fp2Add(T1, T1, T3); // F
  fp2Inv(T1, T1);
  fp2Mul(out, INV_A, T1);
  fp2Mul(out + F, INV_B, T1);
  fp2Mul(out + 2 * F, INV_C, T1);
}
