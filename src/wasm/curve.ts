/**
 * BLS12-381 multi-scalar multiplication and threshold combination over the WebAssembly core
 * (assembly/curve.ts, assembly/bls/): Straus / interleaved wNAF with the GLV (G1) and ψ (G2)
 * endomorphisms; see assembly/bls/msm.ts.
 *
 * Points cross the boundary in the uncompressed ZCash/blst encoding: G1 96 bytes (x ‖ y), G2
 * 192 bytes (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0), big-endian, infinity = 0x40 followed by zeros. This is what
 * `PublicKey.toBytes(false)` / `Signature.toBytes(false)` of @chainsafe/blst produce and what their
 * `fromBytes` accept. The core trusts that points are in the prime-order subgroup (blst checks that
 * when it deserializes, DESIGN.md §2) but rejects bytes that are not on the curve, non-canonical
 * coordinates and bad flags.
 *
 * - `g1Msm(points, scalars)` → 96 bytes: Σ scalars[i]·points[i] on G1.
 * - `g2Msm(points, scalars)` → 192 bytes: the same on G2.
 * - `combineG2(indices, partials)` → 192 bytes: the threshold signature Σ λ_i·σ_i, where λ_i are the
 *   Lagrange coefficients at x = 0 of the 1-based share indices (DESIGN.md §4).
 * - `interpolateG1(indices, publicShares)` → 96 bytes: the group public key from public key shares.
 * Scalars are bigints in [0, r). At most `CURVE_MAX_POINTS` (4,096) points per call. Every function
 * throws an Error saying what was expected and what came on bad input. The functions are
 * variable-time: they are meant for public data (signatures, public keys, coefficients).
 */
import { coreFunction, loadWasmCore, type WasmCore } from './core.js';
import { assertBytes, describe } from './errors.js';

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
};

export function curveApi(core: WasmCore) {
  const exports = {
    maxPoints: coreFunction(core, 'curveMaxPoints'),
    pointsOffset: coreFunction(core, 'curvePointsOffset'),
    scalarsOffset: coreFunction(core, 'curveScalarsOffset'),
    outputOffset: coreFunction(core, 'curveOutputOffset'),
    failedInput: coreFunction(core, 'curveFailedInput'),
    g1Msm: coreFunction(core, 'curveG1Msm'),
    g2Msm: coreFunction(core, 'curveG2Msm'),
  };
  const maxPoints = exports.maxPoints();
  const pointsOffset = exports.pointsOffset();
  const scalarsOffset = exports.scalarsOffset();
  const outputOffset = exports.outputOffset();

  function checkCount(what: string, count: number): void {
    if (count < 1 || count > maxPoints) {
      throw new RangeError(`${what}: expected 1 to ${maxPoints} points, got ${count}`);
    }
  }

  function writePoints(what: string, points: readonly Uint8Array[], size: number): void {
    const memory = core.bytes();
    points.forEach((point, i) => {
      assertBytes(`${what}: point ${i}`, point, size);
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
      const message = STATUS_MESSAGES[status] ?? `failed with status ${status}`;
      throw new Error(`${what}: ${status === -4 ? 'scalar' : input} ${index} ${message}`);
    }
    return core.view(outputOffset, size).slice();
  }

  function msm(what: string, fn: (count: number) => number, size: number, points: readonly Uint8Array[], scalars: readonly bigint[]): Uint8Array {
    if (!Array.isArray(points)) throw new TypeError(`${what}: expected an array of points, got ${describe(points)}`);
    if (!Array.isArray(scalars)) throw new TypeError(`${what}: expected an array of scalars, got ${describe(scalars)}`);
    if (points.length !== scalars.length) {
      throw new RangeError(`${what}: expected as many scalars as points, got ${points.length} points and ${scalars.length} scalars`);
    }
    checkCount(what, points.length);
    writePoints(what, points, size);
    writeScalars(what, scalars);
    return run(what, fn, points.length, size, 'point');
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
  };
}

export const { g1Msm, g2Msm } = curveApi(loadWasmCore('release'));
