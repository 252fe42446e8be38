/**
 * The two curve operations threshold BLS needs and native blst does not expose (DESIGN.md §2), from
 * the WebAssembly core's multi-scalar multiplication (`src/wasm/curve.ts`):
 *
 * - `combineG2(indices, partials)`: Σ λᵢ·σᵢ over G2, λᵢ the Lagrange coefficients at x = 0 of the
 *   share indices; partials are 192-byte uncompressed affine points (blst's / ZCash's serialization),
 *   already deserialized and subgroup-checked by blst; returns the 192-byte uncompressed sum
 *   (the point at infinity is 0x40 then zeros).
 * - `interpolateG1(indices, publicShares)`: the same over G1 with 96-byte uncompressed points, giving
 *   the group public key from any t public shares.
 *
 * This is the only module of `src/crypto` that names them, so the curve backend is chosen here.
 */
export { combineG2, interpolateG1 } from '../wasm/index.js';
