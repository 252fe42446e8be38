/**
 * The sequencer's transaction pool and its block ordering rule (README "Ordering and admission").
 *
 * A sequencer without fees is an open door — a transaction costs its sender nothing — so the pool's
 * rules are made so that no key, client or peer can fill it, slow it down or push honest transactions
 * back without bound, and so that nothing it acknowledged and can include is ever dropped:
 *
 * - Deduplicated by hash; one transaction per (sender, nonce) — a second one for a taken nonce is
 *   rejected ("nonce-taken"), not swapped in: there is no fee market to arbitrate replacements.
 * - A nonce below the sender's next one by the chain is rejected ("nonce-too-low"). The sequencer orders
 *   and does not execute (docs/architecture.md §1), so the pool checks no balance (with an execution
 *   endpoint admission does, src/node/funds.ts, using `spendOf`); a sender the chain has never
 *   included starts at nonce 0, as every account does. (It once started from the lowest nonce pending at
 *   the proposer: a block could include a sender's nonces 1.. before its nonce 0 reached that node, and
 *   every node dropped the accepted nonce 0 as obsolete — found by the whole-node simulator.)
 * - Each sender's pooled transactions from its next nonce on without a gap are *includable* (a block can
 *   take them in order); one behind a missing nonce is *waiting*. A transaction more than `maxNonceGap`
 *   nonces past the sender's includable run is refused ("nonce-gap") instead of waiting forever.
 * - Per sender at most `maxPerSender` pooled ("sender-limit"); per source — an RPC client address, a
 *   gossiping peer — at most its `maxPending` ("source-limit"), so one flooding source holds at most its
 *   quota of the pool and an honest transaction waits behind at most that many of its.
 * - Bounded in count and bytes. When full, an includable arrival evicts the oldest waiting transaction
 *   (expired, reason "evicted"); with nothing waiting to evict the arrival is refused ("pool-full").
 *   An includable transaction is never evicted: it is only ever removed by its inclusion, or when a
 *   block includes another transaction with its sender and nonce (expired, "nonce-used").
 * - A transaction still waiting `stuckExpiryMs` after it was pooled expires (reason "nonce-gap"); the
 *   last `EXPIRED_REMEMBERED` expiries are remembered, so the sender can ask why (`statusOf`).
 * - Ordering for a block: first come, first served by arrival, keeping each sender's nonces consecutive:
 *   a heap holds each includable sender's next transaction keyed by its arrival number; the earliest is
 *   taken, then that sender's following nonce (if pooled) joins the heap.
 *
 * Cost: the senders with an includable transaction are indexed (`ready`), so "is anything includable?"
 * and block selection never look at waiting senders — 40,000 senders stuck behind gaps cost nothing per
 * arrival or per block. Waiting transactions are kept in pooling order (`waitingQueue`) for expiry and
 * eviction in amortized constant time.
 */
import { hex } from '../bytes/index.js';
import { maxCost, TransactionRejected, type Transaction } from './transaction.js';

export interface MempoolLimits {
  /** Pooled transactions at most. */
  maxTransactions: number;
  /** Pooled raw bytes at most. */
  maxBytes: number;
  /** Pooled transactions of one sender at most (includable and waiting). */
  maxPerSender: number;
  /** How many nonces past its sender's includable run a transaction may be (0: only the next one). */
  maxNonceGap: number;
  /** A transaction still waiting behind a missing nonce this long after it was pooled expires. */
  stuckExpiryMs: number;
}

/** Where a transaction came from, and how many pooled transactions that source may hold. */
export interface PoolSource {
  /** e.g. `rpc:203.0.113.7`, `peer:2`, `restore`. */
  id: string;
  maxPending: number;
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
  source: string;
  /** When it was pooled, on the caller's monotonic clock (ms). */
  pooledAt: number;
  /**
   * False while its owner writes it to disk (`reserve`d, not yet `confirm`ed): it counts against the
   * limits and for its sender's nonces, but no block, status or peer sees it.
   */
  durable: boolean;
}

export interface BlockLimits {
  maxTransactions: number;
  maxBytes: number;
}

/** Why a pooled transaction left the pool without being included. */
export type ExpiryReason = 'nonce-gap' | 'evicted' | 'nonce-used';

/** What the pool says about a transaction hash. */
export type PoolStatus = { status: 'pending' } | { status: 'expired'; reason: ExpiryReason; at: number } | undefined;

/** How many expiries `statusOf` remembers (the oldest are forgotten first). */
export const EXPIRED_REMEMBERED = 65_536;

interface SenderQueue {
  /** The sender's next nonce by the chain: one above its last included one, 0 if none. */
  next: bigint;
  /** The first nonce from `next` on that is not pooled: pooled nonces in [next, runEnd) are includable. */
  runEnd: bigint;
  byNonce: Map<bigint, PooledTransaction>;
  /** The sum of `maxCost` over `byNonce`: the most the sender's pooled transactions can spend. */
  spend: bigint;
}

export class Mempool {
  private readonly byHash = new Map<string, PooledTransaction>();
  private readonly bySender = new Map<string, SenderQueue>();
  /** Senders whose next nonce is pooled: the only ones block selection looks at. */
  private readonly ready = new Set<string>();
  /** Transactions pooled while waiting, in pooling order; entries since included or unblocked are skipped lazily. */
  private waitingQueue: PooledTransaction[] = [];
  private waitingHead = 0;
  private readonly perSource = new Map<string, number>();
  private readonly expired = new Map<string, { reason: ExpiryReason; at: number }>();
  private nextArrival = 0;
  private totalBytes = 0;

  /**
   * `onExpired` hears of every transaction that leaves the pool without being included (its owner
   * removes the durable copy).
   */
  constructor(
    private readonly limits: MempoolLimits,
    private readonly chain: IncludedView,
    private readonly onExpired: (pooled: PooledTransaction, reason: ExpiryReason) => void = () => {},
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Mempool: limits.${name} must be a non-negative integer, got ${value}`);
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  /** When the oldest transaction still pooled was pooled (the `now` it was added with); undefined when empty. */
  oldestPooledAt(): number | undefined {
    // byHash keeps insertion order, i.e. arrival order: its first entry is the oldest.
    for (const pooled of this.byHash.values()) return pooled.pooledAt;
    return undefined;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  /** A pooled transaction (confirmed: not one still being written). */
  get(hash: string): PooledTransaction | undefined {
    const pooled = this.byHash.get(hash);
    return pooled?.durable ? pooled : undefined;
  }

  /** How many pooled transactions came from `source`. */
  pendingFrom(source: string): number {
    return this.perSource.get(source) ?? 0;
  }

  /** Pending, or expired and why (while remembered), or undefined: unknown to the pool. */
  statusOf(hash: string): PoolStatus {
    if (this.get(hash)) return { status: 'pending' };
    const expired = this.expired.get(hash);
    return expired && { status: 'expired', ...expired };
  }

  /** Pending transactions in arrival order. */
  pending(): PooledTransaction[] {
    return [...this.byHash.values()].filter((pooled) => pooled.durable);
  }

  /** Admits a transaction from `source` at time `now` or throws `TransactionRejected` saying why. */
  add(tx: Transaction, source: PoolSource, now: number): PooledTransaction {
    const pooled = this.reserve(tx, source, now);
    pooled.durable = true;
    return pooled;
  }

  /**
   * Admits a transaction that its owner is about to write to disk: it holds its place (limits, nonces)
   * but stays invisible until `confirm` — or leaves without a trace by `cancel` if the write fails.
   * So nothing reaches a block or a peer unless it is on disk.
   */
  reserve(tx: Transaction, source: PoolSource, now: number): PooledTransaction {
    const { hash, sender, queue, includable } = this.admissible(tx, source, now);
    const pooled: PooledTransaction = { tx, hash, sender, arrival: this.nextArrival++, source: source.id, pooledAt: now, durable: false };
    this.byHash.set(hash, pooled);
    this.bySender.set(sender, queue);
    queue.byNonce.set(tx.nonce, pooled);
    queue.spend += maxCost(tx);
    this.perSource.set(source.id, this.pendingFrom(source.id) + 1);
    this.totalBytes += tx.raw.length;
    if (includable) {
      while (queue.byNonce.has(queue.runEnd)) queue.runEnd++;
      if (tx.nonce === queue.next) this.ready.add(sender);
    } else {
      this.waitingQueue.push(pooled);
      this.compactWaiting();
    }
    return pooled;
  }

  /** Its write succeeded: the reserved transaction is pooled like any other. */
  confirm(pooled: PooledTransaction): void {
    if (this.byHash.get(pooled.hash) === pooled) pooled.durable = true;
  }

  /** Its write failed: the reserved transaction leaves, as if it had never come. */
  cancel(pooled: PooledTransaction): void {
    if (this.byHash.get(pooled.hash) !== pooled) return;
    this.delete(pooled);
    const queue = this.bySender.get(pooled.sender);
    if (queue === undefined || pooled.tx.nonce >= queue.runEnd) return;
    // Its sender's pooled nonces above it wait again, behind the hole it leaves (and may expire).
    for (let nonce = pooled.tx.nonce + 1n; nonce < queue.runEnd; nonce++) this.waitingQueue.push(queue.byNonce.get(nonce)!);
    queue.runEnd = pooled.tx.nonce;
  }

  /** The rules of `add`, making room in a full pool (at time `now`) if need be. */
  private admissible(tx: Transaction, source: PoolSource, now: number): { hash: string; sender: string; queue: SenderQueue; includable: boolean } {
    const hash = hex(tx.hash);
    const sender = hex(tx.sender);
    const { limits } = this;
    if (this.byHash.has(hash)) throw new TransactionRejected('already-known', `transaction 0x${hash} is already pending`);
    if (this.chain.isIncluded(hash)) throw new TransactionRejected('already-included', `transaction 0x${hash} is already in a block`);
    const queue = this.bySender.get(sender) ?? this.freshQueue(sender);
    if (tx.nonce < queue.next) {
      throw new TransactionRejected('nonce-too-low', `nonce too low: sender 0x${sender} has nonce ${queue.next - 1n} included, got ${tx.nonce}`);
    }
    if (queue.byNonce.has(tx.nonce)) {
      throw new TransactionRejected('nonce-taken', `sender 0x${sender} already has a pending transaction with nonce ${tx.nonce}`);
    }
    if (tx.nonce - queue.runEnd > BigInt(limits.maxNonceGap)) {
      throw new TransactionRejected(
        'nonce-gap',
        `nonce ${tx.nonce} is too far ahead: sender 0x${sender}'s next includable nonce is ${queue.runEnd}, and at most ${limits.maxNonceGap} may be skipped; send the missing nonces first`,
      );
    }
    if (queue.byNonce.size >= limits.maxPerSender) {
      throw new TransactionRejected('sender-limit', `sender 0x${sender} has ${queue.byNonce.size} pending transactions, the most one sender may have; retry once some are included`);
    }
    if (this.pendingFrom(source.id) >= source.maxPending) {
      throw new TransactionRejected('source-limit', `${source.id} has ${source.maxPending} pending transactions, the most one source may have; retry once some are included`);
    }
    const includable = tx.nonce === queue.runEnd;
    if (!this.makeRoom(tx.raw.length, includable ? sender : undefined, now)) throw new TransactionRejected('pool-full', `transaction pool is full (${this.byHash.size} transactions, ${this.totalBytes} bytes); retry later`);
    return { hash, sender, queue, includable };
  }

  /**
   * After a block is stored: its transactions leave the pool, and so does any pooled transaction whose
   * nonce the block used (same sender and nonce, another transaction: expired, "nonce-used").
   */
  removeIncluded(transactions: readonly Pick<Transaction, 'hash' | 'sender'>[], now: number): void {
    const touched = new Set<string>();
    for (const tx of transactions) {
      const pooled = this.byHash.get(hex(tx.hash));
      if (pooled) this.delete(pooled);
      touched.add(hex(tx.sender));
    }
    for (const sender of touched) {
      const queue = this.bySender.get(sender);
      if (!queue) continue;
      const last = this.chain.lastIncludedNonce(sender);
      const next = last === undefined ? 0n : last + 1n;
      if (next > queue.next) {
        for (const [nonce, pooled] of queue.byNonce) if (nonce < next) this.expire(pooled, 'nonce-used', now);
        queue.next = next;
        if (queue.runEnd < next) queue.runEnd = next;
        while (queue.byNonce.has(queue.runEnd)) queue.runEnd++;
      }
      this.updateReady(sender, queue);
    }
  }

  /** Expires what has waited behind a missing nonce for `stuckExpiryMs`; returns how many. */
  expireWaiting(now: number): number {
    let count = 0;
    while (this.waitingHead < this.waitingQueue.length) {
      const oldest = this.waitingQueue[this.waitingHead]!;
      if (this.isWaiting(oldest) && oldest.pooledAt + this.limits.stuckExpiryMs > now) break;
      this.waitingHead++;
      if (this.isWaiting(oldest)) {
        this.expire(oldest, 'nonce-gap', now);
        count++;
      }
    }
    this.compactWaiting();
    return count;
  }

  /** The nonce after `sender`'s pooled transactions that continue, without a gap, from nonce `next`. */
  nextPendingNonce(sender: string, next: bigint): bigint {
    const queue = this.bySender.get(sender);
    return queue && queue.next === next ? queue.runEnd : next;
  }

  /**
   * The most `sender`'s pooled transactions (includable, waiting and reserved alike) can take from it:
   * the sum of their gasLimit × fee + value (`maxCost`); 0 when none is pooled.
   */
  spendOf(sender: string): bigint {
    return this.bySender.get(sender)?.spend ?? 0n;
  }

  /** Whether `selectForBlock` would select anything: some sender's next nonce is pooled and fits. */
  hasIncludable(maxBytes: number): boolean {
    for (const sender of this.ready) {
      const queue = this.bySender.get(sender)!;
      const head = queue.byNonce.get(queue.next)!;
      if (head.durable && head.tx.raw.length <= maxBytes) return true;
    }
    return false;
  }

  /** The transactions of the next block, by the ordering rule above, within the limits. */
  selectForBlock(limits: BlockLimits): Transaction[] {
    const heads: PooledTransaction[] = [];
    for (const sender of this.ready) {
      const queue = this.bySender.get(sender)!;
      const head = queue.byNonce.get(queue.next)!;
      if (head.durable) heads.push(head);
    }
    const heap = new ArrivalHeap(heads);
    const selected: Transaction[] = [];
    let bytes = 0;
    while (selected.length < limits.maxTransactions) {
      const pooled = heap.pop();
      if (!pooled) break;
      if (bytes + pooled.tx.raw.length > limits.maxBytes) continue; // this sender waits for the next block
      selected.push(pooled.tx);
      bytes += pooled.tx.raw.length;
      const next = this.bySender.get(pooled.sender)?.byNonce.get(pooled.tx.nonce + 1n);
      if (next?.durable) heap.push(next);
    }
    return selected;
  }

  private freshQueue(sender: string): SenderQueue {
    const last = this.chain.lastIncludedNonce(sender);
    const next = last === undefined ? 0n : last + 1n;
    return { next, runEnd: next, byNonce: new Map(), spend: 0n };
  }

  /** Whether `pooled` is still in the pool and waiting behind a missing nonce. */
  private isWaiting(pooled: PooledTransaction): boolean {
    return this.byHash.get(pooled.hash) === pooled && pooled.tx.nonce > this.bySender.get(pooled.sender)!.runEnd;
  }

  /**
   * Makes room for `bytes` more: true if there is room, evicting the oldest waiting transactions (not
   * of `evictFor`'s own sender, whose gap the arrival may be filling) when the arrival is includable
   * (`evictFor` set); false if the pool stays full.
   */
  private makeRoom(bytes: number, evictFor: string | undefined, now: number): boolean {
    const full = (): boolean => this.isFull(bytes);
    if (!full()) return true;
    if (evictFor === undefined) return false;
    const skipped: PooledTransaction[] = [];
    let position = this.waitingHead;
    while (full() && position < this.waitingQueue.length) {
      const oldest = this.waitingQueue[position++]!;
      if (!this.isWaiting(oldest)) continue;
      if (oldest.sender === evictFor) skipped.push(oldest);
      else this.expire(oldest, 'evicted', now);
    }
    // The front of the queue up to `position` is gone, except the skipped, which keep their places.
    this.waitingQueue.splice(this.waitingHead, position - this.waitingHead, ...skipped);
    return !full();
  }

  private isFull(bytes: number): boolean {
    return this.byHash.size >= this.limits.maxTransactions || this.totalBytes + bytes > this.limits.maxBytes;
  }

  private compactWaiting(): void {
    const live = this.waitingQueue.length - this.waitingHead;
    if (this.waitingHead > 1024 && this.waitingHead > live) {
      this.waitingQueue = this.waitingQueue.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    // Entries since included or unblocked linger until they reach the front; keep them from piling up.
    if (this.waitingQueue.length > 2 * this.limits.maxTransactions + 1024) {
      this.waitingQueue = this.waitingQueue.slice(this.waitingHead).filter((pooled) => this.isWaiting(pooled));
      this.waitingHead = 0;
    }
  }

  private updateReady(sender: string, queue: SenderQueue): void {
    if (queue.byNonce.has(queue.next)) this.ready.add(sender);
    else this.ready.delete(sender);
  }

  private expire(pooled: PooledTransaction, reason: ExpiryReason, now: number): void {
    this.delete(pooled);
    if (this.expired.size >= EXPIRED_REMEMBERED) this.expired.delete(this.expired.keys().next().value!);
    this.expired.set(pooled.hash, { reason, at: now });
    this.onExpired(pooled, reason);
  }

  private delete(pooled: PooledTransaction): void {
    this.byHash.delete(pooled.hash);
    const queue = this.bySender.get(pooled.sender)!;
    queue.byNonce.delete(pooled.tx.nonce);
    queue.spend -= maxCost(pooled.tx);
    if (queue.byNonce.size === 0) {
      this.bySender.delete(pooled.sender);
      this.ready.delete(pooled.sender);
    } else if (pooled.tx.nonce === queue.next) {
      this.ready.delete(pooled.sender);
    }
    const fromSource = this.pendingFrom(pooled.source) - 1;
    if (fromSource === 0) this.perSource.delete(pooled.source);
    else this.perSource.set(pooled.source, fromSource);
    this.totalBytes -= pooled.tx.raw.length;
  }
}

/** A binary min-heap of pooled transactions by arrival number. */
class ArrivalHeap {
  private readonly items: PooledTransaction[];

  /** Heapifies `items` (taken over) bottom-up, in linear time. */
  constructor(items: PooledTransaction[]) {
    this.items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.siftDown(i, items[i]!);
  }

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
    if (items.length > 0 && last !== undefined) this.siftDown(0, last);
    return top;
  }

  /** Places `item` at `i` or below, moving smaller children up. */
  private siftDown(i: number, item: PooledTransaction): void {
    const items = this.items;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.arrival < items[left]!.arrival ? right : left;
      if (items[child]!.arrival >= item.arrival) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = item;
  }
}
