import { defineConfig } from 'vitest/config';

/**
 * `npm test`: every test but the long ones — the end-to-end runs of real node processes (test/e2e/)
 * and the long randomized or chaos runs (`*.long.test.ts`), which `npm run test:long`
 * (vitest.long.config.ts) runs. CI runs both.
 */
export const LONG_TESTS = ['test/e2e/**/*.test.ts', 'test/**/*.long.test.ts'];

export const shared = {
  // Crypto oracles (noble, herumi) are slow in debug builds; no test asserts wall-clock time.
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    ...shared,
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...LONG_TESTS],
  },
});
