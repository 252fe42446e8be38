/**
 * SHA-256 and hash-to-G2 (RFC 9380, BLS12381G2_XMD:SHA-256_SSWU_RO_) exported to the TypeScript
 * wrapper (src/wasm/hash-to-curve.ts). Memory contract of src/wasm/core.ts: fixed regions whose
 * offsets are exported; each call checks every length and offset it is handed and returns 0 or a
 * negative status below, never reading outside its regions.
 *
 * Regions:
 * - INPUT (HASH_INPUT_CAPACITY = 4 MiB): the bytes to SHA-256, a chunk of a streamed message, the
 *   packed messages of a batch, or the Fp2 elements of mapToG2Batch (96 bytes each, c1 ‖ c0 big-endian);
 * - OFFSETS, LENGTHS (u32 each, HASH_MAX_MESSAGES = 1,024 entries): where message i lies in INPUT;
 * - DST (255 bytes): the domain separation tag, 1..255 bytes (a longer DST is reduced by the caller,
 *   RFC 9380 §5.3.3);
 * - OUTPUT (HASH_MAX_MESSAGES × 192 bytes): point i as its 192-byte uncompressed ZCash/blst encoding
 *   (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, big-endian) at i·192; a SHA-256 digest or expand_message_xmd output at 0.
 * Batches are converted to affine with one inversion per HASH_AFFINE_CHUNK points.
 */
import { G2_AFFINE_BYTES, G2_ENCODED_BYTES, G2_JACOBIAN_BYTES, g2BatchToAffine, g2Encode, g2IsInfinity } from '../bls/g2';
import { FP2_BYTES, FP2_ENCODED_BYTES, fp2FromBytes, fp2SetOne, fp2ToBytes } from '../bls/fp2';
import { DST_MAX_BYTES, EXPAND_MAX_BYTES, expandMessageXmdStart, expandMessageXmdUnsafe } from './expand';
import { g2ClearCofactorUnsafe, hashToG2FinishUnsafe, hashToG2Unsafe } from './hash-to-g2';
import { SHA256_CONTEXT_BYTES, sha256Final, sha256Init, sha256Unsafe, sha256Update } from './sha256';
import { mapToCurvePairUnsafe } from './sswu';

const HASH_INPUT_CAPACITY: i32 = 4 << 20;
const HASH_MAX_MESSAGES: i32 = 1024;
/** Points normalised to affine with one shared inversion (g2BatchToAffine's capacity). */
const HASH_AFFINE_CHUNK: i32 = 256;

const HASH_OK: i32 = 0;
/** A length is negative or larger than its region. */
const HASH_ERR_LENGTH: i32 = -1;
/** A batch count is negative or above HASH_MAX_MESSAGES. */
const HASH_ERR_COUNT: i32 = -2;
/** A batch message lies (partly) outside INPUT; hashFailedInput() names it. */
const HASH_ERR_MESSAGE_RANGE: i32 = -3;
/** The DST length is not 1..255. */
const HASH_ERR_DST_LENGTH: i32 = -4;
/** expand_message_xmd's len_in_bytes is not 1..8160 (ell ≤ 255). */
const HASH_ERR_EXPAND_LENGTH: i32 = -5;
/** An Fp2 coordinate of mapToG2Batch is not below p; hashFailedInput() names it. */
const HASH_ERR_NOT_CANONICAL: i32 = -6;

const F: usize = <usize>FP2_BYTES;
const J: usize = <usize>G2_JACOBIAN_BYTES;
const A: usize = <usize>G2_AFFINE_BYTES;
const ENC: usize = <usize>G2_ENCODED_BYTES;

const INPUT: usize = memory.data(HASH_INPUT_CAPACITY, 16);
const OFFSETS: usize = memory.data(HASH_MAX_MESSAGES * 4, 16);
const LENGTHS: usize = memory.data(HASH_MAX_MESSAGES * 4, 16);
const DST: usize = memory.data(256, 16);
const OUTPUT: usize = memory.data(HASH_MAX_MESSAGES * G2_ENCODED_BYTES, 16);
const SHA_STREAM: usize = memory.data(SHA256_CONTEXT_BYTES, 16);
const H2C_STREAM: usize = memory.data(SHA256_CONTEXT_BYTES, 16);
const JACOBIAN: usize = memory.data(HASH_AFFINE_CHUNK * G2_JACOBIAN_BYTES, 16);
const AFFINE: usize = memory.data(HASH_AFFINE_CHUNK * G2_AFFINE_BYTES, 16);
const AT_INFINITY: usize = memory.data(HASH_AFFINE_CHUNK, 16);
const FIELD: usize = memory.data(2 * FP2_BYTES, 16);
const Q0: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const Q1: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const POINT: usize = memory.data(G2_JACOBIAN_BYTES, 16);

let failedIndex: i32 = -1;

export function hashInputOffset(): usize {
  return INPUT;
}
export function hashInputCapacity(): i32 {
  return HASH_INPUT_CAPACITY;
}
export function hashBatchOffsetsOffset(): usize {
  return OFFSETS;
}
export function hashBatchLengthsOffset(): usize {
  return LENGTHS;
}
export function hashBatchMaxMessages(): i32 {
  return HASH_MAX_MESSAGES;
}
export function hashDstOffset(): usize {
  return DST;
}
export function hashDstCapacity(): i32 {
  return DST_MAX_BYTES;
}
export function hashOutputOffset(): usize {
  return OUTPUT;
}
/** Index of the input that made the last failing batch call fail (−1 if none applies). */
export function hashFailedInput(): i32 {
  return failedIndex;
}

function lengthIsValid(length: i32): bool {
  return length >= 0 && length <= HASH_INPUT_CAPACITY;
}
function dstIsValid(dstLength: i32): bool {
  return dstLength >= 1 && dstLength <= DST_MAX_BYTES;
}

/** OUTPUT[0..32) = SHA-256 of INPUT[0..length). */
export function sha256(length: i32): i32 {
  if (!lengthIsValid(length)) return HASH_ERR_LENGTH;
  sha256Unsafe(OUTPUT, INPUT, length);
  return HASH_OK;
}

/** Starts a streamed SHA-256. */
export function sha256StreamStart(): void {
  sha256Init(SHA_STREAM);
}

/** Absorbs INPUT[0..length) (any length) into the streamed SHA-256. */
export function sha256StreamAbsorb(length: i32): i32 {
  if (!lengthIsValid(length)) return HASH_ERR_LENGTH;
  sha256Update(SHA_STREAM, INPUT, length);
  return HASH_OK;
}

/** Absorbs INPUT[0..length) and writes the streamed digest to OUTPUT[0..32). */
export function sha256StreamFinish(length: i32): i32 {
  if (!lengthIsValid(length)) return HASH_ERR_LENGTH;
  sha256Update(SHA_STREAM, INPUT, length);
  sha256Final(SHA_STREAM, OUTPUT);
  return HASH_OK;
}

/** OUTPUT[0..lenInBytes) = expand_message_xmd(INPUT[0..messageLength), DST[0..dstLength), lenInBytes) with SHA-256. */
export function expandMessageXmd(messageLength: i32, dstLength: i32, lenInBytes: i32): i32 {
  if (!lengthIsValid(messageLength)) return HASH_ERR_LENGTH;
  if (!dstIsValid(dstLength)) return HASH_ERR_DST_LENGTH;
  if (lenInBytes < 1 || lenInBytes > EXPAND_MAX_BYTES) return HASH_ERR_EXPAND_LENGTH;
  expandMessageXmdUnsafe(OUTPUT, lenInBytes, INPUT, messageLength, DST, dstLength);
  return HASH_OK;
}

/**
 * Encodes `count` Jacobian points at JACOBIAN into OUTPUT from index `first` on, normalising them
 * with one inversion; points at infinity are set aside (their Z would spoil the shared inverse).
 */
function encodeChunk(first: i32, count: i32): void {
  for (let i = 0; i < count; i++) {
    const point = JACOBIAN + <usize>i * J;
    const infinite = g2IsInfinity(point);
    store<u8>(AT_INFINITY + <usize>i, <u8>infinite);
    if (infinite) fp2SetOne(point + 2 * F);
  }
  g2BatchToAffine(AFFINE, JACOBIAN, count);
  for (let i = 0; i < count; i++) {
    const out = OUTPUT + <usize>(first + i) * ENC;
    if (load<u8>(AT_INFINITY + <usize>i) != 0) {
      memory.fill(out, 0, ENC);
      store<u8>(out, 0x40);
    } else {
      fp2ToBytes(out, AFFINE + <usize>i * A);
      fp2ToBytes(out + <usize>FP2_ENCODED_BYTES, AFFINE + <usize>i * A + F);
    }
  }
}

/**
 * Hashes `count` messages of INPUT (message i: LENGTHS[i] bytes at OFFSETS[i]) to G2 with the DST in
 * DST[0..dstLength); point i goes to OUTPUT at i·192. Every range is checked before anything is hashed.
 */
export function hashToG2Batch(count: i32, dstLength: i32): i32 {
  failedIndex = -1;
  if (count < 0 || count > HASH_MAX_MESSAGES) return HASH_ERR_COUNT;
  if (!dstIsValid(dstLength)) return HASH_ERR_DST_LENGTH;
  for (let i = 0; i < count; i++) {
    const offset = load<u32>(OFFSETS + (<usize>i << 2));
    const length = load<u32>(LENGTHS + (<usize>i << 2));
    if (<u64>offset + <u64>length > <u64>HASH_INPUT_CAPACITY) {
      failedIndex = i;
      return HASH_ERR_MESSAGE_RANGE;
    }
  }
  for (let first = 0; first < count; first += HASH_AFFINE_CHUNK) {
    const n = min(HASH_AFFINE_CHUNK, count - first);
    for (let k = 0; k < n; k++) {
      const i = first + k;
      const offset = load<u32>(OFFSETS + (<usize>i << 2));
      const length = load<u32>(LENGTHS + (<usize>i << 2));
      hashToG2Unsafe(JACOBIAN + <usize>k * J, INPUT + <usize>offset, <i32>length, DST, dstLength);
    }
    encodeChunk(first, n);
  }
  return HASH_OK;
}

/** Starts a streamed hash to G2 (a message too large for INPUT). */
export function hashToG2StreamStart(): void {
  expandMessageXmdStart(H2C_STREAM);
}

/** Absorbs INPUT[0..length) into the streamed message. */
export function hashToG2StreamAbsorb(length: i32): i32 {
  if (!lengthIsValid(length)) return HASH_ERR_LENGTH;
  sha256Update(H2C_STREAM, INPUT, length);
  return HASH_OK;
}

/** Absorbs INPUT[0..length), hashes the streamed message to G2 with DST[0..dstLength); OUTPUT[0..192) gets the point. */
export function hashToG2StreamFinish(length: i32, dstLength: i32): i32 {
  if (!lengthIsValid(length)) return HASH_ERR_LENGTH;
  if (!dstIsValid(dstLength)) return HASH_ERR_DST_LENGTH;
  sha256Update(H2C_STREAM, INPUT, length);
  hashToG2FinishUnsafe(POINT, H2C_STREAM, DST, dstLength);
  g2Encode(OUTPUT, POINT);
  return HASH_OK;
}

/**
 * clear_cofactor(map_to_curve(u)) for `count` Fp2 elements u at INPUT (96 bytes each: c1 ‖ c0,
 * big-endian, canonical) — the map of encode_to_curve and of EIP-2537's MAP_FP2_TO_G2; point i goes
 * to OUTPUT at i·192. Elements are mapped two at a time (the map's square roots run paired).
 */
export function mapToG2Batch(count: i32): i32 {
  failedIndex = -1;
  if (count < 0 || count > HASH_MAX_MESSAGES) return HASH_ERR_COUNT;
  for (let i = 0; i < count; i++) {
    if (!fp2FromBytes(FIELD, INPUT + <usize>i * <usize>FP2_ENCODED_BYTES)) {
      failedIndex = i;
      return HASH_ERR_NOT_CANONICAL;
    }
  }
  for (let first = 0; first < count; first += HASH_AFFINE_CHUNK) {
    const n = min(HASH_AFFINE_CHUNK, count - first);
    for (let k = 0; k < n; k += 2) {
      const i = first + k;
      const second = k + 1 < n ? i + 1 : i;
      fp2FromBytes(FIELD, INPUT + <usize>i * <usize>FP2_ENCODED_BYTES);
      fp2FromBytes(FIELD + F, INPUT + <usize>second * <usize>FP2_ENCODED_BYTES);
      mapToCurvePairUnsafe(Q0, Q1, FIELD, FIELD + F);
      g2ClearCofactorUnsafe(JACOBIAN + <usize>k * J, Q0);
      if (k + 1 < n) g2ClearCofactorUnsafe(JACOBIAN + <usize>(k + 1) * J, Q1);
    }
    encodeChunk(first, n);
  }
  return HASH_OK;
}
