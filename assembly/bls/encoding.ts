/**
 * Status codes shared by point decoding (g1.ts, g2.ts, decode.ts), the MSM calls (msm.ts, ../curve.ts)
 * and the point validation calls (../points.ts).
 * Negative values are errors; src/wasm/curve.ts turns them into messages, naming the offending input
 * by `failedInputIndex`.
 */
export const DECODE_POINT: i32 = 0;
export const DECODE_INFINITY: i32 = 1;
/**
 * Bad flag bits: the compressed flag (0x80) does not match the length, the sort flag (0x20) on an
 * uncompressed encoding or on infinity, or infinity (0x40) with any other bit set.
 */
export const DECODE_BAD_FLAGS: i32 = -1;
/** A coordinate is not below p. */
export const DECODE_NOT_CANONICAL: i32 = -2;
/** The coordinates do not satisfy the curve equation (compressed: x^3 + b has no square root). */
export const DECODE_NOT_ON_CURVE: i32 = -3;
/** A scalar is not below the group order r. */
export const SCALAR_OUT_OF_RANGE: i32 = -4;
/** The point count is outside 1..capacity. */
export const COUNT_OUT_OF_RANGE: i32 = -5;

/** A share index is zero (threshold calls). */
export const ZERO_INDEX: i32 = -6;
/** Two share indices are equal (threshold calls). */
export const DUPLICATE_INDEX: i32 = -7;

/** A point has small order (not in the prime-order subgroup): its table of multiples degenerates. */
export const SMALL_ORDER: i32 = -8;

/** A point on the curve but not in the prime-order subgroup (decode.ts subgroup tests). */
export const DECODE_NOT_IN_SUBGROUP: i32 = -9;
/** The point at infinity where it is not allowed (a public key, Ethereum KeyValidate). */
export const DECODE_INFINITY_NOT_ALLOWED: i32 = -10;
/** An encoding length other than 48/96 (G1) or 96/192 (G2) bytes. */
export const DECODE_BAD_LENGTH: i32 = -11;

/** Index of the input that made the last call fail. */
export let failedInputIndex: i32 = -1;

export function setFailedInput(index: i32): void {
  failedInputIndex = index;
}
