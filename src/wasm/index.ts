/**
 * `dst-sequencer/wasm`: the typed wrapper around the WebAssembly core (see ./core.ts for the memory contract).
 *
 * The top-level functions use the release build, loaded once on import. `createWasmApi('debug')`
 * gives the same functions over the debug build (assertions on), which the tests also run against.
 * The per-module factories (`frApi(core)`, `keccakApi(core)`, …) take a raw core and stay inside the
 * folder (and its tests); `createWasmApi` is their public form.
 */
import { loadWasmCore, type WasmVariant } from './core.js';
import { frApi } from './fr.js';
import { keccakApi } from './keccak.js';
import { trieApi } from './trie.js';
import { curveApi } from './curve.js';
import { hashToCurveApi } from './hash-to-curve.js';
import { pointsApi } from './points.js';
import { pairingApi } from './pairing.js';
import { verifyApi } from './verify.js';

export type { WasmVariant } from './core.js';
export { FR_MAX_COUNT, FR_MODULUS, frBatch, lagrangeCoefficients, lagrangeCoefficientsInto, lagrangeInterpolate, shamirEvaluate } from './fr.js';
export { keccak256, keccak256Batch, keccak256BatchInto, keccak256Into } from './keccak.js';
export { transactionsRoot, transactionsRootWithHashes } from './trie.js';
export { combineG2, g1Msm, g2Msm, interpolateG1 } from './curve.js';
export {
  POINTS_MAX_COUNT, compressG1, compressG1Batch, compressG2, compressG2Batch, decompressG1, decompressG1Batch, decompressG2,
  decompressG2Batch, validatePublicKey, validatePublicKeys, validateSignature, validateSignatures,
} from './points.js';
export { pairingCheck, type PairingInput } from './pairing.js';
export { verifyBatchWasm, verifySameKeyWasm, verifyWasm, type SameKeyResult, type SignatureSet } from './verify.js';
export { initWasm } from './core.js';
export { ETHEREUM_BLS_DST, expandMessageXmd, hashToG2, hashToG2Batch, mapToG2, sha256 } from './hash-to-curve.js';

/** Every wrapper function, bound to the core of one build variant. */
export function createWasmApi(variant: WasmVariant) {
  const core = loadWasmCore(variant);
  return { ...frApi(core), ...keccakApi(core), ...trieApi(core), ...curveApi(core), ...hashToCurveApi(core), ...pointsApi(core), ...pairingApi(core), ...verifyApi(core) };
}

export type WasmApi = ReturnType<typeof createWasmApi>;
