/**
 * `dst-sequencer/crypto`: threshold BLS for the cluster — everything the node and the verifier need to hold
 * key shares, sign, combine and verify (issue 4; docs/architecture.md §2, §5). Ethereum's BLS ciphersuite
 * (public keys in G1, 48 bytes; signatures in G2, 96 bytes); share indices 1..n at x = i; Lagrange
 * interpolation at x = 0, so shares and partials interoperate with Charon, SSV and herumi.
 *
 * Operations:
 * - Keys (`./threshold.ts`): `createThresholdKey` — a dealer splits a fresh CSPRNG secret or an
 *   imported one into n shares with threshold t, with their public shares and the group public key;
 *   `groupPublicKeyFromShares` interpolates the group key from any t public shares;
 *   `recoverSecret` rebuilds the group secret from at least t shares (and refuses fewer);
 *   `publicShareOf` gives a share's public key.
 * - Signing (`./threshold.ts`): `partialSign`, `verifyPartial`, `verify`, and `combine` — blst
 *   deserializes each partial with subgroup checks, the curve code computes Σ λᵢ·σᵢ, blst serializes.
 * - `optimisticCombine` (`./optimistic.ts`): the consensus path — combine t partials and verify once;
 *   only on failure verify the partials in a batch, drop the invalid ones, combine again, and report
 *   the invalid indices.
 * - `signingRoot` and `BLOCK_DOMAIN` (`./signing-root.ts`): what a block signature signs.
 * - Keystores (`./keystore.ts`): `writeShareKeystores` / `readShareKeystores`, EIP-2335.
 * - Batch work (`./executor.ts`, `./pool.ts`): the `CryptoExecutor` interface — `batchVerify` (which
 *   sets are invalid), `combineMany` (many blocks) and `recoverAddresses` (Ethereum sender recovery,
 *   `./secp256k1.ts`, for whole blocks of transactions) — on the main thread (`MainThreadExecutor`) or on
 *   a Piscina worker pool (`WorkerPoolExecutor`, cores − 1 workers or `DST_WORKERS`).
 */
export {
  MAX_SHARES,
  PUBLIC_KEY_LENGTH,
  SECRET_KEY_LENGTH,
  SIGNATURE_LENGTH,
  combine,
  createThresholdKey,
  groupPublicKeyFromShares,
  partialSign,
  publicShareOf,
  recoverSecret,
  verify,
  verifyPartial,
  type KeyShare,
  type PartialSignature,
  type PublicShare,
  type ThresholdKey,
} from './threshold.js';
export { optimisticCombine, type OptimisticCombineInput, type OptimisticCombineResult } from './optimistic.js';
export { BLOCK_DOMAIN, DOMAIN_LENGTH, signingRoot } from './signing-root.js';
export {
  SHARE_KEYSTORE_PATH,
  readShareKeystores,
  shareKeystoreFiles,
  writeShareKeystores,
  type ShareKeystoreFiles,
} from './keystore.js';
export { MainThreadExecutor, type CryptoExecutor } from './executor.js';
export { WorkerPoolExecutor, defaultWorkerCount } from './pool.js';
export { ADDRESS_LENGTH, recoverAddress, type RecoveryItem } from './secp256k1.js';
export {
  COMBINES_PER_TASK,
  RECOVERIES_PER_TASK,
  MAX_SETS_PER_CHUNK,
  MIN_SETS_PER_CHUNK,
  type CombineOutcome,
  type SignatureSet,
} from './tasks.js';
