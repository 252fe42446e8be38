/**
 * Multi-scalar multiplication Σ k_i·P_i on G1 and G2 (variable-time; inputs are public).
 *
 * Straus / interleaved wNAF (Hankerson–Menezes–Vanstone, Guide to ECC, Algorithm 3.51, "interleaving"
 * with wNAF) over the endomorphism-split scalars of scalar.ts: every point contributes its pieces —
 * four 64-bit pieces on G2 with the images (−ψ)^i(Q), two 128-bit pieces on G1 with φ'(P) — and all
 * of them share one chain of doublings (64 on G2, 128 on G1). Per point, a table of odd multiples
 * P, 3P, …, (2^(w−1) − 1)P is built with co-Z additions (g2OddMultiples), converted to affine for all points of a
 * chunk with one inversion (so the main loop uses mixed additions), and mapped through the
 * endomorphism (a few multiplications per entry instead of a new table).
 *
 * Points are processed in chunks of MSM_CHUNK (their tables live in fixed scratch memory); chunk
 * results are summed. Infinity inputs and zero scalars contribute nothing and are skipped.
 *
 * From G1_BUCKET_THRESHOLD / G2_BUCKET_THRESHOLD points on, the bucket method (Pippenger; Bernstein
 * et al., "Faster batch forgery identification", §4) takes over: every piece of every point is one
 * "virtual" point with a short scalar; per window of c bits each virtual point goes into one of
 * 2^(c−1) buckets (signed digits, mixed additions), buckets are summed by running sums, windows are
 * joined by c doublings. Per point it costs about (bits / c) additions instead of Straus' bits / (w + 1)
 * plus a table, so it wins once the 2^c bucket sums are spread over enough points.
 */
import {
  G1_AFFINE_BYTES, G1_BATCH_CAPACITY, G1_ENCODED_BYTES, G1_JACOBIAN_BYTES, g1Add, g1AddAffine, g1BatchToAffine, g1Decode,
  g1Double, g1EndomorphismAffine, g1OddMultiples, g1NegateAffine, g1SetInfinity,
} from './g1';
import {
  G2_AFFINE_BYTES, G2_BATCH_CAPACITY, G2_ENCODED_BYTES, G2_JACOBIAN_BYTES, g2Add, g2AddAffine, g2BatchToAffine, g2Decode,
  g2Double, g2NegPsiAffine, g2OddMultiples, g2NegateAffine, g2SetInfinity,
} from './g2';
import { DECODE_INFINITY, SCALAR_OUT_OF_RANGE, SMALL_ORDER, setFailedInput } from './encoding';
import { combineDigits, decomposeBaseX, scalarIsBelowOrder, signedWindows, wnaf } from './scalar';

/** Points whose tables are built at once; results of chunks are added. */
export const MSM_CHUNK: i32 = 64;
/** Bytes of one scalar: 32, little-endian. */
export const SCALAR_BYTES: i32 = 32;

/**
 * wNAF width on G2 (table of 2^(w−2) odd multiples per point and image), measured on combineG2 as
 * the speed-up over herumi's Signature.recover in the same run (min of 15 × 20 calls, t = 3 / 7 / 10)
 * with full-size Lagrange coefficients (shares 1, 3, 5, …): w = 3: 2.60 / 2.85 / 3.00; w = 4: 3.09 /
 * 3.12 / 3.16; w = 5: 2.56 / 2.76 / 2.80. (With consecutive shares 1..t the coefficients are small
 * integers and w = 3 edges ahead.) Each table entry costs a co-Z addition, its share of the batch
 * normalisation and three ψ images, so wider tables do not pay for t this small.
 */
const G2_WIDTH: i32 = 4;
const G2_TABLE: i32 = 1 << (G2_WIDTH - 2);
const G2_PIECES: i32 = 4;
/** wNAF digits of a 64-bit piece: 65. */
const G2_DIGITS: i32 = 65;

/**
 * wNAF width on G1. Measured on interpolateG1 (ms, min of 10, t = 3 / 10 / 64): w = 3: 0.234 / 0.578
 * / 2.94; w = 4: 0.254 / 0.490 / 3.26; w = 5: 0.271 / 0.433 / 2.93 — within the noise of each other.
 */
const G1_WIDTH: i32 = 4;
const G1_TABLE: i32 = 1 << (G1_WIDTH - 2);
const G1_PIECES: i32 = 2;
/** wNAF digits of a piece below 2^128: 129. */
const G1_DIGITS: i32 = 129;

/**
 * Point counts from which the bucket method is used. Measured (release build, one process, min of 5,
 * ms per MSM, Straus / buckets): G1 n = 64: 8.3 / 9.7, 96: 11.6 / 9.7, 128: 10.8 / 10.1, 256: 21.7 /
 * 17.2, 512: 44.2 / 30.2; G2 n = 32: 9.8 / 13.3, 64: 23.5 / 21.3, 128: 59.7 / 46.6, 512: 223 / 111.
 */
const G1_BUCKET_THRESHOLD: i32 = 96;
const G2_BUCKET_THRESHOLD: i32 = 64;
/** Points per bucket-method chunk; with their endomorphism images, 4,096 virtual points. */
const G1_BUCKET_CHUNK: i32 = 2048;
const G2_BUCKET_CHUNK: i32 = 1024;
const VIRTUAL_POINTS: i32 = 4096;
/** Largest bucket window (2^(c−1) buckets). */
const MAX_WINDOW_BITS: i32 = 10;
/** Windows of the smallest c (4) over a 129-bit piece. */
const MAX_WINDOWS: i32 = 33;

/** Bucket window for n virtual points: about log2(n) − 3, within 4..MAX_WINDOW_BITS. */
function bucketWindowBits(n: i32): i32 {
  const log2 = 31 - clz(n);
  return max(4, min(MAX_WINDOW_BITS, log2 - 3));
}

const BASE_X_DIGITS: usize = memory.data(32, 16);
const HALF_SCALAR: usize = memory.data(16, 16);

const G2_JACOBIAN_TABLE: usize = memory.data(MSM_CHUNK * G2_TABLE * G2_JACOBIAN_BYTES, 16);
const G2_AFFINE_TABLE: usize = memory.data(G2_PIECES * MSM_CHUNK * G2_TABLE * G2_AFFINE_BYTES, 16);
const G2_WNAF: usize = memory.data(MSM_CHUNK * G2_PIECES * G2_DIGITS, 16);
const G2_POINT: usize = memory.data(G2_AFFINE_BYTES, 16);
const G2_NEGATED: usize = memory.data(G2_AFFINE_BYTES, 16);
const G2_TWICE: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const G2_CHUNK_SUM: usize = memory.data(G2_JACOBIAN_BYTES, 16);

const G1_JACOBIAN_TABLE: usize = memory.data(MSM_CHUNK * G1_TABLE * G1_JACOBIAN_BYTES, 16);
const G1_AFFINE_TABLE: usize = memory.data(G1_PIECES * MSM_CHUNK * G1_TABLE * G1_AFFINE_BYTES, 16);
const G1_WNAF: usize = memory.data(MSM_CHUNK * G1_PIECES * G1_DIGITS, 16);
const G1_POINT: usize = memory.data(G1_AFFINE_BYTES, 16);
const G1_NEGATED: usize = memory.data(G1_AFFINE_BYTES, 16);
const G1_TWICE: usize = memory.data(G1_JACOBIAN_BYTES, 16);
const G1_CHUNK_SUM: usize = memory.data(G1_JACOBIAN_BYTES, 16);

function g2AffineEntry(image: i32, point: i32, index: i32): usize {
  return G2_AFFINE_TABLE + <usize>((image * MSM_CHUNK + point) * G2_TABLE + index) * <usize>G2_AFFINE_BYTES;
}

/**
 * result (Jacobian) = Σ scalars[i]·points[i] over G2. points: `count` encodings of 192 bytes;
 * scalars: `count` × 32 bytes little-endian. Returns 0, or a negative status (encoding.ts) with
 * failedInputIndex set.
 */
export function g2MsmUnsafe(result: usize, points: usize, scalars: usize, count: i32): i32 {
  return count < G2_BUCKET_THRESHOLD
    ? g2Straus(result, points, scalars, count)
    : g2Buckets(result, points, scalars, count);
}

function g2Straus(result: usize, points: usize, scalars: usize, count: i32): i32 {
  g2SetInfinity(result);
  for (let start = 0; start < count; start += MSM_CHUNK) {
    const end = min(count, start + MSM_CHUNK);
    let used = 0;
    let longest = 0;
    for (let i = start; i < end; i++) {
      const scalar = scalars + <usize>i * <usize>SCALAR_BYTES;
      if (!scalarIsBelowOrder(scalar)) {
        setFailedInput(i);
        return SCALAR_OUT_OF_RANGE;
      }
      const status = g2Decode(G2_POINT, points + <usize>i * <usize>G2_ENCODED_BYTES);
      if (status < 0) {
        setFailedInput(i);
        return status;
      }
      if (status == DECODE_INFINITY) continue;
      decomposeBaseX(BASE_X_DIGITS, scalar);
      let nonZero = false;
      for (let piece = 0; piece < G2_PIECES; piece++) {
        const digits = G2_WNAF + <usize>((used * G2_PIECES + piece) * G2_DIGITS);
        const top = wnaf(digits, load<u64>(BASE_X_DIGITS + (<usize>piece << 3)), 0, G2_WIDTH, G2_DIGITS);
        if (top > longest) longest = top;
        if (top > 0) nonZero = true;
      }
      if (!nonZero) continue;
            const table = G2_JACOBIAN_TABLE + <usize>(used * G2_TABLE) * <usize>G2_JACOBIAN_BYTES;
      if (!g2OddMultiples(table, G2_POINT, G2_TABLE, G2_TWICE)) {
        setFailedInput(i);
        return SMALL_ORDER;
      }
      used++;
    }
    if (used == 0) continue;
    assert(used * G2_TABLE <= G2_BATCH_CAPACITY);
    g2BatchToAffine(g2AffineEntry(0, 0, 0), G2_JACOBIAN_TABLE, used * G2_TABLE);
    for (let image = 1; image < G2_PIECES; image++) {
      for (let k = 0; k < used * G2_TABLE; k++) {
        g2NegPsiAffine(
          G2_AFFINE_TABLE + <usize>(image * MSM_CHUNK * G2_TABLE + k) * <usize>G2_AFFINE_BYTES,
          G2_AFFINE_TABLE + <usize>((image - 1) * MSM_CHUNK * G2_TABLE + k) * <usize>G2_AFFINE_BYTES,
        );
      }
    }
    g2SetInfinity(G2_CHUNK_SUM);
    for (let bit = longest - 1; bit >= 0; bit--) {
      g2Double(G2_CHUNK_SUM, G2_CHUNK_SUM);
      for (let point = 0; point < used; point++) {
        for (let piece = 0; piece < G2_PIECES; piece++) {
          const digit = <i32>load<i8>(G2_WNAF + <usize>((point * G2_PIECES + piece) * G2_DIGITS + bit));
          if (digit == 0) continue;
          const entry = g2AffineEntry(piece, point, (digit < 0 ? -digit : digit) >> 1);
          if (digit > 0) {
            g2AddAffine(G2_CHUNK_SUM, G2_CHUNK_SUM, entry);
          } else {
            g2NegateAffine(G2_NEGATED, entry);
            g2AddAffine(G2_CHUNK_SUM, G2_CHUNK_SUM, G2_NEGATED);
          }
        }
      }
    }
    g2Add(result, result, G2_CHUNK_SUM);
  }
  return 0;
}

const G2_VIRTUAL: usize = memory.data(VIRTUAL_POINTS * G2_AFFINE_BYTES, 16);
const G2_BUCKETS: usize = memory.data((1 << (MAX_WINDOW_BITS - 1)) * G2_JACOBIAN_BYTES, 16);
const G2_RUNNING: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const G2_WINDOW_SUM: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const BUCKET_DIGITS: usize = memory.data(VIRTUAL_POINTS * MAX_WINDOWS * 2, 16);

/** The bucket method over G2 (see the module docblock); same contract as g2MsmUnsafe. */
function g2Buckets(result: usize, points: usize, scalars: usize, count: i32): i32 {
  g2SetInfinity(result);
  for (let start = 0; start < count; start += G2_BUCKET_CHUNK) {
    const end = min(count, start + G2_BUCKET_CHUNK);
    // decode, split the scalars, and lay down the virtual points (−ψ)^i(Q) with their pieces
    let virtual = 0;
    for (let i = start; i < end; i++) {
      const scalar = scalars + <usize>i * <usize>SCALAR_BYTES;
      if (!scalarIsBelowOrder(scalar)) {
        setFailedInput(i);
        return SCALAR_OUT_OF_RANGE;
      }
      const at = G2_VIRTUAL + <usize>virtual * <usize>G2_AFFINE_BYTES;
      const status = g2Decode(at, points + <usize>i * <usize>G2_ENCODED_BYTES);
      if (status < 0) {
        setFailedInput(i);
        return status;
      }
      if (status == DECODE_INFINITY) continue;
      decomposeBaseX(BASE_X_DIGITS, scalar);
      for (let piece = 0; piece < G2_PIECES; piece++) {
        const entry = at + <usize>piece * <usize>G2_AFFINE_BYTES;
        if (piece > 0) g2NegPsiAffine(entry, entry - <usize>G2_AFFINE_BYTES);
        store<u64>(G2_PIECE_SCALARS + (<usize>(virtual + piece) << 3), load<u64>(BASE_X_DIGITS + (<usize>piece << 3)));
      }
      virtual += G2_PIECES;
    }
    if (virtual == 0) continue;
    const c = bucketWindowBits(virtual);
    const windows = (G2_DIGITS + c - 1) / c;
    for (let v = 0; v < virtual; v++) {
      signedWindows(BUCKET_DIGITS + <usize>(v * windows) * 2, load<u64>(G2_PIECE_SCALARS + (<usize>v << 3)), 0, c, windows);
    }
    const buckets = 1 << (c - 1);
    g2SetInfinity(G2_CHUNK_SUM);
    for (let w = windows - 1; w >= 0; w--) {
      for (let k = 0; k < c; k++) g2Double(G2_CHUNK_SUM, G2_CHUNK_SUM);
      for (let b = 0; b < buckets; b++) g2SetInfinity(G2_BUCKETS + <usize>b * <usize>G2_JACOBIAN_BYTES);
      for (let v = 0; v < virtual; v++) {
        const digit = <i32>load<i16>(BUCKET_DIGITS + <usize>(v * windows + w) * 2);
        if (digit == 0) continue;
        const point = G2_VIRTUAL + <usize>v * <usize>G2_AFFINE_BYTES;
        const bucket = G2_BUCKETS + <usize>((digit < 0 ? -digit : digit) - 1) * <usize>G2_JACOBIAN_BYTES;
        if (digit > 0) {
          g2AddAffine(bucket, bucket, point);
        } else {
          g2NegateAffine(G2_NEGATED, point);
          g2AddAffine(bucket, bucket, G2_NEGATED);
        }
      }
      // Σ_b (b + 1)·bucket[b] by running sums from the top bucket down
      g2SetInfinity(G2_RUNNING);
      g2SetInfinity(G2_WINDOW_SUM);
      for (let b = buckets - 1; b >= 0; b--) {
        g2Add(G2_RUNNING, G2_RUNNING, G2_BUCKETS + <usize>b * <usize>G2_JACOBIAN_BYTES);
        g2Add(G2_WINDOW_SUM, G2_WINDOW_SUM, G2_RUNNING);
      }
      g2Add(G2_CHUNK_SUM, G2_CHUNK_SUM, G2_WINDOW_SUM);
    }
    g2Add(result, result, G2_CHUNK_SUM);
  }
  return 0;
}

const G2_PIECE_SCALARS: usize = memory.data(VIRTUAL_POINTS * 8, 16);

function g1AffineEntry(image: i32, point: i32, index: i32): usize {
  return G1_AFFINE_TABLE + <usize>((image * MSM_CHUNK + point) * G1_TABLE + index) * <usize>G1_AFFINE_BYTES;
}

/** result (Jacobian) = Σ scalars[i]·points[i] over G1; points of 96 bytes, otherwise as g2MsmUnsafe. */
export function g1MsmUnsafe(result: usize, points: usize, scalars: usize, count: i32): i32 {
  return count < G1_BUCKET_THRESHOLD
    ? g1Straus(result, points, scalars, count)
    : g1Buckets(result, points, scalars, count);
}

function g1Straus(result: usize, points: usize, scalars: usize, count: i32): i32 {
  g1SetInfinity(result);
  for (let start = 0; start < count; start += MSM_CHUNK) {
    const end = min(count, start + MSM_CHUNK);
    let used = 0;
    let longest = 0;
    for (let i = start; i < end; i++) {
      const scalar = scalars + <usize>i * <usize>SCALAR_BYTES;
      if (!scalarIsBelowOrder(scalar)) {
        setFailedInput(i);
        return SCALAR_OUT_OF_RANGE;
      }
      const status = g1Decode(G1_POINT, points + <usize>i * <usize>G1_ENCODED_BYTES);
      if (status < 0) {
        setFailedInput(i);
        return status;
      }
      if (status == DECODE_INFINITY) continue;
      decomposeBaseX(BASE_X_DIGITS, scalar);
      let nonZero = false;
      for (let piece = 0; piece < G1_PIECES; piece++) {
        combineDigits(
          HALF_SCALAR,
          load<u64>(BASE_X_DIGITS + (<usize>piece << 4)),
          load<u64>(BASE_X_DIGITS + (<usize>piece << 4) + 8),
        );
        const digits = G1_WNAF + <usize>((used * G1_PIECES + piece) * G1_DIGITS);
        const top = wnaf(digits, load<u64>(HALF_SCALAR), load<u64>(HALF_SCALAR, 8), G1_WIDTH, G1_DIGITS);
        if (top > longest) longest = top;
        if (top > 0) nonZero = true;
      }
      if (!nonZero) continue;
      const table = G1_JACOBIAN_TABLE + <usize>(used * G1_TABLE) * <usize>G1_JACOBIAN_BYTES;
      if (!g1OddMultiples(table, G1_POINT, G1_TABLE, G1_TWICE)) {
        setFailedInput(i);
        return SMALL_ORDER;
      }
      used++;
    }
    if (used == 0) continue;
    assert(used * G1_TABLE <= G1_BATCH_CAPACITY);
    g1BatchToAffine(g1AffineEntry(0, 0, 0), G1_JACOBIAN_TABLE, used * G1_TABLE);
    for (let k = 0; k < used * G1_TABLE; k++) {
      g1EndomorphismAffine(
        G1_AFFINE_TABLE + <usize>(MSM_CHUNK * G1_TABLE + k) * <usize>G1_AFFINE_BYTES,
        G1_AFFINE_TABLE + <usize>k * <usize>G1_AFFINE_BYTES,
      );
    }
    g1SetInfinity(G1_CHUNK_SUM);
    for (let bit = longest - 1; bit >= 0; bit--) {
      g1Double(G1_CHUNK_SUM, G1_CHUNK_SUM);
      for (let point = 0; point < used; point++) {
        for (let piece = 0; piece < G1_PIECES; piece++) {
          const digit = <i32>load<i8>(G1_WNAF + <usize>((point * G1_PIECES + piece) * G1_DIGITS + bit));
          if (digit == 0) continue;
          const entry = g1AffineEntry(piece, point, (digit < 0 ? -digit : digit) >> 1);
          if (digit > 0) {
            g1AddAffine(G1_CHUNK_SUM, G1_CHUNK_SUM, entry);
          } else {
            g1NegateAffine(G1_NEGATED, entry);
            g1AddAffine(G1_CHUNK_SUM, G1_CHUNK_SUM, G1_NEGATED);
          }
        }
      }
    }
    g1Add(result, result, G1_CHUNK_SUM);
  }
  return 0;
}

const G1_VIRTUAL: usize = memory.data(VIRTUAL_POINTS * G1_AFFINE_BYTES, 16);
const G1_PIECE_SCALARS: usize = memory.data(VIRTUAL_POINTS * 16, 16);
const G1_BUCKETS: usize = memory.data((1 << (MAX_WINDOW_BITS - 1)) * G1_JACOBIAN_BYTES, 16);
const G1_RUNNING: usize = memory.data(G1_JACOBIAN_BYTES, 16);
const G1_WINDOW_SUM: usize = memory.data(G1_JACOBIAN_BYTES, 16);

/** The bucket method over G1 (see the module docblock); same contract as g1MsmUnsafe. */
function g1Buckets(result: usize, points: usize, scalars: usize, count: i32): i32 {
  g1SetInfinity(result);
  for (let start = 0; start < count; start += G1_BUCKET_CHUNK) {
    const end = min(count, start + G1_BUCKET_CHUNK);
    // decode, split the scalars, and lay down the virtual points P and φ'(P) with their halves
    let virtual = 0;
    for (let i = start; i < end; i++) {
      const scalar = scalars + <usize>i * <usize>SCALAR_BYTES;
      if (!scalarIsBelowOrder(scalar)) {
        setFailedInput(i);
        return SCALAR_OUT_OF_RANGE;
      }
      const at = G1_VIRTUAL + <usize>virtual * <usize>G1_AFFINE_BYTES;
      const status = g1Decode(at, points + <usize>i * <usize>G1_ENCODED_BYTES);
      if (status < 0) {
        setFailedInput(i);
        return status;
      }
      if (status == DECODE_INFINITY) continue;
      g1EndomorphismAffine(at + <usize>G1_AFFINE_BYTES, at);
      decomposeBaseX(BASE_X_DIGITS, scalar);
      for (let piece = 0; piece < G1_PIECES; piece++) {
        combineDigits(
          G1_PIECE_SCALARS + (<usize>(virtual + piece) << 4),
          load<u64>(BASE_X_DIGITS + (<usize>piece << 4)),
          load<u64>(BASE_X_DIGITS + (<usize>piece << 4) + 8),
        );
      }
      virtual += G1_PIECES;
    }
    if (virtual == 0) continue;
    const c = bucketWindowBits(virtual);
    const windows = (G1_DIGITS + c - 1) / c;
    for (let v = 0; v < virtual; v++) {
      const half = G1_PIECE_SCALARS + (<usize>v << 4);
      signedWindows(BUCKET_DIGITS + <usize>(v * windows) * 2, load<u64>(half), load<u64>(half, 8), c, windows);
    }
    const buckets = 1 << (c - 1);
    g1SetInfinity(G1_CHUNK_SUM);
    for (let w = windows - 1; w >= 0; w--) {
      for (let k = 0; k < c; k++) g1Double(G1_CHUNK_SUM, G1_CHUNK_SUM);
      for (let b = 0; b < buckets; b++) g1SetInfinity(G1_BUCKETS + <usize>b * <usize>G1_JACOBIAN_BYTES);
      for (let v = 0; v < virtual; v++) {
        const digit = <i32>load<i16>(BUCKET_DIGITS + <usize>(v * windows + w) * 2);
        if (digit == 0) continue;
        const point = G1_VIRTUAL + <usize>v * <usize>G1_AFFINE_BYTES;
        const bucket = G1_BUCKETS + <usize>((digit < 0 ? -digit : digit) - 1) * <usize>G1_JACOBIAN_BYTES;
        if (digit > 0) {
          g1AddAffine(bucket, bucket, point);
        } else {
          g1NegateAffine(G1_NEGATED, point);
          g1AddAffine(bucket, bucket, G1_NEGATED);
        }
      }
      g1SetInfinity(G1_RUNNING);
      g1SetInfinity(G1_WINDOW_SUM);
      for (let b = buckets - 1; b >= 0; b--) {
        g1Add(G1_RUNNING, G1_RUNNING, G1_BUCKETS + <usize>b * <usize>G1_JACOBIAN_BYTES);
        g1Add(G1_WINDOW_SUM, G1_WINDOW_SUM, G1_RUNNING);
      }
      g1Add(G1_CHUNK_SUM, G1_CHUNK_SUM, G1_WINDOW_SUM);
    }
    g1Add(result, result, G1_CHUNK_SUM);
  }
  return 0;
}
