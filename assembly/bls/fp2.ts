/**
 * Fp2 = Fp[u] / (u^2 + 1), the field of G2's coordinates. An element c0 + c1·u is stored with its two
 * components interleaved limb by limb (limb j of c0, then limb j of c1, u32 each; 104 bytes), so that
 * one WASM SIMD kernel works on both components at once: fpMulPair forms two Montgomery products in
 * i64x2 lanes, fp2Add/fp2Sub/fp2Double (montgomery.ts) add both components in one pass.
 *
 * Multiplication (fp2Mul, montgomery.ts) is schoolbook with lazy reduction (Guide to Pairing-Based
 * Cryptography, §5.2.1): c0 = a0·b0 − a1·b1 and c1 = a0·b1 + a1·b0 accumulate unreduced in the two
 * SIMD lanes and share one Montgomery reduction; on this representation it measured faster than
 * Karatsuba (see the note in fp.ts). Squaring is complex squaring, (a0 + a1)(a0 − a1) and 2·a0·a1,
 * one fpMulPair. Value bounds are those of fp.ts: every component is kept in [0, 4p).
 */
import { fpMul, fpMulPair, fp2SquareOperands, fp2Sub } from './montgomery';
import { FP_BYTES, FP_ENCODED_BYTES, fpFromBytes, fpInv, fpIsZeroStrided, fpNeg, fpToBytes } from './fp';
import { FP_LIMBS, ONE_MONT } from './params';

export { fp2Add, fp2Conj, fp2Double, fp2Mul, fp2Sub } from './montgomery';

export const FP2_BYTES: i32 = 104;
export const FP2_ENCODED_BYTES: i32 = 96;

const ZERO2: usize = memory.data(FP2_BYTES, 16);
const PAIR: usize = memory.data(FP2_BYTES, 16);
const SQUARE_Y: usize = memory.data(FP2_BYTES, 16);
const A1_SQUARED: usize = memory.data(FP_BYTES, 16);
const C0: usize = memory.data(FP_BYTES, 16);
const C1: usize = memory.data(FP_BYTES, 16);
const T: usize = memory.data(FP_BYTES, 16);

/** Splits an interleaved element into plain components. */
export function fp2Split(c0: usize, c1: usize, a: usize): void {
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    store<u32>(c0 + (j << 2), load<u32>(a + (j << 3)));
    store<u32>(c1 + (j << 2), load<u32>(a + (j << 3) + 4));
  }
}

/** Interleaves two plain components into one element. */
export function fp2Join(out: usize, c0: usize, c1: usize): void {
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    store<u32>(out + (j << 3), load<u32>(c0 + (j << 2)));
    store<u32>(out + (j << 3) + 4, load<u32>(c1 + (j << 2)));
  }
}

export function fp2Copy(out: usize, a: usize): void {
  memory.copy(out, a, FP2_BYTES);
}

export function fp2SetOne(out: usize): void {
  fp2Join(out, ONE_MONT, ZERO2);
}

export function fp2IsZero(a: usize): bool {
  return fpIsZeroStrided(a, 8) && fpIsZeroStrided(a + 4, 8);
}

export function fp2Equals(a: usize, b: usize): bool {
  fp2Sub(PAIR, a, b);
  return fp2IsZero(PAIR);
}

export function fp2Sqr(out: usize, a: usize): void {
  fp2SquareOperands(PAIR, SQUARE_Y, a);
  fpMulPair(out, PAIR, SQUARE_Y);
}

export function fp2Neg(out: usize, a: usize): void {
  fp2Sub(out, ZERO2, a);
}

/** out = a^-1 = conj(a) / (a0^2 + a1^2); 0 maps to 0. */
export function fp2Inv(out: usize, a: usize): void {
  fp2Split(C0, C1, a);
  fpMul(T, C0, C0);
  fpMul(A1_SQUARED, C1, C1);
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    store<u32>(T + (j << 2), load<u32>(T + (j << 2)) + load<u32>(A1_SQUARED + (j << 2)));
  }
  normalise(T);
  fpInv(T, T);
  fpMul(C0, C0, T);
  fpMul(C1, C1, T);
  fpNeg(C1, C1);
  fp2Join(out, C0, C1);
}

/** Propagates carries of a plain element whose limbs may exceed 30 bits (sums of two limbs). */
function normalise(a: usize): void {
  let carry: u32 = 0;
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    const v = load<u32>(a + (j << 2)) + carry;
    carry = v >>> 30;
    store<u32>(a + (j << 2), j + 1 < <usize>FP_LIMBS ? v & 0x3fffffff : v);
  }
}

/** Reads c1 ‖ c0 (48 bytes big-endian each, the ZCash order). False if a component is not below p. */
export function fp2FromBytes(out: usize, bytes: usize): bool {
  if (!fpFromBytes(C1, bytes)) return false;
  if (!fpFromBytes(C0, bytes + FP_ENCODED_BYTES)) return false;
  fp2Join(out, C0, C1);
  return true;
}

/** Writes c1 ‖ c0 canonical, 96 bytes. */
export function fp2ToBytes(bytes: usize, a: usize): void {
  fp2Split(C0, C1, a);
  fpToBytes(bytes, C1);
  fpToBytes(bytes + FP_ENCODED_BYTES, C0);
}
