/**
 * BLS12-381 multi-scalar multiplication and threshold combination: the exported surface of the core's
 * curve domain (the arithmetic lives in ./bls/). Memory contract of src/wasm/core.ts: fixed regions,
 * their offsets exported; a call reads its inputs there and writes its result to the output region.
 *
 * Regions: POINTS (encodings, 96 or 192 bytes each, uncompressed ZCash/blst format), SCALARS
 * (32 bytes little-endian each, below r), INDICES (u32 little-endian, 1-based share indices), OUTPUT
 * (one encoding). Up to CURVE_MAX_POINTS per call.
 *
 * The threshold calls (curveCombineG2, curveInterpolateG1) take share indices instead of scalars:
 * the Lagrange coefficients at x = 0 come from ./fr/batch.ts (lagrangeAtZero) straight into SCALARS,
 * then the MSM runs — one call from indices and partial signatures to the combined signature.
 * Every call returns 0 or a negative status of ./bls/encoding.ts; curveFailedInput() then names the
 * offending input.
 */
import {
  COUNT_OUT_OF_RANGE, DUPLICATE_INDEX, ZERO_INDEX, failedInputIndex, setFailedInput,
} from './bls/encoding';
import { FR_ERR_DUPLICATE_INDEX, FR_ERR_ZERO_INDEX, lagrangeAtZero } from './fr/batch';
import { g1Encode } from './bls/g1';
import { G2_ENCODED_BYTES, G2_JACOBIAN_BYTES, g2Encode } from './bls/g2';
import { SCALAR_BYTES, g1MsmUnsafe, g2MsmUnsafe } from './bls/msm';

/** Most points (and scalars) one call takes. */
export const CURVE_MAX_POINTS: i32 = 4096;

const POINTS: usize = memory.data(CURVE_MAX_POINTS * G2_ENCODED_BYTES, 16);
const SCALARS: usize = memory.data(CURVE_MAX_POINTS * SCALAR_BYTES, 16);
const INDICES: usize = memory.data(CURVE_MAX_POINTS * 4, 16);
const OUTPUT: usize = memory.data(G2_ENCODED_BYTES, 16);
/** The MSM's Jacobian result: the larger of the G1 and G2 Jacobian points. */
const RESULT: usize = memory.data(G2_JACOBIAN_BYTES, 16);

export function curveMaxPoints(): i32 {
  return CURVE_MAX_POINTS;
}
export function curvePointsOffset(): usize {
  return POINTS;
}
export function curveScalarsOffset(): usize {
  return SCALARS;
}
export function curveIndicesOffset(): usize {
  return INDICES;
}
export function curveOutputOffset(): usize {
  return OUTPUT;
}
/** Index of the input that made the last failing call fail. */
export function curveFailedInput(): i32 {
  return failedInputIndex;
}

function countIsValid(count: i32): bool {
  if (count >= 1 && count <= CURVE_MAX_POINTS) return true;
  setFailedInput(-1);
  return false;
}

/** OUTPUT = Σ SCALARS[i]·POINTS[i] over G1 (96-byte encodings). */
export function curveG1Msm(count: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  const status = g1MsmUnsafe(RESULT, POINTS, SCALARS, count);
  if (status == 0) g1Encode(OUTPUT, RESULT);
  return status;
}

/** OUTPUT = Σ SCALARS[i]·POINTS[i] over G2 (192-byte encodings). */
export function curveG2Msm(count: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  const status = g2MsmUnsafe(RESULT, POINTS, SCALARS, count);
  if (status == 0) g2Encode(OUTPUT, RESULT);
  return status;
}

/** SCALARS = Lagrange coefficients at 0 of INDICES; 0 or a negative status. */
function lagrangeIntoScalars(count: i32): i32 {
  const status = lagrangeAtZero(INDICES, count, SCALARS);
  if (status == 0) return 0;
  setFailedInput(-1);
  if (status == FR_ERR_ZERO_INDEX) return ZERO_INDEX;
  if (status == FR_ERR_DUPLICATE_INDEX) return DUPLICATE_INDEX;
  return COUNT_OUT_OF_RANGE;
}

/** OUTPUT = Σ λ_i·POINTS[i] over G2, λ_i the Lagrange coefficients at 0 of the share INDICES. */
export function curveCombineG2(count: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  const status = lagrangeIntoScalars(count);
  return status == 0 ? curveG2Msm(count) : status;
}

/** OUTPUT = Σ λ_i·POINTS[i] over G1 (the group public key from public key shares). */
export function curveInterpolateG1(count: i32): i32 {
  if (!countIsValid(count)) return COUNT_OUT_OF_RANGE;
  const status = lagrangeIntoScalars(count);
  return status == 0 ? curveG1Msm(count) : status;
}
