/**
 * The batch operations of threshold BLS over the scalar field Fr (arithmetic in ./field.ts), exported
 * to the TypeScript wrapper (src/wasm/fr.ts): Lagrange coefficients at x = 0, Shamir polynomial
 * evaluation at x = 1..n, Lagrange interpolation of field values at x = 0, and element-wise batches.
 * Batch inversion (Montgomery's trick) makes each call one field inversion, whatever the count.
 *
 * Byte format at the boundary: a scalar is 32 bytes, little-endian, canonical (< r). Share indices are
 * u32, little-endian, 1-based. Lagrange coefficients follow the convention of Charon, herumi and SSV:
 * share i is the polynomial at x = i, and the secret is the value at x = 0, so
 *   λᵢ = Π_{j≠i} xⱼ / (xⱼ − xᵢ),   secret = Σ λᵢ · f(xᵢ).
 *
 * Memory contract (src/wasm/core.ts): every region below is static; nothing is allocated in a call.
 */
import {
  FR_BYTES, MONT_ONE, add, allCanonical, copy, fromMont, invertUnsafe, isZero, mulMont, smallToMont,
  sub, toMont,
} from './field';

/** Largest count any Fr batch call accepts: shares per cluster, coefficients per polynomial. */
export const FR_MAX_COUNT: i32 = 4096;

/** Status codes returned by the batch calls (0 is success). */
export const FR_ERR_ZERO_INDEX: i32 = -1;
export const FR_ERR_DUPLICATE_INDEX: i32 = -2;
export const FR_ERR_COUNT: i32 = -3;
export const FR_ERR_NOT_CANONICAL: i32 = -4;
export const FR_ERR_NOT_INVERTIBLE: i32 = -5;

const REGION_BYTES: i32 = FR_MAX_COUNT * FR_BYTES;

// Input and output regions the TypeScript wrapper fills and reads.
const INDICES = memory.data(FR_MAX_COUNT * 4, 16);
const SCALARS_A = memory.data(REGION_BYTES, 16);
const SCALARS_B = memory.data(REGION_BYTES, 16);
const OUTPUT = memory.data(REGION_BYTES, 16);
// Private scratch.
const SCRATCH_X = memory.data(REGION_BYTES, 16);
const SCRATCH_D = memory.data(REGION_BYTES, 16);
const SCRATCH_PREFIX = memory.data(REGION_BYTES, 16);
const SCRATCH_LAMBDA = memory.data(REGION_BYTES, 16);
const TMP_A = memory.data(FR_BYTES, 16);
const TMP_B = memory.data(FR_BYTES, 16);
const TMP_C = memory.data(FR_BYTES, 16);

export function frIndicesPtr(): usize {
  return INDICES;
}
export function frScalarsAPtr(): usize {
  return SCALARS_A;
}
export function frScalarsBPtr(): usize {
  return SCALARS_B;
}
export function frOutputPtr(): usize {
  return OUTPUT;
}
export function frMaxCount(): i32 {
  return FR_MAX_COUNT;
}

// ---------------------------------------------------------------------------------------------------
// Batch inversion and Lagrange coefficients (internal)

/**
 * Montgomery's batch inversion: out[i] = in[i]⁻¹ for `count` elements (Montgomery form), one field
 * inversion in all. Returns false, writing nothing useful, if any element is zero. out may alias in.
 */
function invertBatch(out: usize, input: usize, count: i32): bool {
  copy(SCRATCH_PREFIX, input);
  for (let i: i32 = 1; i < count; i++) {
    const at = <usize>i * FR_BYTES;
    mulMont(SCRATCH_PREFIX + at, SCRATCH_PREFIX + at - FR_BYTES, input + at);
  }
  const last = SCRATCH_PREFIX + <usize>(count - 1) * FR_BYTES;
  if (isZero(last)) return false;
  invertUnsafe(TMP_B, last);
  for (let i: i32 = count - 1; i > 0; i--) {
    const at = <usize>i * FR_BYTES;
    // TMP_B = (in[0]·…·in[i])⁻¹; in[i]⁻¹ = TMP_B · prefix[i−1]; then drop in[i] from TMP_B.
    mulMont(TMP_A, TMP_B, SCRATCH_PREFIX + at - FR_BYTES);
    mulMont(TMP_B, TMP_B, input + at);
    copy(out + at, TMP_A);
  }
  copy(out, TMP_B);
  return true;
}

/**
 * λᵢ at x = 0 in Montgomery form into `out`, for `count` u32 indices at `indicesPtr`.
 * λᵢ = N / dᵢ with N = Π xⱼ and dᵢ = xᵢ · Π_{j≠i} (xⱼ − xᵢ): O(count²) multiplications, one inversion.
 */
function lagrangeMont(indicesPtr: usize, count: i32, out: usize): i32 {
  if (count < 1 || count > FR_MAX_COUNT) return FR_ERR_COUNT;
  for (let i: i32 = 0; i < count; i++) {
    const index = load<u32>(indicesPtr + (<usize>i << 2));
    if (index == 0) return FR_ERR_ZERO_INDEX;
    smallToMont(SCRATCH_X + <usize>i * FR_BYTES, index);
  }
  copy(TMP_C, MONT_ONE);
  for (let i: i32 = 0; i < count; i++) {
    const xi = SCRATCH_X + <usize>i * FR_BYTES;
    const di = SCRATCH_D + <usize>i * FR_BYTES;
    copy(di, xi);
    for (let j: i32 = 0; j < count; j++) {
      if (j == i) continue;
      sub(TMP_A, SCRATCH_X + <usize>j * FR_BYTES, xi);
      if (isZero(TMP_A)) return FR_ERR_DUPLICATE_INDEX;
      mulMont(di, di, TMP_A);
    }
    mulMont(TMP_C, TMP_C, xi);
  }
  // TMP_C = N survives invertBatch (which uses TMP_A and TMP_B only).
  if (!invertBatch(out, SCRATCH_D, count)) return FR_ERR_NOT_INVERTIBLE;
  for (let i: i32 = 0; i < count; i++) {
    const at = out + <usize>i * FR_BYTES;
    mulMont(at, at, TMP_C);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------
// Exported batch calls

/**
 * Lagrange coefficients at x = 0: reads `count` share indices (u32 LE, 1-based, distinct) at
 * `indicesPtr` and writes `count` canonical little-endian 32-byte scalars λᵢ at `outPtr`.
 * Returns 0 or FR_ERR_COUNT / FR_ERR_ZERO_INDEX / FR_ERR_DUPLICATE_INDEX.
 * Used directly by the curve code's threshold combine.
 */
export function lagrangeAtZero(indicesPtr: usize, count: i32, outPtr: usize): i32 {
  const status = lagrangeMont(indicesPtr, count, outPtr);
  if (status != 0) return status;
  for (let i: i32 = 0; i < count; i++) {
    const at = outPtr + <usize>i * FR_BYTES;
    fromMont(at, at);
  }
  return 0;
}

/**
 * Shamir polynomial evaluation: `degreePlusOne` coefficients (canonical scalars, coefficient 0 is the
 * secret) at `coefficientsPtr`, evaluated by Horner's rule at x = 1..`pointCount`, results at `outPtr`.
 */
export function shamirEvaluate(coefficientsPtr: usize, degreePlusOne: i32, pointCount: i32, outPtr: usize): i32 {
  if (degreePlusOne < 1 || degreePlusOne > FR_MAX_COUNT || pointCount < 1 || pointCount > FR_MAX_COUNT) {
    return FR_ERR_COUNT;
  }
  if (!allCanonical(coefficientsPtr, degreePlusOne)) return FR_ERR_NOT_CANONICAL;
  for (let k: i32 = 0; k < degreePlusOne; k++) {
    const at = <usize>k * FR_BYTES;
    toMont(SCRATCH_PREFIX + at, coefficientsPtr + at);
  }
  for (let x: i32 = 1; x <= pointCount; x++) {
    smallToMont(TMP_B, <u32>x);
    copy(TMP_A, SCRATCH_PREFIX + <usize>(degreePlusOne - 1) * FR_BYTES);
    for (let k: i32 = degreePlusOne - 2; k >= 0; k--) {
      mulMont(TMP_A, TMP_A, TMP_B);
      add(TMP_A, TMP_A, SCRATCH_PREFIX + <usize>k * FR_BYTES);
    }
    fromMont(outPtr + <usize>(x - 1) * FR_BYTES, TMP_A);
  }
  return 0;
}

/**
 * Lagrange interpolation at x = 0: Σ λᵢ · valueᵢ for `count` (index, value) pairs — the secret from
 * t shares. Indices u32 at `indicesPtr`, values canonical scalars at `valuesPtr`, one scalar at `outPtr`.
 */
export function lagrangeInterpolateAtZero(indicesPtr: usize, valuesPtr: usize, count: i32, outPtr: usize): i32 {
  if (count < 1 || count > FR_MAX_COUNT) return FR_ERR_COUNT;
  if (!allCanonical(valuesPtr, count)) return FR_ERR_NOT_CANONICAL;
  const status = lagrangeMont(indicesPtr, count, SCRATCH_LAMBDA);
  if (status != 0) return status;
  memory.fill(TMP_C, 0, FR_BYTES);
  for (let i: i32 = 0; i < count; i++) {
    const at = <usize>i * FR_BYTES;
    // λ (Montgomery) · v (plain) · R⁻¹ = λ·v in plain form: no conversion of v needed.
    mulMont(TMP_A, SCRATCH_LAMBDA + at, valuesPtr + at);
    add(TMP_C, TMP_C, TMP_A);
  }
  copy(outPtr, TMP_C);
  return 0;
}

/** Element-wise field operations over `count` canonical scalars (used for checks and by callers batching). */
export const FR_OP_ADD: i32 = 0;
export const FR_OP_SUB: i32 = 1;
export const FR_OP_MUL: i32 = 2;
export const FR_OP_INVERT: i32 = 3;

/**
 * out[i] = a[i] op b[i] (b unused for FR_OP_INVERT, which inverts all of a with one field inversion and
 * fails with FR_ERR_NOT_INVERTIBLE if any a[i] is zero).
 */
export function frBatch(op: i32, aPtr: usize, bPtr: usize, count: i32, outPtr: usize): i32 {
  if (count < 1 || count > FR_MAX_COUNT || op < FR_OP_ADD || op > FR_OP_INVERT) return FR_ERR_COUNT;
  if (!allCanonical(aPtr, count)) return FR_ERR_NOT_CANONICAL;
  if (op != FR_OP_INVERT && !allCanonical(bPtr, count)) return FR_ERR_NOT_CANONICAL;
  if (op == FR_OP_INVERT) {
    for (let i: i32 = 0; i < count; i++) {
      const at = <usize>i * FR_BYTES;
      toMont(SCRATCH_X + at, aPtr + at);
    }
    if (!invertBatch(SCRATCH_X, SCRATCH_X, count)) return FR_ERR_NOT_INVERTIBLE;
    for (let i: i32 = 0; i < count; i++) {
      const at = <usize>i * FR_BYTES;
      fromMont(outPtr + at, SCRATCH_X + at);
    }
    return 0;
  }
  for (let i: i32 = 0; i < count; i++) {
    const at = <usize>i * FR_BYTES;
    if (op == FR_OP_ADD) add(outPtr + at, aPtr + at, bPtr + at);
    else if (op == FR_OP_SUB) sub(outPtr + at, aPtr + at, bPtr + at);
    else {
      // a (plain) · (b · R) · R⁻¹ = a·b plain.
      toMont(TMP_A, bPtr + at);
      mulMont(outPtr + at, aPtr + at, TMP_A);
    }
  }
  return 0;
}
