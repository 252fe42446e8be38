import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Crypto oracles (noble, herumi) are slow in debug builds; no test asserts wall-clock time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
