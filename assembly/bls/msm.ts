/**
 * Multi-scalar multiplication Σ k_i·P_i on G1 and G2 (variable-time; inputs are public).
 *
 * Straus / interleaved wNAF (Hankerson–Menezes–Vanstone, Guide to ECC, Algorithm 3.51, "interleaving"
 * with wNAF) over the endomorphism-split scalars of scalar.ts: every point contributes its pieces —
 * four 64-bit pieces on G2 with the images (−ψ)^i(Q), two 128-bit pieces on G1 with φ'(P) — and all
 * of them share one chain of doublings (64 on G2, 128 on G1). Per point, a table of odd multiples
 * P, 3P, …, (2^(w−1) − 1)P is built in Jacobian coordinates, converted to affine for all points of a
 * chunk with one inversion (so the main loop uses mixed additions), and mapped through the
 * endomorphism (a few multiplications per entry instead of a new table).
 *
 * Points are processed in chunks of MSM_CHUNK (their tables live in fixed scratch memory); chunk
 * results are summed. Infinity inputs and zero scalars contribute nothing and are skipped.
 */
import {
  G1_AFFINE_BYTES, G1_ENCODED_BYTES, G1_JACOBIAN_BYTES, g1Add, g1AddAffine, g1BatchToAffine, g1Decode,
  g1Double, g1EndomorphismAffine, g1FromAffine, g1NegateAffine, g1SetInfinity,
} from './g1';
import {
  G2_AFFINE_BYTES, G2_ENCODED_BYTES, G2_JACOBIAN_BYTES, g2Add, g2AddAffine, g2BatchToAffine, g2Decode,
  g2Double, g2FromAffine, g2NegPsiAffine, g2NegateAffine, g2SetInfinity,
} from './g2';
import { DECODE_INFINITY, SCALAR_OUT_OF_RANGE, setFailedInput } from './encoding';
import { combineDigits, decomposeBaseX, scalarIsBelowOrder, wnaf } from './scalar';

/** Points whose tables are built at once; results of chunks are added. */
export const MSM_CHUNK: i32 = 64;
/** Bytes of one scalar: 32, little-endian. */
export const SCALAR_BYTES: i32 = 32;

/** wNAF width on G2 (table of 2^(w−2) odd multiples per point and image). */
const G2_WIDTH: i32 = 5;
const G2_TABLE: i32 = 1 << (G2_WIDTH - 2);
const G2_PIECES: i32 = 4;
/** wNAF digits of a 64-bit piece: 65. */
const G2_DIGITS: i32 = 65;

const G1_WIDTH: i32 = 5;
const G1_TABLE: i32 = 1 << (G1_WIDTH - 2);
const G1_PIECES: i32 = 2;
/** wNAF digits of a piece below 2^128: 129. */
const G1_DIGITS: i32 = 129;

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
      // odd multiples P, 3P, 5P, … in Jacobian coordinates
      const table = G2_JACOBIAN_TABLE + <usize>(used * G2_TABLE) * <usize>G2_JACOBIAN_BYTES;
      g2FromAffine(table, G2_POINT);
      g2Double(G2_TWICE, table);
      for (let j = 1; j < G2_TABLE; j++) {
        const entry = table + <usize>j * <usize>G2_JACOBIAN_BYTES;
        g2Add(entry, entry - <usize>G2_JACOBIAN_BYTES, G2_TWICE);
      }
      used++;
    }
    if (used == 0) continue;
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

function g1AffineEntry(image: i32, point: i32, index: i32): usize {
  return G1_AFFINE_TABLE + <usize>((image * MSM_CHUNK + point) * G1_TABLE + index) * <usize>G1_AFFINE_BYTES;
}

/** result (Jacobian) = Σ scalars[i]·points[i] over G1; points of 96 bytes, otherwise as g2MsmUnsafe. */
export function g1MsmUnsafe(result: usize, points: usize, scalars: usize, count: i32): i32 {
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
      g1FromAffine(table, G1_POINT);
      g1Double(G1_TWICE, table);
      for (let j = 1; j < G1_TABLE; j++) {
        const entry = table + <usize>j * <usize>G1_JACOBIAN_BYTES;
        g1Add(entry, entry - <usize>G1_JACOBIAN_BYTES, G1_TWICE);
      }
      used++;
    }
    if (used == 0) continue;
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
