/**
 * BLS12-381 point validation, decompression and compression in batches: the exported surface over
 * ./bls/decode.ts (the checks are documented there). Memory contract of src/wasm/core.ts: fixed
 * regions whose offsets are exported; a call reads `count` encodings back to back from INPUT and
 * writes `count` results back to back to OUTPUT.
 *
 * - pointsValidateG1(count, length, allowInfinity) / pointsValidateG2: INPUT holds `count` encodings
 *   of `length` bytes (G1 48 or 96, G2 96 or 192, compressed or uncompressed); each is decoded with
 *   every check, the subgroup test included, and written to OUTPUT uncompressed (G1 96, G2 192
 *   bytes; infinity as 0x40 ‖ 0…). allowInfinity = 0 rejects the point at infinity
 *   (DECODE_INFINITY_NOT_ALLOWED: Ethereum's KeyValidate for public keys).
 * - pointsDecompressG1(count) / pointsDecompressG2: the same for compressed encodings, infinity allowed.
 * - pointsCompressG1(count) / pointsCompressG2: INPUT uncompressed (96 / 192 bytes), OUTPUT
 *   compressed (48 / 96); checks the flags, canonical coordinates and the curve equation, not the
 *   subgroup (compression is a change of format; validate to test membership).
 * Every call returns 0 or a negative status of ./bls/encoding.ts and stops at the first bad input;
 * pointsFailedInput() then names it (−1 when the count or length is at fault). At most
 * POINTS_MAX_COUNT encodings per call.
 */
import {
  COUNT_OUT_OF_RANGE, DECODE_BAD_LENGTH, DECODE_INFINITY, DECODE_INFINITY_NOT_ALLOWED, DECODE_POINT, failedInputIndex,
  setFailedInput,
} from './bls/encoding';
import { FP_BYTES, FP_ENCODED_BYTES, fpToBytes } from './bls/fp';
import { FP2_BYTES, FP2_ENCODED_BYTES, fp2ToBytes } from './bls/fp2';
import { G1_ENCODED_BYTES, g1Decode } from './bls/g1';
import { G2_AFFINE_BYTES, G2_ENCODED_BYTES, g2Decode } from './bls/g2';
import {
  G1_COMPRESSED_BYTES, G2_COMPRESSED_BYTES, g1DecodeCheckedUnsafe, g1EncodeCompressedAffine, g2DecodeCheckedUnsafe,
  g2EncodeCompressedAffine,
} from './bls/decode';

/** Most encodings one call takes. */
export const POINTS_MAX_COUNT: i32 = 1024;

const INPUT: usize = memory.data(POINTS_MAX_COUNT * G2_ENCODED_BYTES, 16);
const OUTPUT: usize = memory.data(POINTS_MAX_COUNT * G2_ENCODED_BYTES, 16);
const AFFINE: usize = memory.data(G2_AFFINE_BYTES, 16);

export function pointsMaxCount(): i32 {
  return POINTS_MAX_COUNT;
}
export function pointsInputOffset(): usize {
  return INPUT;
}
export function pointsOutputOffset(): usize {
  return OUTPUT;
}
/** Index of the input that made the last failing call fail (−1: the count or length). */
export function pointsFailedInput(): i32 {
  return failedInputIndex;
}

function countIsValid(count: i32): bool {
  if (count >= 1 && count <= POINTS_MAX_COUNT) return true;
  setFailedInput(-1);
  return false;
}

/** Uncompressed infinity: 0x40 ‖ zeros. */
function writeInfinity(out: usize, length: i32): void {
  memory.fill(out, 0, length);
  store<u8>(out, 0x40);
}

/** Validates `count` G1 encodings of `length` (48 or 96) bytes; OUTPUT gets them uncompressed (96 bytes each). */
export function pointsValidateG1(count: i32, length: i32, allowInfinity: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  if (length != G1_COMPRESSED_BYTES && length != G1_ENCODED_BYTES) {
    setFailedInput(-1);
    return DECODE_BAD_LENGTH;
  }
  for (let i = 0; i < count; i++) {
    const out = OUTPUT + <usize>i * <usize>G1_ENCODED_BYTES;
    const status = g1DecodeCheckedUnsafe(AFFINE, INPUT + <usize>i * <usize>length, length);
    if (status == DECODE_POINT) {
      fpToBytes(out, AFFINE);
      fpToBytes(out + <usize>FP_ENCODED_BYTES, AFFINE + <usize>FP_BYTES);
      continue;
    }
    if (status == DECODE_INFINITY && allowInfinity != 0) {
      writeInfinity(out, G1_ENCODED_BYTES);
      continue;
    }
    setFailedInput(i);
    return status == DECODE_INFINITY ? DECODE_INFINITY_NOT_ALLOWED : status;
  }
  return 0;
}

/** Validates `count` G2 encodings of `length` (96 or 192) bytes; OUTPUT gets them uncompressed (192 bytes each). */
export function pointsValidateG2(count: i32, length: i32, allowInfinity: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  if (length != G2_COMPRESSED_BYTES && length != G2_ENCODED_BYTES) {
    setFailedInput(-1);
    return DECODE_BAD_LENGTH;
  }
  for (let i = 0; i < count; i++) {
    const out = OUTPUT + <usize>i * <usize>G2_ENCODED_BYTES;
    const status = g2DecodeCheckedUnsafe(AFFINE, INPUT + <usize>i * <usize>length, length);
    if (status == DECODE_POINT) {
      fp2ToBytes(out, AFFINE);
      fp2ToBytes(out + <usize>FP2_ENCODED_BYTES, AFFINE + <usize>FP2_BYTES);
      continue;
    }
    if (status == DECODE_INFINITY && allowInfinity != 0) {
      writeInfinity(out, G2_ENCODED_BYTES);
      continue;
    }
    setFailedInput(i);
    return status == DECODE_INFINITY ? DECODE_INFINITY_NOT_ALLOWED : status;
  }
  return 0;
}

/** `count` 48-byte compressed G1 encodings → 96-byte uncompressed, subgroup-checked, infinity allowed. */
export function pointsDecompressG1(count: i32): i32 {
  return pointsValidateG1(count, G1_COMPRESSED_BYTES, 1);
}

/** `count` 96-byte compressed G2 encodings → 192-byte uncompressed, subgroup-checked, infinity allowed. */
export function pointsDecompressG2(count: i32): i32 {
  return pointsValidateG2(count, G2_COMPRESSED_BYTES, 1);
}

/** `count` 96-byte uncompressed G1 encodings → 48-byte compressed (no subgroup check). */
export function pointsCompressG1(count: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  for (let i = 0; i < count; i++) {
    const out = OUTPUT + <usize>i * <usize>G1_COMPRESSED_BYTES;
    const status = g1Decode(AFFINE, INPUT + <usize>i * <usize>G1_ENCODED_BYTES);
    if (status == DECODE_POINT) {
      g1EncodeCompressedAffine(out, AFFINE);
    } else if (status == DECODE_INFINITY) {
      memory.fill(out, 0, G1_COMPRESSED_BYTES);
      store<u8>(out, 0xc0);
    } else {
      setFailedInput(i);
      return status;
    }
  }
  return 0;
}

/** `count` 192-byte uncompressed G2 encodings → 96-byte compressed (no subgroup check). */
export function pointsCompressG2(count: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  for (let i = 0; i < count; i++) {
    const out = OUTPUT + <usize>i * <usize>G2_COMPRESSED_BYTES;
    const status = g2Decode(AFFINE, INPUT + <usize>i * <usize>G2_ENCODED_BYTES);
    if (status == DECODE_POINT) {
      g2EncodeCompressedAffine(out, AFFINE);
    } else if (status == DECODE_INFINITY) {
      memory.fill(out, 0, G2_COMPRESSED_BYTES);
      store<u8>(out, 0xc0);
    } else {
      setFailedInput(i);
      return status;
    }
  }
  return 0;
}
