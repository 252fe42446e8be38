/**
 * The BLS12-381 scalar field Fr from the WebAssembly core (assembly/fr/): Lagrange coefficients at
 * x = 0, Shamir polynomial evaluation, Lagrange interpolation, and element-wise batch arithmetic.
 *
 * Conventions (Charon, herumi `Signature.recover`, SSV): share indices are integers 1..2³²−1, share i is
 * the polynomial at x = i, and the secret is the value at x = 0:
 *   λᵢ = Π_{j≠i} xⱼ / (xⱼ − xᵢ),   f(0) = Σ λᵢ · f(xᵢ).
 *
 * Scalars are `bigint`s in [0, r); the `…Into` variant writes 32-byte big-endian scalars (the byte order
 * of blst's `SecretKey.fromBytes` and of Ethereum) into a caller's buffer. At most `FR_MAX_COUNT` (4,096)
 * elements per call: larger inputs are rejected, never truncated.
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, describe } from '../bytes/index.js';

/** The BLS12-381 group order r. */
export const FR_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** Largest number of indices, coefficients, points or values one Fr call accepts. */
export const FR_MAX_COUNT = 4096;

const SCALAR_BYTES = 32;
const MAX_INDEX = 0xffffffff;

/** Status codes of assembly/fr/batch.ts. */
const STATUS_MESSAGES: Record<number, string> = {
  [-1]: 'a share index is 0',
  [-2]: 'share indices are not distinct',
  [-3]: `count outside 1..${FR_MAX_COUNT}`,
  [-4]: 'a scalar is not below the group order r',
  [-5]: 'an element is zero and has no inverse',
};

type FrOperation = 'add' | 'sub' | 'mul' | 'invert';
const OPERATION_CODES: Record<FrOperation, number> = { add: 0, sub: 1, mul: 2, invert: 3 };

export function frApi(core: WasmCore) {
  const lagrangeAtZero = coreFunction(core, 'lagrangeAtZero');
  const shamirEvaluateCore = coreFunction(core, 'shamirEvaluate');
  const interpolateCore = coreFunction(core, 'lagrangeInterpolateAtZero');
  const batchCore = coreFunction(core, 'frBatch');
  const indicesPtr = coreFunction(core, 'frIndicesPtr')();
  const scalarsAPtr = coreFunction(core, 'frScalarsAPtr')();
  const scalarsBPtr = coreFunction(core, 'frScalarsBPtr')();
  const outputPtr = coreFunction(core, 'frOutputPtr')();
  const capacity = coreFunction(core, 'frMaxCount')();
  if (capacity !== FR_MAX_COUNT) {
    throw new Error(`dst-sequencer/wasm: core capacity ${capacity} differs from FR_MAX_COUNT ${FR_MAX_COUNT}; rebuild`);
  }

  function check(status: number, operation: string): void {
    if (status !== 0) {
      throw new Error(`${operation}: ${STATUS_MESSAGES[status] ?? `core status ${status}`}`);
    }
  }

  function writeIndices(name: string, indices: readonly number[]): void {
    checkCount(name, indices);
    const view = new DataView(core.memory.buffer, indicesPtr, indices.length * 4);
    const seen = new Map<number, number>();
    indices.forEach((index, position) => {
      if (!Number.isInteger(index) || index < 1 || index > MAX_INDEX) {
        throw new RangeError(
          `${name}: share indices must be integers in 1..${MAX_INDEX}, got ${describe(index)} at position ${position}`,
        );
      }
      const earlier = seen.get(index);
      if (earlier !== undefined) {
        throw new RangeError(`${name}: share index ${index} appears twice (positions ${earlier} and ${position})`);
      }
      seen.set(index, position);
      view.setUint32(position * 4, index, true);
    });
  }

  function writeScalars(name: string, ptr: number, scalars: readonly bigint[]): void {
    checkCount(name, scalars);
    const bytes = core.view(ptr, scalars.length * SCALAR_BYTES);
    scalars.forEach((scalar, position) => {
      if (typeof scalar !== 'bigint' || scalar < 0n || scalar >= FR_MODULUS) {
        throw new RangeError(`${name}: expected scalars 0 <= k < r, got ${describe(scalar)} at position ${position}`);
      }
      writeLittleEndian(bytes, position * SCALAR_BYTES, scalar);
    });
  }

  function readScalars(count: number): bigint[] {
    const bytes = core.view(outputPtr, count * SCALAR_BYTES);
    return Array.from({ length: count }, (_, i) => readLittleEndian(bytes, i * SCALAR_BYTES));
  }

  /** λᵢ at x = 0 for the given distinct 1-based share indices, in the same order. */
  function lagrangeCoefficients(indices: readonly number[]): bigint[] {
    writeIndices('lagrangeCoefficients', indices);
    check(lagrangeAtZero(indicesPtr, indices.length, outputPtr), 'lagrangeCoefficients');
    return readScalars(indices.length);
  }

  /** As `lagrangeCoefficients`, writing 32-byte big-endian scalars into `out` (indices.length × 32 bytes). */
  function lagrangeCoefficientsInto(indices: readonly number[], out: Uint8Array): void {
    if (!(out instanceof Uint8Array) || out.length !== indices.length * SCALAR_BYTES) {
      throw new RangeError(
        `lagrangeCoefficientsInto: out must be a Uint8Array of ${indices.length * SCALAR_BYTES} bytes, got ${describe(out)}`,
      );
    }
    writeIndices('lagrangeCoefficientsInto', indices);
    check(lagrangeAtZero(indicesPtr, indices.length, outputPtr), 'lagrangeCoefficientsInto');
    const scalars = core.view(outputPtr, out.length);
    for (let i = 0; i < indices.length; i++) {
      for (let b = 0; b < SCALAR_BYTES; b++) out[i * SCALAR_BYTES + b] = scalars[i * SCALAR_BYTES + SCALAR_BYTES - 1 - b]!;
    }
  }

  /**
   * Evaluates the polynomial Σ coefficients[k]·x^k at x = 1..n (coefficients[0] is the secret):
   * the n Shamir shares of a threshold-t split, t = coefficients.length.
   */
  function shamirEvaluate(coefficients: readonly bigint[], n: number): bigint[] {
    if (!Number.isInteger(n) || n < 1 || n > FR_MAX_COUNT) {
      throw new RangeError(`shamirEvaluate: n must be an integer in 1..${FR_MAX_COUNT}, got ${describe(n)}`);
    }
    writeScalars('shamirEvaluate', scalarsAPtr, coefficients);
    check(shamirEvaluateCore(scalarsAPtr, coefficients.length, n, outputPtr), 'shamirEvaluate');
    return readScalars(n);
  }

  /** f(0) from the points (indices[i], values[i]): the secret from t shares of a threshold-t split. */
  function lagrangeInterpolate(indices: readonly number[], values: readonly bigint[]): bigint {
    if (!Array.isArray(values) || values.length !== indices.length) {
      throw new RangeError(
        `lagrangeInterpolate: expected one value per index (${indices.length}), got ${describe(values)}`,
      );
    }
    writeIndices('lagrangeInterpolate', indices);
    writeScalars('lagrangeInterpolate', scalarsAPtr, values);
    check(interpolateCore(indicesPtr, scalarsAPtr, indices.length, outputPtr), 'lagrangeInterpolate');
    return readScalars(1)[0]!;
  }

  /**
   * Element-wise a[i] op b[i] mod r for 'add' | 'sub' | 'mul'; for 'invert', a[i]⁻¹ with one field
   * inversion for the whole batch (b is ignored; a zero element is an error).
   */
  function frBatch(operation: FrOperation, a: readonly bigint[], b: readonly bigint[] = []): bigint[] {
    const code = OPERATION_CODES[operation];
    if (code === undefined) throw new RangeError(`frBatch: unknown operation ${describe(operation)}`);
    writeScalars(`frBatch(${operation})`, scalarsAPtr, a);
    if (operation !== 'invert') {
      if (b.length !== a.length) {
        throw new RangeError(`frBatch(${operation}): expected ${a.length} right-hand operands, got ${b.length}`);
      }
      writeScalars(`frBatch(${operation})`, scalarsBPtr, b);
    }
    check(batchCore(code, scalarsAPtr, scalarsBPtr, a.length, outputPtr), `frBatch(${operation})`);
    return readScalars(a.length);
  }

  return { lagrangeCoefficients, lagrangeCoefficientsInto, shamirEvaluate, lagrangeInterpolate, frBatch };
}

function checkCount(name: string, items: readonly unknown[]): void {
  assertArray(name, items);
  if (items.length < 1 || items.length > FR_MAX_COUNT) {
    throw new RangeError(`${name}: expected 1..${FR_MAX_COUNT} elements, got ${items.length}`);
  }
}

function writeLittleEndian(bytes: Uint8Array, offset: number, value: bigint): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, SCALAR_BYTES);
  for (let word = 0; word < 4; word++) view.setBigUint64(word * 8, BigInt.asUintN(64, value >> BigInt(64 * word)), true);
}

function readLittleEndian(bytes: Uint8Array, offset: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, SCALAR_BYTES);
  return (
    view.getBigUint64(0, true) |
    (view.getBigUint64(8, true) << 64n) |
    (view.getBigUint64(16, true) << 128n) |
    (view.getBigUint64(24, true) << 192n)
  );
}

export const { lagrangeCoefficients, lagrangeCoefficientsInto, shamirEvaluate, lagrangeInterpolate, frBatch } =
  releaseApi(frApi);
