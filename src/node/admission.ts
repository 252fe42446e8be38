/**
 * Admission, the pool keeper (issue 19): the only owner of the node's pending transactions — the
 * in-memory `Mempool` (src/chain/mempool.ts: ordering, limits, per-sender nonces) and, for each of its
 * transactions, the arrival sequence number of its entry in the store's pool database.
 *
 * - RPC (`submit`): decode and recover the sender on the calling thread, pool, gossip to peers, and
 *   resolve once the entry is durable — an acknowledged transaction survives a crash.
 * - Gossip (`admitGossip`): new transactions of a peer's batch decoded, their senders recovered in one
 *   batch on the executor (the worker pool), pooled, written in one store write.
 * - Restore (`restore`): the pool database reloaded in arrival order at start; entries no longer valid
 *   (included meanwhile, or refused by this configuration) are dropped from it.
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
  parseTransaction,
  recoverSenders,
  TransactionRejected,
  type Block,
  type BlockLimits,
  type DecodedTransaction,
  type MempoolLimits,
  type PooledTransaction,
  type Transaction,
  type TransactionRules,
} from '../chain/index.js';
import type { CryptoExecutor } from '../crypto/index.js';
import type { SequencerMetrics } from './options.js';
import type { NodeStorage, StoredPoolEntry } from './storage.js';

export interface AdmissionOptions {
  store: NodeStorage;
  rules: TransactionRules;
  pool: MempoolLimits;
  block: BlockLimits;
  executor: CryptoExecutor;
  logger: Logger;
  metrics?: SequencerMetrics;
  /** Sends raw transactions to the peers (batched by the host); absent for a single node. */
  gossip?: (transactions: readonly Uint8Array[]) => void;
  /** Called whenever a transaction was pooled (the production loop may be waiting for one). */
  onPooled: () => void;
}

export class Admission {
  private readonly pool: Mempool;
  /** Pool database sequence number of every pending transaction, by hash (hex). */
  private readonly sequenceOf = new Map<string, number>();
  private nextSequence = 0;
  /** Gossip admissions in flight (`close` waits for them, so the store is not closed under them). */
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: AdmissionOptions) {
    this.pool = new Mempool(options.pool, options.store);
  }

  get size(): number {
    return this.pool.size;
  }

  get(hash: string): PooledTransaction | undefined {
    return this.pool.get(hash);
  }

  /** The sender of a pooled transaction (proposal validation recovers only the others). */
  knownSender(hash: string): Uint8Array | undefined {
    return this.pool.get(hash)?.tx.sender;
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

  async restore(): Promise<void> {
    const obsolete: number[] = [];
    for (const { sequence, raw } of this.options.store.pendingTransactions()) {
      this.nextSequence = sequence + 1;
      try {
        const pooled = this.pool.add(parseTransaction(Uint8Array.from(raw), this.options.rules));
        this.sequenceOf.set(pooled.hash, sequence);
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        // Included in a block since (its removal raced the block's commit) or no longer valid under this configuration.
        this.options.logger.warn({ reason: error.reason, sequence }, `dropping a stored pending transaction: ${error.message}`);
        obsolete.push(sequence);
      }
    }
    await this.options.store.removePending(obsolete);
  }

  /** A transaction sent over RPC: checked, pooled, gossiped; resolves with its hash once durable. */
  async submit(raw: Uint8Array, client: string): Promise<Uint8Array> {
    void client;
    const tx = parseTransaction(raw, this.options.rules);
    const write = this.options.store.addPendingMany([this.add(tx)]);
    this.options.gossip?.([tx.raw]);
    await write;
    return tx.hash;
  }

  /** A peer's gossiped batch, admitted in the background. */
  admitGossip(raws: readonly Uint8Array[]): void {
    if (this.closed) return;
    const work = this.admitBatch(raws).catch((error: Error) => this.options.logger.error({ err: error }, 'admitting gossiped transactions failed'));
    const settled = work.finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
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
    return block.transactionHashes.flatMap((hash) => this.sequenceOf.get(hex(hash)) ?? []);
  }

  /**
   * After a block is stored: its transactions leave the pool, and so does any pending transaction it
   * made obsolete (same sender, nonce at or below the sender's last included one: only possible with
   * blocks built by peers), whose database entry is removed too.
   */
  async afterCommit(block: Block, senders: readonly Uint8Array[]): Promise<void> {
    for (const hash of block.transactionHashes) this.sequenceOf.delete(hex(hash));
    this.pool.removeIncluded(block.transactionHashes.map((hash, i) => ({ hash, sender: senders[i]! })));
    if (this.sequenceOf.size === this.pool.size) return;
    const obsolete: number[] = [];
    for (const [hash, sequence] of this.sequenceOf) {
      if (!this.pool.has(hash)) {
        obsolete.push(sequence);
        this.sequenceOf.delete(hash);
      }
    }
    await this.options.store.removePending(obsolete);
  }

  /** Stops admitting gossip and waits for admissions in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.inFlight);
  }

  /** Pools a checked transaction (throws `TransactionRejected`); returns its pool database entry. */
  private add(tx: Transaction): StoredPoolEntry {
    const pooled = this.pool.add(tx);
    const sequence = this.nextSequence++;
    this.sequenceOf.set(pooled.hash, sequence);
    this.options.onPooled();
    return { sequence, raw: tx.raw };
  }

  private async admitBatch(raws: readonly Uint8Array[]): Promise<void> {
    const { metrics, store } = this.options;
    const rejected = (error: TransactionRejected): void => {
      // A transaction the pool already has or a block already includes is the normal echo of gossip.
      if (error.reason === 'already-known' || error.reason === 'already-included') return;
      metrics?.transactionsRejected.inc({ reason: error.reason, source: 'gossip' });
    };
    const fresh: DecodedTransaction[] = [];
    for (const raw of raws) {
      try {
        const tx = decodeTransaction(raw, this.options.rules);
        const hash = hex(tx.hash);
        if (!this.pool.has(hash) && !store.isIncluded(hash)) fresh.push(tx);
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        rejected(error);
      }
    }
    if (fresh.length === 0 || this.closed) return;
    const recovered = await recoverSenders(fresh, this.options.executor);
    if (this.closed) return;
    const entries: StoredPoolEntry[] = [];
    for (const tx of recovered) {
      try {
        if (tx instanceof TransactionRejected) throw tx;
        entries.push(this.add(tx));
        metrics?.transactionsAccepted.inc({ source: 'gossip' });
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        rejected(error);
      }
    }
    await store.addPendingMany(entries);
  }
}
