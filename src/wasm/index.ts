/**
 * `dst/wasm`: the typed wrapper around the WebAssembly core (see ./core.ts for the memory contract).
 *
 * The top-level functions use the release build, loaded once on import. `createWasmApi('debug')`
 * gives the same functions over the debug build (assertions on), which the tests also run against.
 */
import { loadWasmCore, type WasmVariant } from './core.js';
import { frApi } from './fr.js';
import { keccakApi } from './keccak.js';
import { trieApi } from './trie.js';
import { curveApi } from './curve.js';

export type { WasmVariant } from './core.js';
export * from './fr.js';
export * from './keccak.js';
export * from './trie.js';
export * from './curve.js';

/** Every wrapper function, bound to the core of one build variant. */
export function createWasmApi(variant: WasmVariant) {
  const core = loadWasmCore(variant);
  return { ...frApi(core), ...keccakApi(core), ...trieApi(core), ...curveApi(core) };
}

export type WasmApi = ReturnType<typeof createWasmApi>;
