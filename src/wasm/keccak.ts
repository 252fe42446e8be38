/** Placeholder: filled by the issue that builds this domain. */
import type { WasmCore } from './core.js';

export function keccakApi(_core: WasmCore) {
  return {};
}
