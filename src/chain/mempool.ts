/**
 * The sequencer's transaction pool and its block ordering rule.
 *
 * - Deduplicated by transaction hash; one transaction per (sender, nonce) — a second one for a taken
 *   nonce is rejected ("nonce-taken"), not swapped in, because the sequencer has no fee market to
 *   arbitrate replacements.
 * - A nonce at or below the sender's last included nonce is rejected ("nonce-too-low"). The sequencer
 *   orders and does not execute (DESIGN.md §1), so there are no balance checks; a sender the chain has
 *   never included starts at nonce 0, as every account does (and as `eth_getTransactionCount` answers).
 *   (It once started from the lowest nonce pending at the proposer: a block could then include a
 *   sender's nonces 1.. before its nonce 0 reached that node, and every node dropped the accepted nonce 0
 *   as obsolete — found by the whole-node simulator, test/node/sim.)
 * - Bounded in count and bytes: a full pool rejects new transactions ("pool-full"); it never evicts one it
 *   has accepted, so an accepted transaction is only ever removed by inclusion.
 * - Ordering for a block: first come, first served by arrival, keeping each sender's nonces consecutive:
 *   a heap holds each sender's next includable transaction keyed by its arrival number; the earliest is
 *   taken, then that sender's following nonce (if pending) joins the heap. A transaction behind a nonce
 *   gap waits until the gap is filled.
 */
import { hex } from '../bytes/index.js';
import { TransactionRejected, type Transaction } from './transaction.js';

export interface MempoolLimits {
  maxTransactions: number;
  maxBytes: number;
}

/** What the pool needs to know about the chain. */
export interface IncludedView {
  /** Highest nonce of `sender` (20-byte address as lowercase hex without 0x) in a stored block. */
  lastIncludedNonce(sender: string): bigint | undefined;
  /** Whether a transaction with this hash (lowercase hex without 0x) is in a stored block. */
  isIncluded(hash: string): boolean;
}

export interface PooledTransaction {
  tx: Transaction;
  hash: string;
  sender: string;
  /** Monotonic arrival number: the order of first come, first served. */
  arrival: number;
}

export interface BlockLimits {
  maxTransactions: number;
  maxBytes: number;
}

export class Mempool {
  private readonly byHash = new Map<string, PooledTransaction>();
  private readonly bySender = new Map<string, Map<bigint, PooledTransaction>>();
  private nextArrival = 0;
  private totalBytes = 0;

  constructor(
    private readonly limits: MempoolLimits,
    private readonly chain: IncludedView,
  ) {}

  get size(): number {
    return this.byHash.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  get(hash: string): PooledTransaction | undefined {
    return this.byHash.get(hash);
  }

  /** Pending transactions in arrival order. */
  pending(): PooledTransaction[] {
    return [...this.byHash.values()];
  }

  /** Admits a transaction or throws `TransactionRejected` saying why. */
  add(tx: Transaction): PooledTransaction {
    const hash = hex(tx.hash);
    const sender = hex(tx.sender);
    if (this.byHash.has(hash)) throw new TransactionRejected('already-known', `transaction 0x${hash} is already pending`);
    if (this.chain.isIncluded(hash)) throw new TransactionRejected('already-included', `transaction 0x${hash} is already in a block`);
    const last = this.chain.lastIncludedNonce(sender);
    if (last !== undefined && tx.nonce <= last) {
      throw new TransactionRejected('nonce-too-low', `nonce too low: sender 0x${sender} has nonce ${last} included, got ${tx.nonce}`);
    }
    const queue = this.bySender.get(sender);
    if (queue?.has(tx.nonce)) {
      throw new TransactionRejected('nonce-taken', `sender 0x${sender} already has a pending transaction with nonce ${tx.nonce}`);
    }
    if (this.byHash.size >= this.limits.maxTransactions) {
      throw new TransactionRejected('pool-full', `transaction pool is full (${this.limits.maxTransactions} transactions); retry later`);
    }
    if (this.totalBytes + tx.raw.length > this.limits.maxBytes) {
      throw new TransactionRejected('pool-full', `transaction pool is full (${this.limits.maxBytes} bytes); retry later`);
    }
    const pooled: PooledTransaction = { tx, hash, sender, arrival: this.nextArrival++ };
    this.byHash.set(hash, pooled);
    if (queue) queue.set(tx.nonce, pooled);
    else this.bySender.set(sender, new Map([[tx.nonce, pooled]]));
    this.totalBytes += tx.raw.length;
    return pooled;
  }

  /**
   * Removes what a stored block made obsolete: its transactions, and any pending transaction whose
   * nonce is now at or below its sender's last included nonce.
   */
  removeIncluded(transactions: readonly Pick<Transaction, 'hash' | 'sender'>[]): void {
    const touched = new Set<string>();
    for (const tx of transactions) {
      const pooled = this.byHash.get(hex(tx.hash));
      if (pooled) this.delete(pooled);
      touched.add(hex(tx.sender));
    }
    for (const sender of touched) {
      const last = this.chain.lastIncludedNonce(sender);
      const queue = this.bySender.get(sender);
      if (last === undefined || !queue) continue;
      for (const [nonce, pooled] of queue) if (nonce <= last) this.delete(pooled);
    }
  }

  /** The transactions of the next block, by the ordering rule above, within the limits. */
  /** The nonce after `sender`'s pooled transactions that continue, without a gap, from nonce `next`. */
  nextPendingNonce(sender: string, next: bigint): bigint {
    const queue = this.bySender.get(sender);
    while (queue?.has(next)) next++;
    return next;
  }

  /** Whether `selectForBlock` would select anything: some sender's next nonce is pooled and fits. Stops
   * at the first such sender, so it is cheap to ask after every arrival. */
  hasIncludable(maxBytes: number): boolean {
    for (const [sender, queue] of this.bySender) {
      const last = this.chain.lastIncludedNonce(sender);
      const head = queue.get(last === undefined ? 0n : last + 1n);
      if (head && head.tx.raw.length <= maxBytes) return true;
    }
    return false;
  }

  selectForBlock(limits: BlockLimits): Transaction[] {
    const heap = new ArrivalHeap();
    for (const [sender, queue] of this.bySender) {
      const last = this.chain.lastIncludedNonce(sender);
      const head = queue.get(last === undefined ? 0n : last + 1n);
      if (head) heap.push(head);
    }
    const selected: Transaction[] = [];
    let bytes = 0;
    while (selected.length < limits.maxTransactions) {
      const pooled = heap.pop();
      if (!pooled) break;
      if (bytes + pooled.tx.raw.length > limits.maxBytes) continue; // this sender waits for the next block
      selected.push(pooled.tx);
      bytes += pooled.tx.raw.length;
      const next = this.bySender.get(pooled.sender)?.get(pooled.tx.nonce + 1n);
      if (next) heap.push(next);
    }
    return selected;
  }

  private delete(pooled: PooledTransaction): void {
    this.byHash.delete(pooled.hash);
    const queue = this.bySender.get(pooled.sender);
    queue?.delete(pooled.tx.nonce);
    if (queue && queue.size === 0) this.bySender.delete(pooled.sender);
    this.totalBytes -= pooled.tx.raw.length;
  }
}

/** A binary min-heap of pooled transactions by arrival number. */
class ArrivalHeap {
  private readonly items: PooledTransaction[] = [];

  push(item: PooledTransaction): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.arrival <= item.arrival) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): PooledTransaction | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.arrival < items[left]!.arrival ? right : left;
      if (items[child]!.arrival >= last.arrival) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
