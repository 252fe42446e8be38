/**
 * Issue 20's agreement run: verifyWasm (release build) answers exactly as native blst `verify` on
 * 10,000 random (key, message, signature) triples, half of them corrupted in every way verify-cases.ts
 * lists. About a minute on 2 cores, so it runs in `npm run test:long`; verify.test.ts runs 1,000.
 */
import { describe, it } from 'vitest';
import { loadWasmCore } from '../../src/wasm/core.js';
import { verifyApi } from '../../src/wasm/verify.js';
import { expectAgreementWithBlst } from './verify-cases.js';

describe('BLS verification in the WebAssembly core (release build), long run', () => {
  it('verifyWasm agrees with blst verify on 10,000 random triples, half corrupted', () => {
    expectAgreementWithBlst(verifyApi(loadWasmCore('release')), 10_000, 3);
  });
});
