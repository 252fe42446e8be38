/**
 * Scalars for the MSM: range check, decomposition for the endomorphisms, and width-w NAF recoding.
 *
 * Decomposition (Galbraith–Lin–Scott; the BLS12 case of "GLV/GLS for BLS12", Bos–Costello–Naehrig):
 * r = x^4 − x^2 + 1 < |x|^4, so a scalar k < r has four digits in base |x| = 0xd201000000010000:
 * k = d0 + d1|x| + d2|x|^2 + d3|x|^3 with every d_i < |x| < 2^64.
 * - G2: [|x|] = −ψ on the subgroup, so k·Q = Σ d_i (−ψ)^i(Q): four 64-bit scalars, one set of
 *   doublings.
 * - G1: [x^2] = φ' (g1.ts), so k·P = a·P + b·φ'(P) with a = d0 + d1|x|, b = d2 + d3|x| < 2^128.
 * Division by |x| = 2^16 · 0xd20100000001 is a 16-bit shift and a long division by a 48-bit number in
 * 16-bit steps, which stays within u64.
 *
 * wNAF (Hankerson–Menezes–Vanstone, Guide to ECC, Algorithm 3.35): digits are 0 or odd with
 * |d| < 2^(w−1), and any w consecutive digits hold at most one non-zero. Signed fixed windows for the
 * bucket method: digits in (−2^(c−1), 2^(c−1)], so 2^(c−1) buckets suffice.
 */
import { R_ORDER_WORDS, X_ABS, X_ABS_ODD } from './params';

/** Whether the 32-byte little-endian integer at `scalar` is below the group order r. */
export function scalarIsBelowOrder(scalar: usize): bool {
  for (let i = 7; i >= 0; i--) {
    const k = load<u32>(scalar + (<usize>i << 2));
    const r = load<u32>(R_ORDER_WORDS + (<usize>i << 2));
    if (k != r) return k < r;
  }
  return false;
}

/** Writes the four base-|x| digits of a scalar < r (32 bytes little-endian) as u64 at out. */
export function decomposeBaseX(out: usize, scalar: usize): void {
  let w0 = load<u64>(scalar), w1 = load<u64>(scalar, 8), w2 = load<u64>(scalar, 16), w3 = load<u64>(scalar, 24);
  for (let digit: usize = 0; digit < 4; digit++) {
    const low16 = w0 & 0xffff;
    w0 = (w0 >> 16) | (w1 << 48);
    w1 = (w1 >> 16) | (w2 << 48);
    w2 = (w2 >> 16) | (w3 << 48);
    w3 >>= 16;
    let remainder: u64 = 0;
    let q0: u64 = 0, q1: u64 = 0, q2: u64 = 0, q3: u64 = 0;
    for (let chunk = 15; chunk >= 0; chunk--) {
      const word = chunk >= 12 ? w3 : chunk >= 8 ? w2 : chunk >= 4 ? w1 : w0;
      remainder = (remainder << 16) | ((word >> (<u64>(chunk & 3) << 4)) & 0xffff);
      const q = remainder / X_ABS_ODD;
      remainder -= q * X_ABS_ODD;
      if (chunk >= 12) q3 = (q3 << 16) | q;
      else if (chunk >= 8) q2 = (q2 << 16) | q;
      else if (chunk >= 4) q1 = (q1 << 16) | q;
      else q0 = (q0 << 16) | q;
    }
    store<u64>(out + (digit << 3), (remainder << 16) | low16);
    w0 = q0;
    w1 = q1;
    w2 = q2;
    w3 = q3;
  }
}

/** out (two u64: low, high) = lo + hi·|x|, the G1 half-scalars a and b from base-|x| digits. */
export function combineDigits(out: usize, lo: u64, hi: u64): void {
  const a0 = hi & 0xffffffff, a1 = hi >> 32;
  const b0 = X_ABS & 0xffffffff, b1 = X_ABS >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const middle = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  const low = (p00 & 0xffffffff) | (middle << 32);
  let high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
  const sum = low + lo;
  if (sum < low) high++;
  store<u64>(out, sum);
  store<u64>(out, high, 8);
}

/**
 * Width-w NAF of the 128-bit integer (lo, hi): `length` signed digits (i8), least significant first.
 * Returns the index of the highest non-zero digit plus one (0 for zero).
 */
export function wnaf(out: usize, lo: u64, hi: u64, width: i32, length: i32): i32 {
  const window = <u64>1 << <u64>width;
  const half = <i64>(window >> 1);
  let top = 0;
  for (let i = 0; i < length; i++) {
    let digit: i64 = 0;
    if ((lo & 1) != 0) {
      digit = <i64>(lo & (window - 1));
      if (digit >= half) digit -= <i64>window;
      if (digit > 0) {
        lo -= <u64>digit;
      } else {
        const before = lo;
        lo += <u64>(-digit);
        if (lo < before) hi++;
      }
      top = i + 1;
    }
    store<i8>(out + <usize>i, <i8>digit);
    lo = (lo >> 1) | (hi << 63);
    hi >>= 1;
  }
  return top;
}

/**
 * Signed base-2^c digits of the 128-bit integer (lo, hi) for the bucket method: `windows` digits
 * (i16) in (−2^(c−1), 2^(c−1)], least significant first; c·windows must exceed the bit length.
 */
export function signedWindows(out: usize, lo: u64, hi: u64, c: i32, windows: i32): void {
  const mask = (<u64>1 << <u64>c) - 1;
  const half = 1 << (c - 1);
  let carry = 0;
  for (let w = 0; w < windows; w++) {
    const offset = <u64>(w * c);
    let bits: u64 = 0;
    if (offset == 0) bits = lo;
    else if (offset < 64) bits = (lo >> offset) | (hi << (64 - offset));
    else if (offset < 128) bits = hi >> (offset - 64);
    let digit = <i32>(bits & mask) + carry;
    carry = 0;
    if (digit > half) {
      digit -= 1 << c;
      carry = 1;
    }
    store<i16>(out + (<usize>w << 1), <i16>digit);
  }
}
