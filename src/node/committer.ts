/**
 * The block committer (issue 19): the ONE path by which a signed block enters the node. Consensus (a
 * decided and combined block) and sync (a fetched and verified block) both call `commit`, so every
 * stored block — however it came — updates the head, leaves the pool, reaches the metrics and is
 * published to `onBlock` listeners (the API's `newHeads`, a follower) exactly once, in order.
 *
 * One commit: the block, its index entries, its senders' nonces and the removal of its transactions'
 * pool entries are one store write (./storage.ts; atomic in LMDB); after it is durable the head moves,
 * the pool drops what the block made obsolete, and the listeners run. The committer owns the head,
 * and counts how many blocks in a row came by sync, and when the last did (a node whose blocks keep
 * coming by sync while peers decide is not voting).
 */
import type { Logger } from 'pino';
import { prefixedHex } from '../bytes/index.js';
import { genesisBlock, type Block } from '../chain/index.js';
import type { Admission } from './admission.js';
import type { Clock } from './clock.js';
import type { SequencerMetrics } from './options.js';
import type { IncludedTransaction, NodeStorage } from './storage.js';
import type { SignedBlock } from './types.js';

/** The stored chain's newest block, or genesis. */
export function storedHead(store: Pick<NodeStorage, 'headNumber' | 'getBlock'>, chainId: bigint): Block {
  const number = store.headNumber();
  if (number === 0) return genesisBlock(chainId);
  const signed = store.getBlock(number);
  if (signed === undefined) throw new Error(`the store's head block ${number} cannot be read`);
  return signed.block;
}

export type CommitSource = 'consensus' | 'sync';

export class BlockCommitter {
  private current: Block;
  private synced = 0;
  private lastSyncedAt = -Infinity;
  private readonly listeners = new Set<(block: SignedBlock) => void>();

  constructor(
    private readonly store: NodeStorage,
    private readonly admission: Admission,
    chainId: bigint,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly metrics?: SequencerMetrics,
  ) {
    this.current = storedHead(store, chainId);
  }

  get head(): Block {
    return this.current;
  }

  /** Blocks synced so far do not count as missed votes (the start-up sync, before the node could vote). */
  forgetSynced(): void {
    this.synced = 0;
  }

  /** Blocks stored by sync since the last one this node took part in, if the latest came within `withinMs`; else 0. */
  syncedInARow(withinMs: number): number {
    return this.clock.monotonic() - this.lastSyncedAt <= withinMs ? this.synced : 0;
  }

  onBlock(listener: (block: SignedBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stores `signed` (which must extend the head) with its decoded transactions in block order, then
   * publishes it. `stored()`, called once the write is durable, returns fields for the "block signed
   * and stored" line of a consensus block.
   */
  async commit(
    signed: SignedBlock,
    transactions: readonly IncludedTransaction[],
    source: CommitSource,
    stored: () => Record<string, unknown> = () => ({}),
  ): Promise<void> {
    const { block } = signed;
    await this.store.commitBlock(signed, transactions, this.admission.poolEntriesOf(block));
    this.current = block;
    const fields = stored();
    // The pool forgets the block's transactions now; the write that drops obsolete entries is awaited
    // only after the block is published, so that nothing can come between a durable block and its listeners.
    const poolWrite = this.admission.afterCommit(block, transactions.map((tx) => tx.sender), transactions);
    this.synced = source === 'sync' ? this.synced + 1 : 0;
    if (source === 'sync') this.lastSyncedAt = this.clock.monotonic();
    if (source === 'consensus') {
      this.metrics?.blocks.inc();
      this.metrics?.transactionsIncluded.inc(transactions.length);
      this.logger.info(
        {
          number: block.header.number,
          hash: prefixedHex(block.hash),
          round: signed.round,
          transactions: transactions.length,
          proposer: block.header.proposer,
          pending: this.admission.size,
          ...fields,
        },
        'block signed and stored',
      );
    } else {
      this.metrics?.syncBlocks.inc();
    }
    for (const listener of this.listeners) {
      try {
        listener(signed);
      } catch (error) {
        this.logger.error({ err: error }, 'a block listener threw');
      }
    }
    await poolWrite;
  }
}
