/**
 * The DST WebAssembly core: every function the TypeScript side calls. Each domain lives in its own
 * file; this entry only re-exports them. The memory contract is documented in src/wasm/core.ts.
 *
 * - fr.ts:     the BLS12-381 scalar field, Lagrange coefficients, Shamir evaluation, interpolation
 * - keccak.ts: keccak-256, single and batched
 * - trie.ts:   the Ethereum transactions-trie root of a block's raw transactions
 * - curve.ts:  BLS12-381 G1/G2 multi-scalar multiplication and threshold combine
 * - points.ts: BLS12-381 point validation (subgroup checks), decompression and compression
 * - hash/:     SHA-256 and hash-to-G2 (RFC 9380, BLS12381G2_XMD:SHA-256_SSWU_RO_)
 */
export * from './fr';
export * from './keccak';
export * from './trie';
export * from './curve';
export * from './points';
export * from './hash/api';
