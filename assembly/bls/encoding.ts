/**
 * Status codes shared by point decoding (g1.ts, g2.ts) and the MSM calls (msm.ts, ../curve.ts).
 * Negative values are errors; src/wasm/curve.ts turns them into messages, naming the offending input
 * by `failedInputIndex`.
 */
export const DECODE_POINT: i32 = 0;
export const DECODE_INFINITY: i32 = 1;
/** A flag bit other than "infinity" is set, or infinity with a non-zero body. */
export const DECODE_BAD_FLAGS: i32 = -1;
/** A coordinate is not below p. */
export const DECODE_NOT_CANONICAL: i32 = -2;
/** The coordinates do not satisfy the curve equation. */
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

/** Index of the input that made the last call fail. */
export let failedInputIndex: i32 = -1;

export function setFailedInput(index: i32): void {
  failedInputIndex = index;
}
