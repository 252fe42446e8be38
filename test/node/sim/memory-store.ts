/**
 * An in-memory `NodeStorage` (src/node/storage.ts) for the whole-node simulator, with LMDB's durability
 * contract made explicit so that crashes can land between a write's start and its flush:
 *
 * - `DurableState` is what survives a crash: the chain, its indices, the pool entries, the guard and
 *   the QBFT state. A node incarnation opens a `MemoryStore` over it; a restart opens a new one.
 * - Every write is queued and applied to the durable state in call order when the store's flush timer
 *   fires, a seeded 0..`maxFlushMs` later on the virtual clock; only then does its promise resolve. A
 *   write that throws (`commitBlock` on a block that does not extend the head) rejects and applies
 *   nothing, as an LMDB transaction callback that throws.
 * - While the durable state's `diskFull` is set, every write rejects with `StorageUnavailable` at its
 *   flush and applies nothing, as LMDB's writes fail on a full disk (the simulator's "disk full" fault).
 * - `crash()` drops the queued writes (their promises never settle: the incarnation is gone) and makes
 *   the store inert.
 *
 * Reads see durable data only (as LMDB readers see committed data); the guard also consults the
 * entries this incarnation queued, as NodeStore does.
 *
 * Why not LMDB in the simulator: thousands of seeded runs of four nodes each must fit in seconds, a
 * crash must be able to fall between a write and its flush (a SIGKILL-ed LMDB write is all-or-nothing
 * but its timing is the kernel's), and flush times must come from the seed. LMDB itself is covered by
 * test/node/store.test.ts and the multi-process tests, which run the real store.
 */
import { hex, type Block } from '../../../src/chain/index.js';
import type { QbftPersistedState } from '../../../src/consensus/index.js';
import type { Clock } from '../../../src/node/clock.js';
import { SigningGuardViolation, StorageUnavailable, nextHeightState, type IncludedTransaction, type NodeStorage, type StoredPoolEntry } from '../../../src/node/storage.js';
import type { SignedBlock, TransactionLocation } from '../../../src/node/types.js';

export class DurableState {
  readonly blocks: SignedBlock[] = [];
  readonly numberByHash = new Map<string, number>();
  readonly transactions = new Map<string, { number: number; index: number; sender: Uint8Array }>();
  readonly senderNonces = new Map<string, bigint>();
  readonly pool = new Map<number, Uint8Array>();
  readonly guard = new Map<string, Uint8Array>();
  qbft: QbftPersistedState<Block> | undefined;
  /** Set while the node's disk refuses writes. */
  diskFull = false;
}

interface QueuedWrite {
  apply: () => void;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class MemoryStore implements NodeStorage {
  private readonly queue: QueuedWrite[] = [];
  private readonly guardThisSession = new Map<string, Uint8Array>();
  /** Entries of addPendingLazily waiting for the next write. */
  private readonly lazy: StoredPoolEntry[] = [];
  private flushScheduled = false;
  private dead = false;

  constructor(
    readonly durable: DurableState,
    private readonly clock: Clock,
    /** Delay of the next flush, drawn from the seed. */
    private readonly flushDelay: () => number,
  ) {}

  /** The incarnation died: queued writes are lost, nothing more is written. */
  crash(): void {
    this.dead = true;
    this.queue.length = 0;
    this.lazy.length = 0;
  }

  headNumber(): number {
    return this.durable.blocks.length;
  }

  getBlock(number: number): SignedBlock | undefined {
    return number >= 1 ? this.durable.blocks[number - 1] : undefined;
  }

  blockNumberOf(hash: Uint8Array): number | undefined {
    return this.durable.numberByHash.get(hex(hash));
  }

  includedTransaction(hash: Uint8Array): { raw: Uint8Array; sender: Uint8Array; location: TransactionLocation } | undefined {
    const entry = this.durable.transactions.get(hex(hash));
    if (entry === undefined) return undefined;
    const { block } = this.getBlock(entry.number)!;
    return { raw: block.transactions[entry.index]!, sender: entry.sender, location: { blockNumber: entry.number, blockHash: block.hash, index: entry.index } };
  }

  senderOf(hash: Uint8Array): Uint8Array | undefined {
    return this.durable.transactions.get(hex(hash))?.sender;
  }

  lastIncludedNonce(sender: string): bigint | undefined {
    return this.durable.senderNonces.get(sender);
  }

  isIncluded(hash: string): boolean {
    return this.durable.transactions.has(hash);
  }

  commitBlock(signed: SignedBlock, transactions: readonly IncludedTransaction[], includedPoolEntries: readonly number[]): Promise<void> {
    const { block } = signed;
    if (transactions.length !== block.transactions.length) {
      return Promise.reject(new RangeError(`commitBlock: expected ${block.transactions.length} decoded transactions, got ${transactions.length}`));
    }
    return this.write(() => {
      const head = this.headNumber();
      if (block.header.number !== head + 1) throw new Error(`commitBlock: block ${block.header.number} does not extend the stored head ${head}`);
      const { durable } = this;
      durable.blocks.push(signed);
      durable.numberByHash.set(hex(block.hash), block.header.number);
      block.transactionHashes.forEach((hash, index) => {
        const { sender, nonce } = transactions[index]!;
        durable.transactions.set(hex(hash), { number: block.header.number, index, sender });
        const previous = durable.senderNonces.get(hex(sender));
        if (previous === undefined || nonce > previous) durable.senderNonces.set(hex(sender), nonce);
      });
      for (const sequence of includedPoolEntries) durable.pool.delete(sequence);
      durable.qbft = nextHeightState(block.header.number);
    });
  }

  addPendingMany(entries: readonly StoredPoolEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.write(() => {
      for (const { sequence, raw } of entries) this.durable.pool.set(sequence, raw);
    });
  }

  addPendingLazily(entries: readonly StoredPoolEntry[]): void {
    if (entries.length === 0) return;
    this.lazy.push(...entries);
  }

  flushPending(): Promise<void> {
    return this.lazy.length === 0 ? Promise.resolve() : this.write(() => {});
  }

  removePending(sequences: readonly number[]): Promise<void> {
    if (sequences.length === 0) return Promise.resolve();
    return this.write(() => {
      for (const sequence of sequences) this.durable.pool.delete(sequence);
    });
  }

  pendingTransactions(): StoredPoolEntry[] {
    return [...this.durable.pool].sort(([a], [b]) => a - b).map(([sequence, raw]) => ({ sequence, raw }));
  }

  guardSigning(height: number, round: number, blockHash: Uint8Array): Promise<void> {
    const key = `${height}/${round}`;
    const signed = this.guardThisSession.get(key) ?? this.durable.guard.get(key);
    if (signed !== undefined && hex(signed) !== hex(blockHash)) {
      throw new SigningGuardViolation(`refusing to sign block 0x${hex(blockHash)} at height ${height} round ${round}: this node already signed 0x${hex(signed)} there`);
    }
    if (signed !== undefined) return Promise.resolve();
    this.guardThisSession.set(key, blockHash);
    return this.write(() => void this.durable.guard.set(key, blockHash));
  }

  probeWrite(): Promise<void> {
    return this.write(() => {});
  }

  persistQbftState(state: QbftPersistedState<Block>): Promise<void> {
    return this.write(() => void (this.durable.qbft = state));
  }

  qbftState(): QbftPersistedState<Block> | undefined {
    return this.durable.qbft;
  }

  private write(apply: () => void): Promise<void> {
    if (this.dead) return new Promise(() => {});
    // entries of addPendingLazily join this write, before its own change, whose deletions (a block's,
    // a removal's) then take them out again: the end state of NodeStore, which leaves those out
    const lazy = this.lazy.splice(0);
    const withLazy = lazy.length === 0 ? apply : () => {
      for (const { sequence, raw } of lazy) this.durable.pool.set(sequence, raw);
      apply();
    };
    return new Promise((resolve, reject) => {
      this.queue.push({ apply: withLazy, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      this.clock.after(this.flushDelay(), () => this.flush());
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.dead) return;
    for (const write of this.queue.splice(0)) {
      try {
        if (this.durable.diskFull) throw new StorageUnavailable('writing failed: no space left on device (simulated)');
        write.apply();
        write.resolve();
      } catch (error) {
        write.reject(error as Error);
      }
    }
  }
}
