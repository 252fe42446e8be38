/** Placeholder: filled by the issue that builds this domain. */
import type { WasmCore } from './core.js';

export function frApi(_core: WasmCore) {
  return {};
}
