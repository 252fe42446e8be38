/**
 * Validation of a block another node proposed, before this node PREPAREs it (docs/architecture.md §3). Everything
 * is recomputed from the raw transactions rather than trusted from the header: each transaction decodes
 * with a valid signature and sender for this chain, none is already included or repeated, each sender's
 * nonces continue from its last included nonce (from 0 for a sender never included) without gaps, the limits hold, and transactionsRoot,
 * transactionCount and the block hash match. Transactions this node already holds decoded (its pool:
 * `knownTransaction`) are found by their hashes, which the transactionsRoot needs anyway, and are
 * neither decoded nor recovered again; the senders of the others are recovered in one batch on the
 * given executor (the worker pool in a node). Rejections carry a typed reason for logs and metrics.
 */
import { assembleBlock, type Block, type BlockHeader } from './block.js';
import type { CryptoExecutor } from '../crypto/executor.js';
import { equalBytes, hex, prefixedHex } from '../bytes/index.js';
import type { BlockLimits, IncludedView } from './mempool.js';
import { decodeTransaction, recoverSenders, TransactionRejected, type DecodedTransaction, type Transaction, type TransactionRules } from './transaction.js';

export type BlockRejectionReason =
  | 'wrong-chain-id'
  | 'wrong-number'
  | 'wrong-parent'
  | 'timestamp-before-parent'
  | 'timestamp-in-future'
  | 'too-many-transactions'
  | 'too-many-bytes'
  | 'invalid-transaction'
  | 'transaction-already-included'
  | 'duplicate-transaction'
  | 'nonce-gap'
  | 'header-mismatch';

export class BlockRejected extends Error {
  override name = 'BlockRejected';
  constructor(
    readonly reason: BlockRejectionReason,
    message: string,
  ) {
    super(message);
  }
}

export interface ValidationContext {
  parent: Block;
  chain: IncludedView;
  transactionRules: TransactionRules;
  limits: BlockLimits;
  /** This node's clock, Unix milliseconds. */
  nowMs: bigint;
  /** How far into the future a proposal's timestamp may be, in milliseconds. */
  maxFutureDriftMs: bigint;
  /** Where the block's sender recoveries run. */
  executor: CryptoExecutor;
  /**
   * A transaction this node already decoded under the same rules and whose sender it recovered (by
   * transaction hash, hex), e.g. one in its pool: the same raw bytes are the same transaction, so a
   * known one is taken as it is, and only the others are decoded and recovered.
   */
  knownTransaction?: (hash: string) => Transaction | undefined;
}

export interface ValidatedBlock {
  block: Block;
  /** The decoded transactions with their senders, in block order. */
  transactions: Transaction[];
}

/**
 * Checks a proposed block given as its header and raw transactions; returns the block as this node
 * recomputes it (identical hash) with the decoded transactions, or throws `BlockRejected`.
 */
export async function validateProposal(header: BlockHeader, rawTransactions: Uint8Array[], context: ValidationContext): Promise<ValidatedBlock> {
  const { parent, limits } = context;
  const reject = (reason: BlockRejectionReason, message: string): never => {
    throw new BlockRejected(reason, `block ${header.number}: ${message}`);
  };
  checkLinkage(header, parent);
  if (header.timestampMs > context.nowMs + context.maxFutureDriftMs) {
    reject('timestamp-in-future', `timestamp ${header.timestampMs} is more than ${context.maxFutureDriftMs} ms ahead of this node's clock ${context.nowMs}`);
  }
  if (rawTransactions.length > limits.maxTransactions) {
    reject('too-many-transactions', `${rawTransactions.length} transactions exceed the limit of ${limits.maxTransactions}`);
  }
  const totalBytes = rawTransactions.reduce((sum, raw) => sum + raw.length, 0);
  if (totalBytes > limits.maxBytes) reject('too-many-bytes', `${totalBytes} bytes of transactions exceed the limit of ${limits.maxBytes}`);

  const invalid = (position: number, error: unknown): never => {
    if (error instanceof TransactionRejected) reject('invalid-transaction', `transaction ${position}: ${error.message} (${error.reason})`);
    throw error;
  };
  // The block as this node computes it from the raw transactions: its transactionsRoot needs every
  // transaction's hash, and with those hashes the transactions this node knows need no decoding. The
  // header is compared last, so that a bad transaction is reported as such.
  const block = rebuild(header, rawTransactions);
  const hashKeys = block.transactionHashes.map(hex);
  const known = hashKeys.map((hash) => context.knownTransaction?.(hash));
  const decoded: Array<DecodedTransaction | undefined> = rawTransactions.map((raw, position) => {
    if (known[position] !== undefined) return undefined;
    try {
      return decodeTransaction(raw, context.transactionRules);
    } catch (error) {
      return invalid(position, error);
    }
  });
  const recovered = await recoverUnknownSenders(known, decoded, context.executor);
  const transactions: Transaction[] = [];
  const seen = new Set<string>();
  const expectedNonce = new Map<string, bigint>();
  recovered.forEach((result, position) => {
    if (result instanceof TransactionRejected) invalid(position, result);
    const tx = result as Transaction;
    const hash = hashKeys[position]!;
    if (seen.has(hash)) reject('duplicate-transaction', `transaction ${position} (0x${hash}) appears twice`);
    seen.add(hash);
    if (context.chain.isIncluded(hash)) reject('transaction-already-included', `transaction ${position} (0x${hash}) is already in an earlier block`);
    const sender = hex(tx.sender);
    let expected = expectedNonce.get(sender);
    if (expected === undefined) {
      const last = context.chain.lastIncludedNonce(sender);
      expected = last === undefined ? 0n : last + 1n;
    }
    if (tx.nonce !== expected) {
      reject('nonce-gap', `transaction ${position} from 0x${sender} has nonce ${tx.nonce}, expected ${expected}`);
    }
    expectedNonce.set(sender, tx.nonce + 1n);
    transactions.push(tx);
  });
  checkHeaderMatches(header, block);
  return { block, transactions };
}

/**
 * The header's place in the chain after `parent`: same chain id, the next number, the parent's hash,
 * a timestamp not before the parent's. Throws `BlockRejected`. Proposal validation and sync both
 * check this; the future-drift check is proposal validation's only (a synced block may be old).
 */
export function checkLinkage(header: BlockHeader, parent: Block): void {
  const reject = (reason: BlockRejectionReason, message: string): never => {
    throw new BlockRejected(reason, `block ${header.number}: ${message}`);
  };
  if (header.chainId !== parent.header.chainId) reject('wrong-chain-id', `chain id ${header.chainId}, expected ${parent.header.chainId}`);
  if (header.number !== parent.header.number + 1) reject('wrong-number', `expected number ${parent.header.number + 1}`);
  if (!equalBytes(header.parentHash, parent.hash)) reject('wrong-parent', `parent hash ${prefixedHex(header.parentHash)} is not ${prefixedHex(parent.hash)} (block ${parent.header.number})`);
  if (header.timestampMs < parent.header.timestampMs) {
    reject('timestamp-before-parent', `timestamp ${header.timestampMs} is before the parent's ${parent.header.timestampMs}`);
  }
}

/**
 * The block a header and its raw transactions make, with transactionsRoot, transactionCount and the
 * hash recomputed; throws `BlockRejected('header-mismatch')` when the header's root or count does not
 * match the transactions. Every block that arrives from a peer (a proposal, a synced block) is rebuilt
 * here, so a block hash always stands for exactly one list of transactions.
 */
export function assembleChecked(header: BlockHeader, rawTransactions: Uint8Array[]): Block {
  const block = rebuild(header, rawTransactions);
  checkHeaderMatches(header, block);
  return block;
}

/** The block of `header`'s chain fields and `rawTransactions`, its root, count and hash computed here. */
function rebuild(header: BlockHeader, rawTransactions: Uint8Array[]): Block {
  return assembleBlock(
    { chainId: header.chainId, number: header.number, parentHash: header.parentHash, timestampMs: header.timestampMs, proposer: header.proposer },
    rawTransactions,
  );
}

/** Throws `BlockRejected('header-mismatch')` unless `header`'s root and count are those of `block`, rebuilt from its transactions. */
function checkHeaderMatches(header: BlockHeader, block: Block): void {
  if (block.header.transactionCount !== header.transactionCount || !equalBytes(block.header.transactionsRoot, header.transactionsRoot)) {
    throw new BlockRejected(
      'header-mismatch',
      `block ${header.number}: its ${block.transactions.length} transactions (root ${prefixedHex(block.header.transactionsRoot)}) do not match ` +
        `the header's transactionsRoot ${prefixedHex(header.transactionsRoot)} and transactionCount ${header.transactionCount}`,
    );
  }
}

/** Every transaction with its sender: the known ones as they are, the others (decoded) recovered in one executor batch. */
async function recoverUnknownSenders(
  known: ReadonlyArray<Transaction | undefined>,
  decoded: ReadonlyArray<DecodedTransaction | undefined>,
  executor: CryptoExecutor,
): Promise<Array<Transaction | TransactionRejected>> {
  const unknown = decoded.filter((tx) => tx !== undefined);
  const recovered = unknown.length === 0 ? [] : await recoverSenders(unknown, executor);
  let next = 0;
  return known.map((tx) => tx ?? recovered[next++]!);
}
