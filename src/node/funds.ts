/**
 * Admission's balance check (issue 14; README "Ordering and admission"): with an execution endpoint
 * (`dst run --execution-rpc`), a transaction sent over RPC is refused, reason `insufficient-funds`,
 * when its sender cannot pay it on top of what it has already committed to:
 *
 *   available = balance at the executed head H
 *             − maxCost of the sender's transactions in DST blocks above H (included, not yet executed)
 *   refused when  available < maxCost of the sender's pooled transactions + maxCost of this one
 *
 * with `maxCost = gasLimit × maxFeePerGas (gasPrice for legacy) + value` (src/chain `maxCost`), so a
 * key cannot queue many transactions that are each payable alone. (Admission, ./admission.ts, adds the
 * pooled part synchronously right before it reserves the pool slot, so two concurrent submissions of
 * one sender cannot both count the same wei.)
 *
 * Cheap and bounded: the executed head (eth_blockNumber) is asked at most every `headTtlMs` (one query
 * in flight, shared), each sender's balance at most once per executed head (`eth_getBalance` at H's
 * number, so balance and head are one snapshot; one query in flight per sender; at most `maxCached`
 * senders kept, the cache cleared when the head moves), and the included-not-executed spend is a
 * per-sender list pruned as the executed head passes its blocks, at most `maxTrackedEntries` entries
 * (the oldest blocks forgotten first when execution lags that far: then `available` is an over-estimate
 * and the check admits more, never less). After a restart, Admission's `restore` notes the newest
 * stored blocks again, so what they may spend keeps counting until execution passes them. Everything is asynchronous: the event loop never waits on it.
 *
 * When the endpoint is down (an error, a timeout — `timeoutMs`, 2 s —, a malformed answer), it is not
 * asked again for `retryAfterMs` (1 s), and the policy decides (`unavailable`):
 * - `admit` (the default): admitted, counted as `unavailable`, a warning logged at most every 10 s. A
 *   production sequencer should not stop taking transactions because one execution node is down: the
 *   check is an anti-spam measure, not a safety one — execution skips an unpayable transaction
 *   deterministically anyway (`insufficient-funds`, src/execution/executor.ts) — and the pool's other
 *   bounds (per sender, per client, size) still hold. Liveness of the sequencer stays independent of
 *   the execution node, which is the point of running a fault-tolerant cluster.
 * - `reject`: refused, reason `execution-unavailable` (retry later), for operators who prefer no
 *   unchecked transaction at all.
 *
 * Only RPC submissions are checked. Gossip from peers is not (the peer that took it checked it), and
 * blocks are never validated against balances: consensus must not depend on any one node's view of
 * execution.
 */
import type { Logger } from 'pino';
import { decodeTransaction, hex, maxCost, TransactionRejected, type Block, type DecodedTransaction } from '../chain/index.js';

/** What the check asks the execution endpoint. */
export interface ExecutionState {
  /** The last executed block's number. */
  head(timeoutMs: number): Promise<number>;
  /** The balance of `address` (lowercase hex, no 0x) after executed block `block`. */
  balance(address: string, block: number, timeoutMs: number): Promise<bigint>;
}

export type UnavailablePolicy = 'admit' | 'reject';
export const UNAVAILABLE_POLICIES: readonly UnavailablePolicy[] = ['admit', 'reject'];

export interface FundsCheckOptions {
  state: ExecutionState;
  /** What to do while the endpoint is down (module docblock); default `admit`. */
  unavailable?: UnavailablePolicy;
  logger: Logger;
  /** Counts each check by outcome: paid, insufficient, unavailable. */
  metrics?: { inc(labels: { outcome: string }): void };
  /** Monotonic milliseconds; default performance.now. */
  now?: () => number;
  headTtlMs?: number;
  timeoutMs?: number;
  retryAfterMs?: number;
  maxCached?: number;
  maxTrackedEntries?: number;
  /** The chain id, to decode included transactions that come without their fields (sync). */
  chainId: bigint;
}

/** What `available` found: the sender's spendable wei and the executed head it was read at. */
export interface Available {
  wei: bigint;
  head: number;
}

const WARN_EVERY_MS = 10_000;

export class FundsCheck {
  private readonly state: ExecutionState;
  private readonly policy: UnavailablePolicy;
  private readonly now: () => number;
  private readonly headTtlMs: number;
  private readonly timeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly maxCached: number;
  private readonly maxTrackedEntries: number;
  private head: { number: number; at: number } | undefined;
  private headQuery: Promise<number> | undefined;
  /** Balances at `balancesHead`, by sender (hex). */
  private balances = new Map<string, Promise<bigint>>();
  private balancesHead = -1;
  /** Per sender: what its transactions in blocks above the executed head may spend, by block. */
  private readonly unexecuted = new Map<string, Array<{ number: number; spend: bigint }>>();
  /** The blocks tracked in `unexecuted`, oldest first, with their senders. */
  private readonly tracked: Array<{ number: number; senders: string[] }> = [];
  private trackedEntries = 0;
  private downUntil = Number.NEGATIVE_INFINITY;
  private lastWarning = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: FundsCheckOptions) {
    this.state = options.state;
    this.policy = options.unavailable ?? 'admit';
    if (!UNAVAILABLE_POLICIES.includes(this.policy)) throw new RangeError(`FundsCheck: unavailable must be one of ${UNAVAILABLE_POLICIES.join(', ')}, got ${this.policy}`);
    this.now = options.now ?? (() => performance.now());
    this.headTtlMs = options.headTtlMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.retryAfterMs = options.retryAfterMs ?? 1_000;
    this.maxCached = options.maxCached ?? 65_536;
    this.maxTrackedEntries = options.maxTrackedEntries ?? 200_000;
  }

  /**
   * Refuses `tx` (`insufficient-funds`) when `available` minus `pendingSpend` (what the sender's pooled
   * transactions may take) cannot pay it. Synchronous: call it in the same turn as the pool reservation.
   */
  static require(available: Available, sender: string, pendingSpend: bigint, tx: DecodedTransaction): void {
    const cost = maxCost(tx);
    if (available.wei >= pendingSpend + cost) return;
    const committed = available.wei < 0n ? 0n : available.wei;
    throw new TransactionRejected(
      'insufficient-funds',
      `insufficient funds: sender 0x${sender} can spend ${committed} wei at executed block ${available.head}` +
        `${pendingSpend > 0n ? ` after its ${pendingSpend} wei of pending transactions` : ''}, and this transaction may take ${cost} (gas limit × fee per gas + value)`,
    );
  }

  /**
   * The sender's spendable wei at the executed head (balance minus what its included, not yet executed
   * transactions may take), or undefined when the endpoint is down and the policy admits; throws
   * `TransactionRejected('execution-unavailable')` when it is down and the policy rejects.
   */
  async available(sender: string): Promise<Available | undefined> {
    if (this.now() < this.downUntil) return this.unavailable(undefined);
    try {
      for (let attempt = 0; ; attempt++) {
        const head = await this.currentHead();
        const balance = await this.balanceAt(sender, head);
        // The head moved while the balance was asked (its spend may be pruned already): ask at the new one.
        if (this.head?.number !== head && attempt === 0) continue;
        return { wei: balance - this.unexecutedSpend(sender, head), head };
      }
    } catch (error) {
      this.downUntil = this.now() + this.retryAfterMs;
      this.head = undefined;
      return this.unavailable(error as Error);
    }
  }

  /** Counts a check's outcome (Admission calls it once it decided). */
  count(outcome: 'paid' | 'insufficient'): void {
    this.options.metrics?.inc({ outcome });
  }

  /**
   * A stored block's transactions (index-aligned `senders`): what they may spend counts against their
   * senders until the executed head passes the block. `decoded` are the block's transactions when the
   * caller has them decoded (else they are decoded from the block).
   */
  noteIncluded(block: Block, senders: readonly Uint8Array[], decoded?: readonly Partial<DecodedTransaction>[]): void {
    const number = block.header.number;
    if (block.transactions.length === 0 || (this.head !== undefined && number <= this.head.number)) return;
    const rules = { chainId: this.options.chainId, maxBytes: Number.MAX_SAFE_INTEGER };
    const spendBySender = new Map<string, bigint>();
    block.transactions.forEach((raw, i) => {
      const given = decoded?.[i];
      const tx = given?.gasLimit !== undefined && given.value !== undefined ? (given as DecodedTransaction) : decodeTransaction(raw, rules);
      const sender = hex(senders[i]!);
      spendBySender.set(sender, (spendBySender.get(sender) ?? 0n) + maxCost(tx));
    });
    for (const [sender, spend] of spendBySender) {
      let list = this.unexecuted.get(sender);
      if (list === undefined) this.unexecuted.set(sender, (list = []));
      list.push({ number, spend });
    }
    this.tracked.push({ number, senders: [...spendBySender.keys()] });
    this.trackedEntries += spendBySender.size;
    while (this.trackedEntries > this.maxTrackedEntries && this.tracked.length > 1) this.forgetOldest();
  }

  /** Senders with included, not yet executed transactions (for tests and bounds). */
  get trackedSenders(): number {
    return this.unexecuted.size;
  }

  private unexecutedSpend(sender: string, head: number): bigint {
    let sum = 0n;
    for (const entry of this.unexecuted.get(sender) ?? []) if (entry.number > head) sum += entry.spend;
    return sum;
  }

  private async currentHead(): Promise<number> {
    if (this.head !== undefined && this.now() - this.head.at < this.headTtlMs) return this.head.number;
    this.headQuery ??= this.state
      .head(this.timeoutMs)
      .then((number) => {
        if (!Number.isSafeInteger(number) || number < 0) throw new Error(`the execution endpoint's head is not a block number: ${number}`);
        this.head = { number, at: this.now() };
        while (this.tracked.length > 0 && this.tracked[0]!.number <= number) this.forgetOldest();
        return number;
      })
      .finally(() => (this.headQuery = undefined));
    return this.headQuery;
  }

  private balanceAt(sender: string, head: number): Promise<bigint> {
    if (this.balancesHead !== head || this.balances.size >= this.maxCached) {
      this.balances = new Map();
      this.balancesHead = head;
    }
    let balance = this.balances.get(sender);
    if (balance === undefined) {
      const cache = this.balances;
      balance = this.state.balance(sender, head, this.timeoutMs);
      cache.set(sender, balance);
      balance.catch(() => cache.delete(sender));
    }
    return balance;
  }

  private forgetOldest(): void {
    const oldest = this.tracked.shift()!;
    this.trackedEntries -= oldest.senders.length;
    for (const sender of oldest.senders) {
      // A sender's entries are in block order: the oldest block's is its first.
      const list = this.unexecuted.get(sender);
      if (list?.[0]?.number === oldest.number) list.shift();
      if (list?.length === 0) this.unexecuted.delete(sender);
    }
  }

  private unavailable(error: Error | undefined): undefined {
    this.options.metrics?.inc({ outcome: 'unavailable' });
    const now = this.now();
    if (error !== undefined && now - this.lastWarning >= WARN_EVERY_MS) {
      this.lastWarning = now;
      this.options.logger.warn({ err: error.message, policy: this.policy }, `the execution endpoint is unavailable: balances are not checked (transactions ${this.policy === 'admit' ? 'admitted unchecked' : 'refused'})`);
    }
    if (this.policy === 'reject') {
      throw new TransactionRejected('execution-unavailable', `the node cannot check the sender's balance: its execution endpoint is unavailable${error ? ` (${error.message})` : ''}; retry later`);
    }
    return undefined;
  }
}
