/**
 * BLS12-381 multi-scalar multiplication and threshold combination over the WebAssembly core
 * (assembly/curve.ts, assembly/bls/): Straus / interleaved wNAF with the GLV (G1) and ψ (G2)
 * endomorphisms for small counts, the bucket method (Pippenger) from 96 (G1) / 64 (G2) points; see
 * assembly/bls/msm.ts. `curveApi(core)` binds the functions to one build; the top-level exports use
 * the release build.
 *
 * Points cross the boundary in the uncompressed ZCash/blst encoding: G1 96 bytes (x ‖ y), G2
 * 192 bytes (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0), big-endian, infinity = 0x40 followed by zeros. This is what
 * `PublicKey.toBytes(false)` / `Signature.toBytes(false)` of @chainsafe/blst produce and what their
 * `fromBytes` accept. The core trusts that points are in the prime-order subgroup (blst checks that
 * when it deserializes, docs/architecture.md §2) but rejects bytes that are not on the curve, non-canonical
 * coordinates and bad flags.
 *
 * - `g1Msm(points, scalars)` → 96 bytes: Σ scalars[i]·points[i] on G1.
 * - `g2Msm(points, scalars)` → 192 bytes: the same on G2.
 * - `combineG2(indices, partials)` → 192 bytes: the threshold signature Σ λ_i·σ_i, where λ_i are the
 *   Lagrange coefficients at x = 0 of the 1-based share indices (docs/architecture.md §5).
 * - `interpolateG1(indices, publicShares)` → 96 bytes: the group public key from public key shares.
 * Scalars are bigints in [0, r). At most `CURVE_MAX_POINTS` (4,096) points per call. Every function
 * throws an Error saying what was expected and what came on bad input. The functions are
 * variable-time: they are meant for public data (signatures, public keys, coefficients).
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, assertBytes, describe } from '../bytes/index.js';

/** The order r of G1 and G2 (the BLS12-381 scalar field). */
const GROUP_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const G1_BYTES = 96;
const G2_BYTES = 192;
const SCALAR_BYTES = 32;

/** Status codes of assembly/bls/encoding.ts. */
const STATUS_MESSAGES: Record<number, string> = {
  [-1]: 'has invalid flag bits (expected an uncompressed encoding: top bits 0, or 0x40 and all zeros for infinity)',
  [-2]: 'has a coordinate that is not a canonical field element (not below p)',
  [-3]: 'is not on the curve',
  [-4]: 'is not below the group order r',
  [-8]: 'has small order (not in the prime-order subgroup; validate points with blst first)',
};
const MAX_SHARE_INDEX = 0xffffffff;

export function curveApi(core: WasmCore) {
  const exports = {
    maxPoints: coreFunction(core, 'curveMaxPoints'),
    pointsOffset: coreFunction(core, 'curvePointsOffset'),
    scalarsOffset: coreFunction(core, 'curveScalarsOffset'),
    outputOffset: coreFunction(core, 'curveOutputOffset'),
    failedInput: coreFunction(core, 'curveFailedInput'),
    g1Msm: coreFunction(core, 'curveG1Msm'),
    g2Msm: coreFunction(core, 'curveG2Msm'),
    indicesOffset: coreFunction(core, 'curveIndicesOffset'),
    combineG2: coreFunction(core, 'curveCombineG2'),
    interpolateG1: coreFunction(core, 'curveInterpolateG1'),
  };
  const maxPoints = exports.maxPoints();
  const pointsOffset = exports.pointsOffset();
  const scalarsOffset = exports.scalarsOffset();
  const outputOffset = exports.outputOffset();
  const indicesOffset = exports.indicesOffset();

  function checkCount(what: string, count: number, input: string): void {
    if (count < 1 || count > maxPoints) {
      throw new RangeError(`${what}: expected 1 to ${maxPoints} ${input}s, got ${count}`);
    }
  }

  function writePoints(what: string, points: readonly Uint8Array[], size: number, input: string): void {
    const memory = core.bytes();
    points.forEach((point, i) => {
      assertBytes(`${what}: ${input} ${i}`, point, size);
      memory.set(point, pointsOffset + i * size);
    });
  }

  function writeScalars(what: string, scalars: readonly bigint[]): void {
    const memory = core.bytes();
    scalars.forEach((scalar, i) => {
      if (typeof scalar !== 'bigint' || scalar < 0n || scalar >= GROUP_ORDER) {
        throw new RangeError(`${what}: scalar ${i}: expected a bigint in [0, r), got ${describe(scalar)}`);
      }
      let rest = scalar;
      const at = scalarsOffset + i * SCALAR_BYTES;
      for (let k = 0; k < SCALAR_BYTES; k++) {
        memory[at + k] = Number(rest & 0xffn);
        rest >>= 8n;
      }
    });
  }

  function run(what: string, fn: (count: number) => number, count: number, size: number, input: string): Uint8Array {
    const status = fn(count);
    if (status !== 0) {
      const index = exports.failedInput();
      const message = STATUS_MESSAGES[status];
      if (message === undefined) throw new Error(`${what}: the core failed with status ${status}`);
      throw new Error(`${what}: ${status === -4 ? 'scalar' : input} ${index} ${message}`);
    }
    return core.view(outputOffset, size).slice();
  }

  function msm(what: string, fn: (count: number) => number, size: number, points: readonly Uint8Array[], scalars: readonly bigint[]): Uint8Array {
    assertArray(what, points, { of: 'points' });
    assertArray(what, scalars, { of: 'scalars' });
    if (points.length !== scalars.length) {
      throw new RangeError(`${what}: expected as many scalars as points, got ${points.length} points and ${scalars.length} scalars`);
    }
    checkCount(what, points.length, 'point');
    writePoints(what, points, size, 'point');
    writeScalars(what, scalars);
    return run(what, fn, points.length, size, 'point');
  }

  /** Checks share indices (integers 1..2^32 − 1, pairwise distinct) and writes them as u32. */
  function writeIndices(what: string, indices: readonly number[]): void {
    const seen = new Set<number>();
    const view = new DataView(core.memory.buffer);
    indices.forEach((index, i) => {
      if (!Number.isInteger(index) || index < 1 || index > MAX_SHARE_INDEX) {
        throw new RangeError(`${what}: index ${i}: expected an integer share index in 1..${MAX_SHARE_INDEX}, got ${describe(index)}`);
      }
      if (seen.has(index)) throw new RangeError(`${what}: index ${i}: duplicate share index ${index}`);
      seen.add(index);
      view.setUint32(indicesOffset + 4 * i, index, true);
    });
  }

  function threshold(what: string, fn: (count: number) => number, size: number, indices: readonly number[], points: readonly Uint8Array[], input: string): Uint8Array {
    assertArray(what, indices, { of: 'share indices' });
    assertArray(what, points, { of: `${input}s` });
    if (indices.length !== points.length) {
      throw new RangeError(`${what}: expected one share index per ${input}, got ${indices.length} indices and ${points.length} ${input}s`);
    }
    checkCount(what, points.length, input);
    writeIndices(what, indices);
    writePoints(what, points, size, input);
    return run(what, fn, points.length, size, input);
  }

  return {
    /** Σ scalars[i]·points[i] on G1; points are 96-byte uncompressed encodings; returns 96 bytes. */
    g1Msm(points: readonly Uint8Array[], scalars: readonly bigint[]): Uint8Array {
      return msm('g1Msm', exports.g1Msm, G1_BYTES, points, scalars);
    },
    /** Σ scalars[i]·points[i] on G2; points are 192-byte uncompressed encodings; returns 192 bytes. */
    g2Msm(points: readonly Uint8Array[], scalars: readonly bigint[]): Uint8Array {
      return msm('g2Msm', exports.g2Msm, G2_BYTES, points, scalars);
    },
    /**
     * The threshold signature from t partial signatures: Σ λ_i·partials[i] with λ_i the Lagrange
     * coefficients at 0 of the 1-based share indices; 192-byte encodings in and out.
     */
    combineG2(indices: readonly number[], partials: readonly Uint8Array[]): Uint8Array {
      return threshold('combineG2', exports.combineG2, G2_BYTES, indices, partials, 'partial');
    },
    /** The group public key from t public key shares (96-byte encodings), as combineG2 on G1. */
    interpolateG1(indices: readonly number[], publicShares: readonly Uint8Array[]): Uint8Array {
      return threshold('interpolateG1', exports.interpolateG1, G1_BYTES, indices, publicShares, 'public share');
    },
  };
}

export const { g1Msm, g2Msm, combineG2, interpolateG1 } = releaseApi(curveApi);
