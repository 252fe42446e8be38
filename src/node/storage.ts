/**
 * What the node's parts need of durable storage (issue 19): the signed chain and its indices, the
 * pool's pending transactions, the equivocation guard and the QBFT state of the current height.
 * `NodeStore` (./store.ts) is the LMDB implementation every node runs; the whole-node simulator
 * (test/node/sim/memory-store.ts) has an in-memory one with the same durability contract, so that it
 * can run thousands of seeded scenarios per second-ish and crash a node between a write's start and
 * its flush.
 *
 * The contract, as LMDB gives it (./store.ts): asynchronous writes commit in call order, each one's
 * promise resolves once it is durable; a crash loses the writes whose promise has not resolved and
 * keeps every one whose promise has, never part of one; reads see committed data only. A write that
 * fails for the disk's sake rejects with `StorageUnavailable` and changes nothing.
 */
import type { Block, IncludedView } from '../chain/index.js';
import type { QbftPersistedState } from '../consensus/index.js';
import type { SignedBlock, TransactionLocation } from './types.js';

/** A pending transaction read back from the pool database, in arrival order. */
export interface StoredPoolEntry {
  sequence: number;
  raw: Uint8Array;
}

/** What `commitBlock` needs of each included transaction. */
export interface IncludedTransaction {
  sender: Uint8Array;
  nonce: bigint;
}

/**
 * The QBFT state `commitBlock` writes with block `number`: height `number + 1`, round 1, nothing
 * prepared — what the machine persists before its first vote of that height. Written with the block,
 * the height's start needs no write (and no flush before the leader's proposal) of its own. The
 * price: a node restarted between a block and its first vote of the next height resumes in round 2,
 * as one restarted after that vote does (it cannot tell the two apart, and must not vote twice in a round).
 */
export function nextHeightState(number: number): QbftPersistedState<Block> {
  return { height: number + 1, round: 1 };
}

export class SigningGuardViolation extends Error {
  override name = 'SigningGuardViolation';
}

/**
 * A durable write failed — the disk is full, an I/O error, the database cannot grow — and changed
 * nothing. Not fatal (issue 12): admission refuses, block production pauses, and both go on by
 * themselves once writes succeed again (`probeWrite`).
 */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
}

export interface NodeStorage extends IncludedView {
  /** Number of the newest stored block, 0 when only genesis exists (genesis itself is not stored). */
  headNumber(): number;
  getBlock(number: number): SignedBlock | undefined;
  blockNumberOf(hash: Uint8Array): number | undefined;
  /** The sender recorded for an included transaction when its block was stored (one index read, no block read). */
  senderOf(hash: Uint8Array): Uint8Array | undefined;
  /** An included transaction: raw bytes, the sender recorded when its block was stored, where it is. */
  includedTransaction(hash: Uint8Array): { raw: Uint8Array; sender: Uint8Array; location: TransactionLocation } | undefined;
  /**
   * Stores a signed block with its index entries and senders' nonces, removes `includedPoolEntries`
   * from the pool and sets the QBFT state to `nextHeightState(number)`, in one write. Refuses a block
   * that does not extend the head.
   */
  commitBlock(signed: SignedBlock, transactions: readonly IncludedTransaction[], includedPoolEntries: readonly number[]): Promise<void>;
  /** Durably records accepted transactions in one write; resolves once on disk. */
  addPendingMany(entries: readonly StoredPoolEntry[]): Promise<void>;
  /**
   * Queues accepted transactions (gossiped ones: their origin holds them durably) to join the next
   * write; entries that a stored block or `removePending` disposes of first are never written.
   */
  addPendingLazily(entries: readonly StoredPoolEntry[]): void;
  /** Writes what `addPendingLazily` queued, if anything; resolves once on disk. */
  flushPending(): Promise<void>;
  removePending(sequences: readonly number[]): Promise<void>;
  /** The pool's pending transactions in arrival order. */
  pendingTransactions(): StoredPoolEntry[];
  /**
   * The equivocation guard: records that this node signs `blockHash` in (height, round). Throws
   * `SigningGuardViolation` at once if it already signed a different hash there (in this process or
   * durably before); otherwise the returned promise resolves once the entry is durable.
   */
  guardSigning(height: number, round: number, blockHash: Uint8Array): Promise<void>;
  /** A small durable write of no consequence: resolves once the disk takes writes (again). */
  probeWrite(): Promise<void>;
  /** Replaces the QBFT state; resolves once durable. */
  persistQbftState(state: QbftPersistedState<Block>): Promise<void>;
  qbftState(): QbftPersistedState<Block> | undefined;
}
