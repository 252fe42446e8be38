import { defineConfig } from 'vitest/config';
import { LONG_TESTS, shared } from './vitest.config.js';

/** `npm run test:long`: the end-to-end process tests and the long runs `npm test` leaves out. */
export default defineConfig({
  test: {
    ...shared,
    include: LONG_TESTS,
  },
});
