/**
 * Admission, the pool keeper (issues 11 and 19): the only owner of the node's pending transactions — the
 * in-memory `Mempool` (src/chain/mempool.ts: ordering, the pool rules, per-sender nonces) and, for each
 * of its transactions, the arrival sequence number of its entry in the store's pool database.
 *
 * - RPC (`submit`): decode on the calling thread, recover the sender with what else is admitted in the
 *   same event-loop turn, in one executor call (./sender-batch.ts); reserve its place in the pool
 *   (source: the client's address, at most `maxPerClient` pooled), write it (with the others reserved in
 *   the same microtask turn, one store write), and only then confirm it, gossip it and resolve — an
 *   acknowledged transaction survives a crash, and nothing reaches a block or a peer before it is on
 *   disk (a failed write cancels the reservation: `storage-unavailable`).
 * - Gossip: a peer's batch passes ./gossip-intake.ts (the peer's share of the pool, its allowance of
 *   bad transactions, sender recovery together with the RPC submissions' through `recoverSenders`)
 *   and comes in through `admitRecovered`: pooled at once, its entries queued to join the next store
 *   write (`queued`: the sending node already holds them durably; a crash here loses only this node's
 *   copy).
 * - Restore (`restore`): the pool database reloaded in arrival order at start, in chunks whose senders
 *   are recovered on the executor, so the node answers RPC meanwhile (submissions get "pool-loading"
 *   until it is done, gossip is dropped — the peers that sent it still hold it); entries no longer valid
 *   (included meanwhile, or refused by this configuration) are dropped from it.
 * - Funds (with an execution endpoint, ./funds.ts): an RPC submission whose sender cannot pay it on top
 *   of its pooled and its included-not-executed transactions is refused, `insufficient-funds`.
 * - Expiry: every `EXPIRY_SWEEP_MS` what has waited behind a missing nonce too long leaves the pool and
 *   its database; the pool remembers why (`statusOf`).
 * - Blocks: `proposalFor` builds the leader's block from the pool; `transactionsOf` gives a block's
 *   transactions with their senders (pool first, else recovered); `poolEntriesOf` names the pool
 *   entries a block's commit removes, and `afterCommit` drops what the block made obsolete.
 */
import type { Logger } from 'pino';
import { hex } from '../bytes/index.js';
import {
  buildBlock,
  decodeTransaction,
  Mempool,
  recoverSenders,
  TransactionRejected,
  type Block,
  type BlockLimits,
  type DecodedTransaction,
  type MempoolLimits,
  type PooledTransaction,
  type PoolSource,
  type PoolStatus,
  type Transaction,
  type TransactionRules,
} from '../chain/index.js';
import type { CryptoExecutor } from '../crypto/index.js';
import type { Clock, Timer } from './clock.js';
import { FundsCheck } from './funds.js';
import { SenderBatch, type Recovered } from './sender-batch.js';
import type { SequencerMetrics } from './options.js';
import type { StorageHealth } from './storage-health.js';
import { StorageUnavailable, type NodeStorage, type StoredPoolEntry } from './storage.js';

/** The pool's rules (src/chain/mempool.ts) and how much of it one RPC client address may hold. */
export interface PoolLimits extends MempoolLimits {
  /** Pooled transactions one RPC client address may have at most. */
  maxPerClient: number;
}

/** How often waiting transactions are checked for expiry. */
const EXPIRY_SWEEP_MS = 1_000;
/** Longest a gossiped transaction's pool entry waits for a store write to join (see `queued`). */
const GOSSIP_FLUSH_MS = 500;
/** Restored pool entries per chunk (senders recovered in one executor batch). */
const RESTORE_CHUNK = 1_024;
/** How far back a restart counts the spend of included blocks again (see `restoreIncludedSpend`). */
const RESTORE_SPEND_BLOCKS = 256;
const RESTORE_SPEND_TRANSACTIONS = 20_000;
/** Restore progress is logged every this many entries. */
const RESTORE_PROGRESS_EVERY = 20_480;

export interface AdmissionOptions {
  store: NodeStorage;
  rules: TransactionRules;
  pool: PoolLimits;
  block: BlockLimits;
  executor: CryptoExecutor;
  clock: Clock;
  logger: Logger;
  metrics?: SequencerMetrics;
  /** Sends raw transactions to the peers (batched by the host); absent for a single node. */
  gossip?: (transactions: readonly Uint8Array[]) => void;
  /** Called whenever a transaction was pooled (the production loop may be waiting for one). */
  onPooled: () => void;
  /** Where a failed write is reported. */
  storage: StorageHealth;
  /** With an execution endpoint: the balance check of RPC submissions (./funds.ts). */
  funds?: FundsCheck;
}

export class Admission {
  private readonly pool: Mempool;
  /** Pool database sequence number of every pending transaction, by hash (hex). */
  private readonly sequenceOf = new Map<string, number>();
  private nextSequence = 0;
  /** Database entries of transactions that left the pool without inclusion, to remove in the next write. */
  private expiredEntries: number[] = [];
  private restoring: { done: number; total: number } | undefined;
  private expiryTimer: Timer | undefined;
  /** The write of queued gossip entries, when no other write took them first (see `queued`). */
  private flushTimer: Timer | undefined;
  private closed = false;
  /** Sender recovery of RPC submissions and gossiped batches, as few executor calls as the load allows. */
  private readonly senders: SenderBatch;
  /** The hex hashes of the block being committed (`hashKeysOf`). */
  private lastHashKeys: { block: Block; keys: string[] } | undefined;
  /** RPC reservations of this microtask turn, waiting for their one store write (`writtenWithTurn`). */
  private writeGroup: { members: PooledTransaction[]; entries: Promise<StoredPoolEntry[]> } | undefined;

  constructor(private readonly options: AdmissionOptions) {
    this.senders = new SenderBatch(options.executor);
    this.pool = new Mempool(options.pool, options.store, (pooled) => {
      const sequence = this.sequenceOf.get(pooled.hash);
      this.sequenceOf.delete(pooled.hash);
      if (sequence !== undefined) this.expiredEntries.push(sequence);
    });
  }

  /** How long the oldest pooled transaction has waited, in ms; undefined when the pool is empty. */
  oldestPendingAgeMs(): number | undefined {
    const at = this.pool.oldestPooledAt();
    return at === undefined ? undefined : Math.max(0, this.options.clock.monotonic() - at);
  }

  get size(): number {
    return this.pool.size;
  }

  get(hash: string): PooledTransaction | undefined {
    return this.pool.get(hash);
  }

  /** Pending or expired (and why), or undefined when the pool does not know the hash (hex). */
  statusOf(hash: string): PoolStatus {
    return this.pool.statusOf(hash);
  }

  /** While the pool database is being reloaded: how far it is (for health and logs). */
  get restoreProgress(): { done: number; total: number } | undefined {
    return this.restoring && { ...this.restoring };
  }

  /** A pooled transaction, decoded and with its sender (proposal validation decodes and recovers only the others). */
  knownTransaction(hash: string): Transaction | undefined {
    return this.pool.get(hash)?.tx;
  }

  hasIncludable(): boolean {
    return this.pool.hasIncludable(this.options.block.maxBytes);
  }

  /** `sender`'s next nonce after its included (`latest`) and, if asked, its gapless pooled transactions. */
  nextNonce(sender: string, latest: bigint, pending: boolean): bigint {
    return pending ? this.pool.nextPendingNonce(sender, latest) : latest;
  }

  /**
   * Gossips every pending transaction again (after a restart: restored transactions may never have
   * reached the peers, if the node crashed before the gossip batch left); peers skip what they have.
   */
  offerPending(): void {
    const raws = this.pool.pending().map(({ tx }) => tx.raw);
    if (raws.length > 0) this.options.gossip?.(raws);
  }

  /**
   * Gossips again what the next block would include (a round passed without a proposal: perhaps the
   * leader lacks the transactions this node started the height for, after lost gossip).
   */
  offerIncludable(): void {
    const raws = this.pool.selectForBlock(this.options.block).map((tx) => tx.raw);
    if (raws.length === 0) return;
    this.options.logger.debug({ transactions: raws.length }, 'gossiping pending transactions again');
    this.options.gossip?.(raws);
  }

  /**
   * Reloads the pool database in arrival order, in chunks (senders recovered on the executor between
   * which RPC is served), then starts the expiry sweep. Resolves when the pool is whole.
   */
  async restore(): Promise<void> {
    const { store, logger, rules, executor, clock } = this.options;
    this.restoreIncludedSpend();
    const entries = store.pendingTransactions();
    this.restoring = { done: 0, total: entries.length };
    if (entries.length > RESTORE_CHUNK) logger.info({ entries: entries.length }, 'restoring the transaction pool');
    const obsolete: number[] = [];
    const drop = (sequence: number, error: unknown): void => {
      if (!(error instanceof TransactionRejected)) throw error;
      // Included in a block since (its removal raced the block's commit) or no longer valid under this configuration.
      logger.warn({ reason: error.reason, sequence }, `dropping a stored pending transaction: ${error.message}`);
      obsolete.push(sequence);
    };
    const source: PoolSource = { id: 'restore', maxPending: Number.MAX_SAFE_INTEGER };
    for (let start = 0; start < entries.length && !this.closed; start += RESTORE_CHUNK) {
      const chunk = entries.slice(start, start + RESTORE_CHUNK);
      const decoded: Array<{ sequence: number; tx: DecodedTransaction }> = [];
      for (const { sequence, raw } of chunk) {
        this.nextSequence = sequence + 1;
        try {
          decoded.push({ sequence, tx: decodeTransaction(Uint8Array.from(raw), rules) });
        } catch (error) {
          drop(sequence, error);
        }
      }
      const recovered = await recoverSenders(decoded.map((d) => d.tx), executor);
      recovered.forEach((tx, i) => {
        const { sequence } = decoded[i]!;
        try {
          if (tx instanceof TransactionRejected) throw tx;
          const pooled = this.pool.add(tx, source, clock.monotonic());
          this.sequenceOf.set(pooled.hash, sequence);
        } catch (error) {
          drop(sequence, error);
        }
      });
      this.restoring.done = Math.min(entries.length, start + RESTORE_CHUNK);
      if (this.restoring.done % RESTORE_PROGRESS_EVERY === 0) logger.info({ ...this.restoring }, 'restoring the transaction pool');
    }
    this.restoring = undefined;
    if (entries.length > RESTORE_CHUNK) logger.info({ pending: this.pool.size, dropped: obsolete.length }, 'transaction pool restored');
    this.expiredEntries.push(...obsolete);
    await this.removeExpired();
    if (!this.closed) this.expiryTimer = clock.every(EXPIRY_SWEEP_MS, () => this.expireWaiting());
    if (this.pool.size > 0) this.options.onPooled();
  }

  /**
   * With a funds check: the spend of the newest stored blocks counts again, as it did before the
   * restart, until the executed head passes them (FundsCheck prunes what is already executed once it
   * learns the head). The newest RESTORE_SPEND_BLOCKS blocks, at most RESTORE_SPEND_TRANSACTIONS
   * transactions: an execution node further behind than that makes the check admit more, as a lag
   * beyond FundsCheck's own bound does.
   */
  private restoreIncludedSpend(): void {
    const { store, funds } = this.options;
    if (!funds) return;
    const head = store.headNumber();
    const blocks: Array<{ block: Block; senders: Uint8Array[] }> = [];
    let transactions = 0;
    for (let number = head; number > Math.max(0, head - RESTORE_SPEND_BLOCKS) && transactions < RESTORE_SPEND_TRANSACTIONS; number--) {
      const block = store.getBlock(number)?.block;
      if (!block) break;
      const senders = block.transactionHashes.map((hash) => store.senderOf(hash));
      if (senders.some((sender) => sender === undefined)) break;
      blocks.push({ block, senders: senders as Uint8Array[] });
      transactions += block.transactions.length;
    }
    for (const { block, senders } of blocks.reverse()) funds.noteIncluded(block, senders);
  }

  /** A transaction sent over RPC by `client`: checked, pooled, gossiped; resolves with its hash once durable. */
  async submit(raw: Uint8Array, client: string): Promise<Uint8Array> {
    if (this.restoring) {
      const { done, total } = this.restoring;
      throw new TransactionRejected('pool-loading', `the node is reloading its transaction pool after a restart (${done} of ${total}); retry in a few seconds`);
    }
    const [tx] = await this.senders.recover([decodeTransaction(raw, this.options.rules)]);
    if (tx instanceof TransactionRejected) throw tx;
    const source = { id: `rpc:${client}`, maxPending: this.options.pool.maxPerClient };
    const { funds } = this.options;
    // A transaction the node has (a wallet's rebroadcast) is refused by the pool as known, not re-counted.
    if (funds !== undefined && !this.isKnown(hex(tx.hash))) {
      const sender = hex(tx.sender);
      const available = await funds.available(sender);
      if (available !== undefined) {
        // The pooled spend is read in the same turn as the reservation below: concurrent submissions cannot both count the same wei.
        try {
          FundsCheck.require(available, sender, this.pool.spendOf(sender), tx);
        } catch (error) {
          funds.count('insufficient');
          throw error;
        }
        funds.count('paid');
      }
    }
    // Reserved, written, then confirmed: nothing reaches a block, a status or a peer unless it is on disk.
    const reserved = this.pool.reserve(tx, source, this.options.clock.monotonic());
    const entry = await this.writtenWithTurn(reserved);
    if (entry === undefined) throw new TransactionRejected('storage-unavailable', `the node cannot write to its disk (${this.options.storage.failing?.message}); retry later`);
    this.options.gossip?.([tx.raw]);
    return tx.hash;
  }

  /** Decoded transactions (a peer's batch) with their senders, recovered with the node's other admissions (./sender-batch.ts). */
  recoverSenders(txs: readonly DecodedTransaction[]): Promise<Recovered[]> {
    return this.senders.recover(txs);
  }

  /** Whether transactions are taken (not closed, the pool reloaded). */
  get accepting(): boolean {
    return !this.closed && this.restoring === undefined;
  }

  /** Whether the pool has the transaction (hex hash) or a block includes it. */
  isKnown(hash: string): boolean {
    return this.pool.has(hash) || this.options.store.isIncluded(hash);
  }

  /** How many pooled transactions came from `source`. */
  pendingFrom(source: string): number {
    return this.pool.pendingFrom(source);
  }

  /**
   * Transactions whose senders are recovered (a peer's batch, ./gossip-intake.ts): reserved, written in
   * one write, then confirmed — as for RPC, only what is on disk is pooled. The pool's refusals (what it
   * already has or a block includes aside) and how many were accepted.
   */
  async admitRecovered(transactions: readonly Transaction[], source: PoolSource): Promise<{ refused: TransactionRejected[]; accepted: number }> {
    const refused: TransactionRejected[] = [];
    const reserved: PooledTransaction[] = [];
    for (const tx of transactions) {
      try {
        reserved.push(this.pool.reserve(tx, source, this.options.clock.monotonic()));
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        if (error.reason !== 'already-known' && error.reason !== 'already-included') refused.push(error);
      }
    }
    if (reserved.length === 0) return { refused, accepted: 0 };
    if (!this.options.storage.failing) {
      this.queued(reserved);
      return { refused, accepted: reserved.length };
    }
    // While the disk is known to refuse writes, a write of their own says whether it takes them again.
    const entries = await this.written(reserved);
    if (entries.length > 0) return { refused, accepted: entries.length };
    const unavailable = new TransactionRejected('storage-unavailable', 'the node cannot write to its disk');
    return { refused: [...refused, ...reserved.map(() => unavailable)], accepted: 0 };
  }
  /** The leader's block on `parent` from the pool's best transactions, with their senders. */
  proposalFor(parent: Block, proposer: number, nowMs: bigint): { block: Block; transactions: Transaction[] } {
    const block = buildBlock(parent, this.pool, { proposer, nowMs, limits: this.options.block });
    return { block, transactions: block.transactionHashes.map((hash) => this.pool.get(hex(hash))!.tx) };
  }

  /** A decided block's transactions with their senders: from the pool, the rest recovered in one batch. */
  async transactionsOf(block: Block): Promise<Transaction[]> {
    const known = block.transactionHashes.map((hash) => this.pool.get(hex(hash))?.tx);
    const rules = { chainId: this.options.rules.chainId, maxBytes: Number.MAX_SAFE_INTEGER };
    const missing = block.transactions.flatMap((raw, i) => (known[i] ? [] : [decodeTransaction(raw, rules)]));
    const recovered = await recoverSenders(missing, this.options.executor);
    let next = 0;
    return known.map((tx) => {
      if (tx) return tx;
      const result = recovered[next++]!;
      if (result instanceof TransactionRejected) throw new Error(`a decided block holds a transaction whose sender does not recover: ${result.message}`);
      return result;
    });
  }

  /** The pool database entries of the block's transactions (removed in the block's own store write). */
  poolEntriesOf(block: Block): number[] {
    return this.hashKeysOf(block).flatMap((hash) => this.sequenceOf.get(hash) ?? []);
  }

  /** A block's transaction hashes in hex, kept for the block last asked (its commit asks twice). */
  private hashKeysOf(block: Block): string[] {
    if (this.lastHashKeys?.block !== block) this.lastHashKeys = { block, keys: block.transactionHashes.map(hex) };
    return this.lastHashKeys.keys;
  }

  /**
   * After a block is stored: its transactions leave the pool, and so does any pending transaction whose
   * nonce it used (same sender and nonce, another transaction: only possible with blocks built by
   * peers), whose database entry is removed too.
   */
  async afterCommit(block: Block, senders: readonly Uint8Array[], decoded?: readonly Partial<DecodedTransaction>[]): Promise<void> {
    for (const hash of this.hashKeysOf(block)) this.sequenceOf.delete(hash);
    this.lastHashKeys = undefined;
    this.pool.removeIncluded(block.transactionHashes.map((hash, i) => ({ hash, sender: senders[i]! })), this.options.clock.monotonic());
    // In the same turn as they leave the pool, their spend counts as included until execution passes the block.
    this.options.funds?.noteIncluded(block, senders, decoded);
    await this.removeExpired();
  }

  /** Stops taking transactions (a pool reload in progress too) and the expiry sweep. */
  close(): void {
    this.closed = true;
    this.expiryTimer?.cancel();
    this.flushTimer?.cancel(); // the store writes what is queued when it closes
  }

  /**
   * An RPC submission's reservation written together with the others reserved in the same microtask
   * turn (the elements of a JSON-RPC batch, resumed together by ./sender-batch.ts), in one `written`:
   * its entry, or undefined if the disk refused. One store write, one LMDB transaction callback and one
   * promise chain per group instead of per transaction.
   */
  private writtenWithTurn(reserved: PooledTransaction): Promise<StoredPoolEntry | undefined> {
    let group = this.writeGroup;
    if (group === undefined) {
      const members: PooledTransaction[] = [];
      const entries = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
        this.writeGroup = undefined;
        return this.written(members);
      });
      group = this.writeGroup = { members, entries };
    }
    const index = group.members.push(reserved) - 1;
    return group.entries.then((entries) => entries[index]);
  }

  /**
   * Writes the pool database entries of reserved transactions in one write, then confirms them: their
   * entries — or none, if the disk refused (reported to the storage health), the reservations cancelled.
   */
  private async written(reserved: readonly PooledTransaction[]): Promise<StoredPoolEntry[]> {
    const entries = reserved.map((pooled) => ({ sequence: this.nextSequence++, raw: pooled.tx.raw }));
    // A full pool may have evicted waiting transactions to make room for them.
    if (this.expiredEntries.length > 0) void this.removeExpired();
    try {
      await this.options.store.addPendingMany(entries);
    } catch (error) {
      for (const pooled of reserved) this.pool.cancel(pooled);
      if (!(error instanceof StorageUnavailable)) throw error;
      this.options.storage.failed(error);
      return [];
    }
    reserved.forEach((pooled, i) => {
      this.pool.confirm(pooled);
      this.sequenceOf.set(pooled.hash, entries[i]!.sequence);
    });
    this.options.onPooled();
    return entries;
  }

  /**
   * Confirms gossiped reservations at once and queues their pool database entries to join the next
   * store write (a block's, the QBFT state's, an RPC submission's), or a write of their own after
   * GOSSIP_FLUSH_MS. Their origin already holds them durably, and most are in a block before then,
   * so their entries are never written here at all. (At 4 blocks/s with 20 tx/s, strace of one node:
   * ~4.5 fdatasyncs per block, against ~7.8 with one awaited write per gossip batch.)
   */
  private queued(reserved: readonly PooledTransaction[]): void {
    const entries = reserved.map((pooled) => ({ sequence: this.nextSequence++, raw: pooled.tx.raw }));
    this.options.store.addPendingLazily(entries);
    reserved.forEach((pooled, i) => {
      this.pool.confirm(pooled);
      this.sequenceOf.set(pooled.hash, entries[i]!.sequence);
    });
    this.options.onPooled();
    if (this.flushTimer !== undefined || this.closed) return;
    this.flushTimer = this.options.clock.after(GOSSIP_FLUSH_MS, () => {
      this.flushTimer = undefined;
      this.options.store.flushPending().catch((error: Error) => {
        if (!(error instanceof StorageUnavailable)) throw error;
        this.options.storage.failed(error); // still queued: they join the next write that succeeds
      });
    });
  }

  private expireWaiting(): void {
    const expired = this.pool.expireWaiting(this.options.clock.monotonic());
    if (expired === 0) return;
    this.options.logger.debug({ expired, pending: this.pool.size }, 'expired transactions waiting behind a missing nonce');
    void this.removeExpired();
  }

  /** Removes the database entries of transactions that left the pool without inclusion. */
  private async removeExpired(): Promise<void> {
    if (this.expiredEntries.length === 0) return;
    const entries = this.expiredEntries;
    this.expiredEntries = [];
    // Should this write fail, the entries come back at the next restart, and expire again.
    await this.options.store.removePending(entries).catch((error: Error) => {
      if (!(error instanceof StorageUnavailable)) throw error;
      this.options.storage.failed(error);
    });
  }
}
