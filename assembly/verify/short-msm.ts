/**
 * Σ kᵢ·Qᵢ over G2 for short scalars (64 bits) and affine points already in the core's internal form:
 * the scalars of a randomised batch check (verify.ts), where a full-width MSM (../bls/msm.ts, which
 * decodes bytes and splits 255-bit scalars with ψ) would spend most of its work on zero pieces.
 *
 * The bucket method (Pippenger; Bernstein, Doumen, Lange, Oosterwijk, "Faster batch forgery
 * identification", INDOCRYPT 2012, §4), most significant window first, windows joined by c
 * doublings, and per window Σ_b b·B_b by a running sum from
 * the top bucket down (a mixed and a full addition per bucket). Two ways to fill the buckets:
 *
 * - From BATCH_MIN_POINTS points on: signed c-bit digits (dᵢ in [−2^(c−1), 2^(c−1)], a borrow carried
 *   into the next window; ⌈65/c⌉ windows), so 2^(c−1) buckets and −Qᵢ for a negative digit, and
 *   batch-affine accumulation: the window's points are sorted into their buckets (counting sort, the
 *   negated ones with y ↦ −y), then every bucket's list is summed as a binary tree, one level for all
 *   buckets at a time, each level's affine additions λ = (y₂ − y₁)/(x₂ − x₁), x₃ = λ² − x₁ − x₂,
 *   y₃ = λ(x₁ − x₃) − y₁ sharing ONE Fp2 inversion (Montgomery's simultaneous inversion: prefix
 *   products, one inverse, walk back; 3M per element) — 5M + 1S an addition against 7M + 4S for a
 *   mixed Jacobian one (the approach of the ZPrize 2022 MSM entries and of gnark's batch-affine MSM).
 *   Equal x: the same point is doubled (λ = 3x²/2y; E'(Fp2) has no point of order 2, h₂ being odd),
 *   a point and its negation cancel. The summed buckets are affine, so the running sum adds them by
 *   mixed additions. c minimises ⌈65/c⌉·(n·A + 2^(c−1)·S) with A ≈ 1/2 and S ≈ 7/4 the relative
 *   costs of an affine addition and of a bucket's two running-sum additions (a full addition = 1);
 *   for 1,000 points that is c = 6 (c = 5 … 8 measured within the noise of each other, ≈ 28 µs a
 *   point on the shared 2-core VM, against ≈ 60 for the Jacobian buckets; 250 points ≈ 41 against
 *   ≈ 108; 48 points ≈ 73 against ≈ 114).
 * - Below it (the small ranges of a bisection), unsigned c-bit windows with mixed additions into
 *   Jacobian buckets, c minimising ⌈64/c⌉·(n + 2^(c+1)), so one or two points cost a plain
 *   double-and-add.
 * A zero scalar contributes nothing: verify.ts gives signatures that failed to decode scalar 0.
 * Fixed buffers (sized for BATCH_MAX_POINTS points a pass; more points are summed in passes).
 * Variable-time (inputs are public).
 */
import { G2_AFFINE_BYTES, G2_JACOBIAN_BYTES, g2Add, g2AddAffine, g2Double, g2SetInfinity } from '../bls/g2';
import {
  FP2_BYTES, fp2Add, fp2Copy, fp2Double, fp2Inv, fp2IsZero, fp2Mul, fp2Neg, fp2SetOne, fp2Sqr, fp2Sub,
} from '../bls/fp2';

const SCALAR_BITS: i32 = 64;
const F: usize = <usize>FP2_BYTES;
const A: usize = <usize>G2_AFFINE_BYTES;
const J: usize = <usize>G2_JACOBIAN_BYTES;
const RUNNING: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const WINDOW_SUM: usize = memory.data(G2_JACOBIAN_BYTES, 16);
/** One pass's sum before it joins the result. */
const RESULT_PASS: usize = memory.data(G2_JACOBIAN_BYTES, 16);

// ---- unsigned windows, Jacobian buckets (few points) ----

const MAX_WINDOW_BITS: i32 = 10;
const BUCKETS: usize = memory.data(((1 << MAX_WINDOW_BITS) - 1) * G2_JACOBIAN_BYTES, 16);

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

function msmJacobianBuckets(result: usize, points: usize, scalars: usize, count: i32): void {
  const c = windowBits(count);
  const buckets = (1 << c) - 1;
  const mask: u64 = (<u64>1 << c) - 1;
  const windows = (SCALAR_BITS + c - 1) / c;
  for (let w = windows - 1; w >= 0; w--) {
    if (w != windows - 1) for (let d = 0; d < c; d++) g2Double(result, result);
    // Z = 0 marks a bucket empty (g2IsInfinity); X and Y are overwritten by its first addition.
    for (let b = 0; b < buckets; b++) memory.fill(BUCKETS + <usize>b * J + 2 * F, 0, F);
    const shift = <u64>(w * c);
    let used = false;
    for (let i = 0; i < count; i++) {
      const digit = <i32>((load<u64>(scalars + (<usize>i << 3)) >> shift) & mask);
      if (digit == 0) continue;
      const bucket = BUCKETS + <usize>(digit - 1) * J;
      g2AddAffine(bucket, bucket, points + <usize>i * A);
      used = true;
    }
    if (!used) continue;
    // Σ_b b·B_b = Σ_b (B_top + … + B_b), the running sum from the top bucket down
    g2SetInfinity(RUNNING);
    g2SetInfinity(WINDOW_SUM);
    for (let b = buckets - 1; b >= 0; b--) {
      g2Add(RUNNING, RUNNING, BUCKETS + <usize>b * J);
      g2Add(WINDOW_SUM, WINDOW_SUM, RUNNING);
    }
    g2Add(result, result, WINDOW_SUM);
  }
}

// ---- signed windows, batch-affine buckets ----

/** Fewest points for the batch-affine path (below it the tree levels' inversions do not pay). */
export const BATCH_MIN_POINTS: i32 = 48;
/** Most points one batch-affine pass takes (its scratch); larger inputs are summed in passes. */
export const BATCH_MAX_POINTS: i32 = 1024;
const BATCH_MIN_BITS: i32 = 4;
const BATCH_MAX_BITS: i32 = 12;
const BATCH_MAX_WINDOWS: i32 = (SCALAR_BITS + BATCH_MIN_BITS) / BATCH_MIN_BITS; // ⌈65/c⌉ for c = 4
const BATCH_MAX_BUCKETS: i32 = 1 << (BATCH_MAX_BITS - 1);
/** Relative costs in the width's cost model (a full Jacobian addition = 4 units). */
const COST_AFFINE_ADD: i64 = 2;
const COST_BUCKET_SUM: i64 = 7;

/** Signed digits, i16, window-major: DIGITS[w·n + i]. */
const DIGITS: usize = memory.data(BATCH_MAX_WINDOWS * BATCH_MAX_POINTS * 2, 16);
/** Per bucket (u32): where its list starts in WORK, and its length (a cursor while sorting). */
const STARTS: usize = memory.data(BATCH_MAX_BUCKETS * 4, 16);
const LENGTHS: usize = memory.data(BATCH_MAX_BUCKETS * 4, 16);
/** The window's points sorted by bucket, affine; each bucket's list is summed in place. */
const WORK: usize = memory.data(BATCH_MAX_POINTS * G2_AFFINE_BYTES, 16);
/** Per addition of a tree level: its denominator (then its inverse), the prefix products, its kind. */
const DEN: usize = memory.data((BATCH_MAX_POINTS / 2) * FP2_BYTES, 16);
const PREFIX: usize = memory.data((BATCH_MAX_POINTS / 2) * FP2_BYTES, 16);
const KIND: usize = memory.data(BATCH_MAX_POINTS / 2, 16);
const KIND_ADD: u8 = 0;
const KIND_DOUBLE: u8 = 1;
const KIND_CANCEL: u8 = 2;
const INVERSE: usize = memory.data(FP2_BYTES, 16);
const LAMBDA: usize = memory.data(FP2_BYTES, 16);
const T0: usize = memory.data(FP2_BYTES, 16);
const T1: usize = memory.data(FP2_BYTES, 16);

/** The signed window width for n points: the c minimising ⌈65/c⌉·(n·A + 2^(c−1)·S) (see the docblock). */
export function signedWindowBits(n: i32): i32 {
  let best = BATCH_MIN_BITS;
  let bestCost: i64 = i64.MAX_VALUE;
  for (let c = BATCH_MIN_BITS; c <= BATCH_MAX_BITS; c++) {
    const windows = (SCALAR_BITS + c) / c;
    const cost = <i64>windows * (<i64>n * COST_AFFINE_ADD + (<i64>1 << (c - 1)) * COST_BUCKET_SUM);
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

/** DIGITS for `count` scalars: k = Σ_w d_w·2^(wc) with d_w in [−2^(c−1), 2^(c−1)]. */
function signedDigits(scalars: usize, count: i32, c: i32, windows: i32): void {
  const mask: u64 = (<u64>1 << c) - 1;
  const half: i32 = 1 << (c - 1);
  for (let i = 0; i < count; i++) {
    const k = load<u64>(scalars + (<usize>i << 3));
    let carry: i32 = 0;
    for (let w = 0; w < windows; w++) {
      const shift = w * c;
      let d = (shift < SCALAR_BITS ? <i32>((k >> <u64>shift) & mask) : 0) + carry;
      carry = 0;
      if (d > half) {
        d -= 1 << c;
        carry = 1;
      }
      store<i16>(DIGITS + ((<usize>w * <usize>count + <usize>i) << 1), <i16>d);
    }
  }
}

/** Sorts window w's points into WORK by bucket (negated for a negative digit); LENGTHS, STARTS set. */
function sortWindow(points: usize, count: i32, w: i32, buckets: i32): void {
  memory.fill(LENGTHS, 0, <usize>buckets << 2);
  const digits = DIGITS + ((<usize>w * <usize>count) << 1);
  for (let i = 0; i < count; i++) {
    const d = <i32>load<i16>(digits + (<usize>i << 1));
    if (d == 0) continue;
    const b = <usize>((d < 0 ? -d : d) - 1);
    store<u32>(LENGTHS + (b << 2), load<u32>(LENGTHS + (b << 2)) + 1);
  }
  let start: u32 = 0;
  for (let b: usize = 0; b < <usize>buckets; b++) {
    store<u32>(STARTS + (b << 2), start);
    start += load<u32>(LENGTHS + (b << 2));
    store<u32>(LENGTHS + (b << 2), 0);
  }
  for (let i = 0; i < count; i++) {
    const d = <i32>load<i16>(digits + (<usize>i << 1));
    if (d == 0) continue;
    const b = <usize>((d < 0 ? -d : d) - 1);
    const at = load<u32>(LENGTHS + (b << 2));
    store<u32>(LENGTHS + (b << 2), at + 1);
    const dst = WORK + <usize>(load<u32>(STARTS + (b << 2)) + at) * A;
    const src = points + <usize>i * A;
    fp2Copy(dst, src);
    if (d < 0) fp2Neg(dst + F, src + F);
    else fp2Copy(dst + F, src + F);
  }
}

/**
 * One tree level over every bucket: its lists' entries (0, 1), (2, 3), … are added, the sums (and
 * an odd last entry) packed at the front of the list. Returns false when no list had two entries.
 */
function treeLevel(buckets: i32): bool {
  // denominators and prefix products
  let pairs: usize = 0;
  for (let b: usize = 0; b < <usize>buckets; b++) {
    const length = load<u32>(LENGTHS + (b << 2));
    if (length < 2) continue;
    const list = WORK + <usize>load<u32>(STARTS + (b << 2)) * A;
    for (let j: usize = 0; j + 1 < <usize>length; j += 2) {
      const p = list + j * A, q = p + A;
      const den = DEN + pairs * F;
      fp2Sub(den, q, p);
      let kind = KIND_ADD;
      if (fp2IsZero(den)) {
        fp2Sub(T0, q + F, p + F);
        if (fp2IsZero(T0)) {
          kind = KIND_DOUBLE;
          fp2Double(den, p + F); // 2y, non-zero: no point of order 2
        } else {
          kind = KIND_CANCEL;
          fp2SetOne(den);
        }
      }
      store<u8>(KIND + pairs, kind);
      if (pairs == 0) fp2Copy(PREFIX, den);
      else fp2Mul(PREFIX + pairs * F, PREFIX + (pairs - 1) * F, den);
      pairs++;
    }
  }
  if (pairs == 0) return false;
  // one inversion, then each denominator replaced by its inverse, walking back
  fp2Inv(INVERSE, PREFIX + (pairs - 1) * F);
  for (let k = pairs - 1; k > 0; k--) {
    const den = DEN + k * F;
    fp2Mul(T0, INVERSE, PREFIX + (k - 1) * F);
    fp2Mul(INVERSE, INVERSE, den);
    fp2Copy(den, T0);
  }
  fp2Copy(DEN, INVERSE);
  // the sums, packed in place (entry `out` ≤ j/2 is written after entries j, j + 1 are read)
  let k: usize = 0;
  for (let b: usize = 0; b < <usize>buckets; b++) {
    const length = <usize>load<u32>(LENGTHS + (b << 2));
    if (length < 2) continue;
    const list = WORK + <usize>load<u32>(STARTS + (b << 2)) * A;
    let out: usize = 0;
    for (let j: usize = 0; j + 1 < length; j += 2, k++) {
      const kind = load<u8>(KIND + k);
      if (kind == KIND_CANCEL) continue;
      const p = list + j * A, q = p + A;
      if (kind == KIND_ADD) {
        fp2Sub(T0, q + F, p + F);
      } else {
        fp2Sqr(T0, p);
        fp2Double(T1, T0);
        fp2Add(T0, T0, T1); // 3x^2
      }
      fp2Mul(LAMBDA, T0, DEN + k * F);
      fp2Sqr(T0, LAMBDA);
      fp2Sub(T0, T0, p);
      fp2Sub(T0, T0, q); // x3 = λ^2 − x1 − x2
      fp2Sub(T1, p, T0);
      fp2Mul(T1, LAMBDA, T1);
      const r = list + out * A;
      fp2Sub(r + F, T1, p + F); // y3 = λ(x1 − x3) − y1
      fp2Copy(r, T0);
      out++;
    }
    if ((length & 1) != 0) {
      memory.copy(list + out * A, list + (length - 1) * A, A);
      out++;
    }
    store<u32>(LENGTHS + (b << 2), <u32>out);
  }
  return true;
}

/** result += Σ scalars[i]·points[i] for count ≤ BATCH_MAX_POINTS (signed digits, batch-affine buckets). */
function msmBatchAffineInto(result: usize, points: usize, scalars: usize, count: i32): void {
  const c = signedWindowBits(count);
  const windows = (SCALAR_BITS + c) / c;
  const buckets = 1 << (c - 1);
  signedDigits(scalars, count, c, windows);
  // the partial sum of this pass, Horner from the top window; joined to result at the end
  const acc = RESULT_PASS;
  g2SetInfinity(acc);
  for (let w = windows - 1; w >= 0; w--) {
    for (let d = 0; d < c; d++) g2Double(acc, acc);
    sortWindow(points, count, w, buckets);
    while (treeLevel(buckets)) {}
    g2SetInfinity(RUNNING);
    g2SetInfinity(WINDOW_SUM);
    for (let b = buckets - 1; b >= 0; b--) {
      if (load<u32>(LENGTHS + (<usize>b << 2)) != 0) {
        g2AddAffine(RUNNING, RUNNING, WORK + <usize>load<u32>(STARTS + (<usize>b << 2)) * A);
      }
      g2Add(WINDOW_SUM, WINDOW_SUM, RUNNING);
    }
    g2Add(acc, acc, WINDOW_SUM);
  }
  g2Add(result, result, acc);
}

/**
 * result (Jacobian) = Σ scalars[i]·points[i]: points are `count` affine G2 points (208 bytes each,
 * none at infinity), scalars `count` u64 little-endian.
 */
export function g2MsmShortUnsafe(result: usize, points: usize, scalars: usize, count: i32): void {
  g2SetInfinity(result);
  if (count <= 0) return;
  if (count < BATCH_MIN_POINTS) {
    msmJacobianBuckets(result, points, scalars, count);
    return;
  }
  for (let start = 0; start < count; start += BATCH_MAX_POINTS) {
    const n = min(BATCH_MAX_POINTS, count - start);
    if (n < BATCH_MIN_POINTS) msmJacobianBucketsInto(result, points + <usize>start * A, scalars + (<usize>start << 3), n);
    else msmBatchAffineInto(result, points + <usize>start * A, scalars + (<usize>start << 3), n);
  }
}

/** result += the Jacobian-bucket sum of `count` points. */
function msmJacobianBucketsInto(result: usize, points: usize, scalars: usize, count: i32): void {
  g2SetInfinity(RESULT_PASS);
  msmJacobianBuckets(RESULT_PASS, points, scalars, count);
  g2Add(result, result, RESULT_PASS);
}
