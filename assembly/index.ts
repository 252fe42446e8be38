/**
 * The DST WebAssembly core: every function the TypeScript side calls. Each domain lives in its own
 * folder or file; this entry only re-exports the modules whose functions are called from TypeScript.
 * The memory contract is documented in src/wasm/core.ts.
 *
 * - fr/:       the BLS12-381 scalar field (field.ts) and its batch calls (batch.ts): Lagrange
 *              coefficients, Shamir evaluation, interpolation
 * - hash/:     keccak-256, single and batched (keccak.ts; the permutation and sponge in sponge.ts, two
 *              messages at once with SIMD in sponge-x2.ts),
 *              SHA-256 and hash_to_curve for G2 (RFC 9380, BLS12381G2_XMD:SHA-256_SSWU_RO_; api.ts)
 * - trie/:     the Ethereum transactions-trie root of a block's raw transactions (trie.ts, rlp.ts)
 * - curve.ts:  BLS12-381 G1/G2 multi-scalar multiplication and threshold combine (arithmetic in bls/)
 * - points.ts: BLS12-381 point validation (subgroup checks), decompression and compression
 * - pairing/:  the BLS12-381 pairing check ∏ e(P_i, Q_i) == 1 (optimal ate, multi-pairing)
 * - bls/kernel-test-hooks.ts: the add/sub kernels on a test region (test/wasm/fp-addsub.test.ts)
 * - verify/:   BLS signature verification — one signature, a batch, a same-key batch — with no native code
 * - verify/test-hooks.ts: the G2 chain and short MSM on chosen points (test/wasm/g2-chain-msm.test.ts)
 */
export * from './fr/batch';
export * from './hash/keccak';
export * from './hash/api';
export * from './trie/trie';
export * from './curve';
export * from './points';
export * from './pairing/api';
export * from './verify/api';
export * from './bls/kernel-test-hooks';
export * from './verify/test-hooks';
