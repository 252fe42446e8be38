/**
 * The two curve operations threshold BLS needs and native blst does not expose (DESIGN.md §2):
 *
 * - `combineG2(indices, partials)`: Σ λᵢ·σᵢ over G2, λᵢ the Lagrange coefficients at x = 0 of the
 *   share indices; partials are 192-byte uncompressed affine points (blst's / ZCash's serialization),
 *   already deserialized and subgroup-checked by blst; returns the 192-byte uncompressed sum.
 * - `interpolateG1(indices, publicShares)`: the same over G1 with 96-byte uncompressed points, giving
 *   the group public key from any t public shares.
 *
 * This is the ONLY module of `src/crypto` that names these functions, so that the WebAssembly
 * multi-scalar multiplication (issue 3) replaces this body with one re-export line.
 *
 * TODO(issue 3): when `combineG2` and `interpolateG1` are exported by `src/wasm/index.ts`, replace
 * everything below this comment with
 *   export { combineG2, interpolateG1 } from '../wasm/index.js';
 * and drop the `@noble/curves` import (a devDependency, acceptable only in this temporary bridge).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { lagrangeCoefficients } from '../wasm/index.js';

const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;

/** Σ λᵢ·σᵢ over G2 with λ the Lagrange coefficients at x = 0 of `indices`. */
export function combineG2(indices: readonly number[], partials: readonly Uint8Array[]): Uint8Array {
  const lambdas = lagrangeCoefficients(indices);
  let sum = G2.ZERO;
  for (let i = 0; i < partials.length; i++) {
    sum = sum.add(G2.fromBytes(partials[i]!).multiply(lambdas[i]!));
  }
  return uncompressed(sum, 192);
}

/** Σ λᵢ·Pᵢ over G1 with λ the Lagrange coefficients at x = 0 of `indices`. */
export function interpolateG1(indices: readonly number[], publicShares: readonly Uint8Array[]): Uint8Array {
  const lambdas = lagrangeCoefficients(indices);
  let sum = G1.ZERO;
  for (let i = 0; i < publicShares.length; i++) {
    sum = sum.add(G1.fromBytes(publicShares[i]!).multiply(lambdas[i]!));
  }
  return uncompressed(sum, 96);
}

/** Uncompressed serialization; the point at infinity is the flag byte 0x40 then zeros (ZCash format). */
function uncompressed(point: { is0(): boolean; toBytes(compressed: boolean): Uint8Array }, length: number): Uint8Array {
  if (!point.is0()) return point.toBytes(false);
  const infinity = new Uint8Array(length);
  infinity[0] = 0x40;
  return infinity;
}
