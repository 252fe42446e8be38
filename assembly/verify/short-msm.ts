/**
 * Σ kᵢ·Qᵢ over G2 for short scalars (64 bits) and affine points already in the core's internal form:
 * the scalars of a randomised batch check (verify.ts), where a full-width MSM (../bls/msm.ts, which
 * decodes bytes and splits 255-bit scalars with ψ) would spend most of its work on zero pieces.
 *
 * The bucket method (Pippenger; Bernstein, Doumen, Lange, Oosterwijk, "Faster batch forgery
 * identification", INDOCRYPT 2012, §4) with unsigned c-bit windows, most significant window first:
 * per window every point is added (mixed addition) into the bucket of its digit, the buckets are
 * summed by a running sum (Σ b·B_b with 2·2^c additions), and windows are joined by c doublings.
 * c is chosen per call to minimise ⌈64/c⌉·(n + 2^(c+1)), so the one- and two-point ranges of a
 * bisection cost a plain double-and-add and a thousand points use 8-bit windows.
 * A zero scalar contributes nothing: verify.ts gives signatures that failed to decode scalar 0.
 * Variable-time (inputs are public).
 */
import { G2_AFFINE_BYTES, G2_JACOBIAN_BYTES, g2Add, g2AddAffine, g2Double, g2SetInfinity } from '../bls/g2';
import { FP2_BYTES } from '../bls/fp2';

const MAX_WINDOW_BITS: i32 = 10;
const SCALAR_BITS: i32 = 64;
const BUCKETS: usize = memory.data(((1 << MAX_WINDOW_BITS) - 1) * G2_JACOBIAN_BYTES, 16);
const RUNNING: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const WINDOW_SUM: usize = memory.data(G2_JACOBIAN_BYTES, 16);

/** The window width minimising additions for n points: ⌈64/c⌉ windows of n bucket additions plus 2·2^c for the running sum. */
function windowBits(n: i32): i32 {
  let best = 1;
  let bestCost: i64 = i64.MAX_VALUE;
  for (let c = 1; c <= MAX_WINDOW_BITS; c++) {
    const windows = (SCALAR_BITS + c - 1) / c;
    const cost = <i64>windows * (<i64>n + (<i64>1 << (c + 1)));
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

/**
 * result (Jacobian) = Σ scalars[i]·points[i]: points are `count` affine G2 points (208 bytes each,
 * none at infinity), scalars `count` u64 little-endian.
 */
export function g2MsmShortUnsafe(result: usize, points: usize, scalars: usize, count: i32): void {
  g2SetInfinity(result);
  if (count <= 0) return;
  const c = windowBits(count);
  const buckets = (1 << c) - 1;
  const mask: u64 = (<u64>1 << c) - 1;
  const windows = (SCALAR_BITS + c - 1) / c;
  const stride = <usize>G2_JACOBIAN_BYTES;
  for (let w = windows - 1; w >= 0; w--) {
    if (w != windows - 1) for (let d = 0; d < c; d++) g2Double(result, result);
    // Z = 0 marks a bucket empty (g2IsInfinity); X and Y are overwritten by its first addition.
    for (let b = 0; b < buckets; b++) memory.fill(BUCKETS + <usize>b * stride + 2 * <usize>FP2_BYTES, 0, FP2_BYTES);
    const shift = <u64>(w * c);
    let used = false;
    for (let i = 0; i < count; i++) {
      const digit = <i32>((load<u64>(scalars + (<usize>i << 3)) >> shift) & mask);
      if (digit == 0) continue;
      const bucket = BUCKETS + <usize>(digit - 1) * stride;
      g2AddAffine(bucket, bucket, points + <usize>i * <usize>G2_AFFINE_BYTES);
      used = true;
    }
    if (!used) continue;
    // Σ_b b·B_b = Σ_b (B_top + … + B_b), the running sum from the top bucket down
    g2SetInfinity(RUNNING);
    g2SetInfinity(WINDOW_SUM);
    for (let b = buckets - 1; b >= 0; b--) {
      g2Add(RUNNING, RUNNING, BUCKETS + <usize>b * stride);
      g2Add(WINDOW_SUM, WINDOW_SUM, RUNNING);
    }
    g2Add(result, result, WINDOW_SUM);
  }
}
