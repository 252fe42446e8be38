import { describe, expect, it } from 'vitest';
import { loadWasmCore } from '../../src/wasm/core.js';

describe.each(['release', 'debug'] as const)('wasm core (%s build)', (variant) => {
  it('loads once and is shared', () => {
    const core = loadWasmCore(variant);
    expect(core.variant).toBe(variant);
    expect(loadWasmCore(variant)).toBe(core);
    expect(core.memory.buffer).toBeInstanceOf(ArrayBuffer);
  });
});
