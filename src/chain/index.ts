/**
 * `dst-sequencer/chain`: transactions, blocks, the pool and its ordering rule, block building and validation.
 *
 * Named exports only, so that what the package publishes is a choice: the whole public API of each
 * module, less `recoveryItemOf` (transaction.ts's step of sender recovery). RLP is published because the
 * wire formats of src/node build on it; `bigIntToBytes` (RLP's integer encoding) and `hex` (the
 * pool's keys for hashes and senders, see `IncludedView`) come from src/bytes.
 */
export { hex } from '../bytes/index.js';
export { bigIntToBytes, RlpError, rlpDecode, rlpEncode, rlpToBigInt, type RlpItem } from './rlp.js';
export {
  DEFAULT_MAX_TRANSACTION_BYTES,
  decodeTransaction,
  maxCost,
  parseTransaction,
  recoverSender,
  recoverSenders,
  withSender,
  TransactionRejected,
  type AccessListEntry,
  type DecodedTransaction,
  type Transaction,
  type TransactionRejectionReason,
  type TransactionRules,
  type TransactionType,
} from './transaction.js';
export { assembleBlock, decodeHeader, encodeHeader, genesisBlock, headerHash, type Block, type BlockHeader } from './block.js';
export {
  EXPIRED_REMEMBERED,
  Mempool,
  type BlockLimits,
  type ExpiryReason,
  type IncludedView,
  type MempoolLimits,
  type PooledTransaction,
  type PoolSource,
  type PoolStatus,
} from './mempool.js';
export { buildBlock, type BuildOptions } from './builder.js';
export {
  assembleChecked,
  BlockRejected,
  checkLinkage,
  validateProposal,
  type BlockRejectionReason,
  type ValidatedBlock,
  type ValidationContext,
} from './validation.js';
