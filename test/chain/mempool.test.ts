/**
 * The pool's rules (issue 11: nonce window, per-sender and per-source caps, eviction and expiry of what
 * waits behind a gap, statuses) and its first-come-first-served, nonce-consecutive ordering. Pool logic
 * reads only hash, sender, nonce, size and the cost fields (gas limit, price, value: `spendOf`), so these
 * tests use synthetic transactions with those fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mempool, hex, TransactionRejected, type IncludedView, type PooledTransaction, type PoolSource, type Transaction } from '../../src/chain/index.js';

let serial = 0;
function tx(sender: number, nonce: bigint, bytes = 100, value = 0n): Transaction {
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(0, ++serial);
  // Legacy pricing: maxCost = 21,000 × 1 gwei + value.
  const fees = { gasLimit: 21_000n, gasPrice: 1_000_000_000n, maxFeePerGas: null, value };
  return { hash, sender: new Uint8Array(20).fill(sender), nonce, raw: new Uint8Array(bytes), ...fees } as Transaction;
}

class Included implements IncludedView {
  nonces = new Map<string, bigint>();
  hashes = new Set<string>();
  lastIncludedNonce(sender: string) {
    return this.nonces.get(sender);
  }
  isIncluded(hash: string) {
    return this.hashes.has(hash);
  }
  include(txs: Transaction[]) {
    for (const t of txs) {
      this.hashes.add(hex(t.hash));
      this.nonces.set(hex(t.sender), t.nonce);
    }
  }
}

const limits = { maxTransactions: 1000, maxBytes: 1_000_000, maxPerSender: 1000, maxNonceGap: 1000, stuckExpiryMs: 60_000 };
const ANY: PoolSource = { id: 'test', maxPending: Number.MAX_SAFE_INTEGER };
/** A pool whose `add(t)` and `removeIncluded(ts)` default the source and the time, as most tests need. */
class TestPool extends Mempool {
  override add(t: Transaction, source: PoolSource = ANY, now = 0) {
    return super.add(t, source, now);
  }
  override removeIncluded(ts: Transaction[], now = 0) {
    super.removeIncluded(ts, now);
  }
}
const rejectionOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TransactionRejected) return error;
    throw error;
  }
  throw new Error('expected a rejection');
};

describe('Mempool admission', () => {
  it('deduplicates by hash and refuses a second transaction for a taken nonce', () => {
    const pool = new TestPool(limits, new Included());
    const a = tx(1, 0n);
    pool.add(a);
    expect(rejectionOf(() => pool.add(a)).reason).toBe('already-known');
    const error = rejectionOf(() => pool.add(tx(1, 0n)));
    expect(error.reason).toBe('nonce-taken');
    expect(error.message).toMatch(/already has a pending transaction with nonce 0/);
    expect(pool.size).toBe(1);
  });

  it('rejects nonces at or below the last included one, and included transactions', () => {
    const chain = new Included();
    const included = tx(2, 5n);
    chain.include([included]);
    const pool = new TestPool(limits, chain);
    const error = rejectionOf(() => pool.add(tx(2, 5n)));
    expect(error.reason).toBe('nonce-too-low');
    expect(error.message).toMatch(/nonce too low: sender 0x0202.* has nonce 5 included, got 5/);
    expect(rejectionOf(() => pool.add(included)).reason).toBe('already-included');
    pool.add(tx(2, 6n));
  });

  it('a full pool (count or bytes) rejects new transactions and keeps every accepted one', () => {
    const pool = new TestPool({ ...limits, maxTransactions: 3, maxBytes: 250 }, new Included());
    const accepted = [tx(1, 0n), tx(1, 1n)];
    accepted.forEach((t) => pool.add(t));
    expect(rejectionOf(() => pool.add(tx(2, 0n, 51))).message).toMatch(/pool is full \(2 transactions, 200 bytes\)/);
    pool.add(tx(2, 0n, 50));
    expect(rejectionOf(() => pool.add(tx(3, 0n, 1))).message).toMatch(/pool is full \(3 transactions, 250 bytes\)/);
    expect(pool.size).toBe(3);
    expect(pool.bytes).toBe(250);
    for (const t of accepted) expect(pool.has(hex(t.hash))).toBe(true);
  });
});

describe('Mempool ordering', () => {
  it('first come, first served across senders', () => {
    const pool = new TestPool(limits, new Included());
    const order = [tx(1, 0n), tx(2, 0n), tx(1, 1n), tx(3, 0n), tx(2, 1n)];
    order.forEach((t) => pool.add(t));
    expect(pool.selectForBlock(limits)).toEqual(order);
  });

  it('a transaction behind a nonce gap waits; filling the gap releases it right after', () => {
    const chain = new Included();
    const pool = new TestPool(limits, chain);
    chain.include([tx(1, 9n)]);
    const late = tx(1, 11n);
    const other = tx(2, 0n);
    pool.add(late);
    expect(pool.hasIncludable(limits.maxBytes)).toBe(false);
    expect(pool.selectForBlock(limits)).toEqual([]);
    pool.add(other);
    expect(pool.hasIncludable(limits.maxBytes)).toBe(true);
    expect(pool.hasIncludable(other.raw.length - 1)).toBe(false);
    expect(pool.selectForBlock(limits)).toEqual([other]);
    const gap = tx(1, 10n);
    pool.add(gap);
    expect(pool.selectForBlock(limits)).toEqual([other, gap, late]);
  });

  it('respects the block limits without breaking a sender\'s nonce order', () => {
    const pool = new TestPool(limits, new Included());
    const big = tx(1, 0n, 600);
    const next = tx(1, 1n, 10);
    const small = tx(2, 0n, 300);
    [big, next, small].forEach((t) => pool.add(t));
    expect(pool.selectForBlock({ maxTransactions: 10, maxBytes: 500 })).toEqual([small]);
    expect(pool.selectForBlock({ maxTransactions: 2, maxBytes: 10_000 })).toEqual([big, next]);
  });

  it('removeIncluded drops included and now-stale transactions only', () => {
    const chain = new Included();
    const pool = new TestPool(limits, chain);
    const a0 = tx(1, 0n);
    const a1 = tx(1, 1n);
    const stale = tx(2, 3n);
    const b4 = tx(2, 4n);
    [a0, a1, stale, b4].forEach((t) => pool.add(t));
    const otherBlockTx = tx(2, 3n); // another node's transaction for the same nonce made it into the block
    chain.include([a0, otherBlockTx]);
    pool.removeIncluded([a0, otherBlockTx]);
    expect(pool.pending().map((p) => p.tx)).toEqual([a1, b4]);
    expect(pool.selectForBlock(limits)).toEqual([a1, b4]);
  });

  it("spendOf: the sum of a sender's pooled maxCost, down again as its transactions leave by inclusion, expiry or a failed write", () => {
    const chain = new Included();
    const pool = new TestPool(limits, chain);
    const cost = (value: bigint) => 21_000n * 1_000_000_000n + value;
    const a0 = tx(1, 0n, 100, 5n);
    const a1 = tx(1, 1n, 100, 7n);
    [a0, a1, tx(2, 0n, 100, 1n)].forEach((t) => pool.add(t));
    expect(pool.spendOf(hex(a0.sender))).toBe(cost(5n) + cost(7n));
    chain.include([a0]);
    pool.removeIncluded([a0]);
    expect(pool.spendOf(hex(a0.sender))).toBe(cost(7n));
    chain.include([a1]);
    pool.removeIncluded([a1]);
    expect(pool.spendOf(hex(a0.sender))).toBe(0n);
    expect(pool.spendOf(hex(new Uint8Array(20).fill(2)))).toBe(cost(1n));
  });

  it('property: every selection keeps per-sender nonces consecutive and follows arrival among ready heads', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 })), { maxLength: 40 }), (entries) => {
        const pool = new TestPool(limits, new Included());
        for (const [sender, nonce] of entries) {
          try {
            pool.add(tx(sender, BigInt(nonce)));
          } catch (error) {
            expect((error as TransactionRejected).reason).toBe('nonce-taken');
          }
        }
        const selected = pool.selectForBlock(limits);
        const next = new Map<string, bigint>();
        for (const t of selected) {
          const sender = hex(t.sender);
          const expected = next.get(sender);
          if (expected !== undefined) expect(t.nonce).toBe(expected);
          next.set(sender, t.nonce + 1n);
        }
        // Each sender's run starts at its lowest pending nonce.
        for (const [sender] of next) {
          const lowest = pool.pending().filter((p) => p.sender === sender).reduce((m, p) => (p.tx.nonce < m ? p.tx.nonce : m), 1n << 64n);
          expect(selected.find((t) => hex(t.sender) === sender)!.nonce).toBe(lowest);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('Mempool rules against floods (issue 11)', () => {
  const rules = { ...limits, maxPerSender: 4, maxNonceGap: 2, stuckExpiryMs: 1_000 };

  it('refuses a nonce more than maxNonceGap past the sender\'s includable run (nonce-gap)', () => {
    const pool = new TestPool({ ...rules, maxPerSender: 10 }, new Included());
    pool.add(tx(1, 0n));
    pool.add(tx(1, 1n));
    // The run is 0..1: nonce 2 is next; 4 skips two, 5 would skip three.
    pool.add(tx(1, 4n));
    const error = rejectionOf(() => pool.add(tx(1, 5n)));
    expect(error.reason).toBe('nonce-gap');
    expect(error.message).toMatch(/next includable nonce is 2, and at most 2 may be skipped/);
    // Filling nonce 2 moves the run to 0..2, so 5 now skips two (3 and 4 pooled or not).
    pool.add(tx(1, 2n));
    pool.add(tx(1, 5n));
    expect(pool.size).toBe(5);
    expect(pool.nextPendingNonce(hex(new Uint8Array(20).fill(1)), 0n)).toBe(3n);
  });

  it('caps a sender\'s pooled transactions (sender-limit) and a source\'s (source-limit)', () => {
    const pool = new TestPool({ ...rules, maxNonceGap: 100 }, new Included());
    for (let n = 0n; n < 4n; n++) pool.add(tx(1, n));
    expect(rejectionOf(() => pool.add(tx(1, 4n))).reason).toBe('sender-limit');
    const client: PoolSource = { id: 'rpc:203.0.113.7', maxPending: 3 };
    for (let s = 10; s < 13; s++) pool.add(tx(s, 0n), client);
    const error = rejectionOf(() => pool.add(tx(13, 0n), client));
    expect(error.reason).toBe('source-limit');
    expect(error.message).toMatch(/rpc:203\.0\.113\.7 has 3 pending transactions/);
    expect(pool.pendingFrom(client.id)).toBe(3);
    // Another source is not affected, and inclusion frees the quota.
    pool.add(tx(14, 0n), { id: 'rpc:198.51.100.1', maxPending: 3 });
    const chain = (pool as unknown as { chain: Included }).chain;
    const first = pool.pending().find((p) => p.source === client.id)!.tx;
    chain.include([first]);
    pool.removeIncluded([first]);
    pool.add(tx(13, 0n), client);
    expect(pool.pendingFrom(client.id)).toBe(3);
  });

  it('a full pool evicts the oldest waiting transaction for an includable one, never an includable one', () => {
    const pool = new TestPool({ ...rules, maxTransactions: 3, maxNonceGap: 5 }, new Included());
    const waitingOld = tx(1, 2n); // sender 1 lacks nonces 0 and 1
    const includable = tx(2, 0n);
    const waitingNew = tx(3, 1n);
    [waitingOld, includable, waitingNew].forEach((t) => pool.add(t));
    // A waiting arrival does not evict: refused.
    expect(rejectionOf(() => pool.add(tx(4, 3n))).reason).toBe('pool-full');
    // An includable arrival evicts the oldest waiting one.
    const honest = tx(5, 0n);
    pool.add(honest, ANY, 42);
    expect(pool.has(hex(waitingOld.hash))).toBe(false);
    expect(pool.statusOf(hex(waitingOld.hash))).toEqual({ status: 'expired', reason: 'evicted', at: 42 });
    pool.add(tx(6, 0n));
    expect(pool.has(hex(waitingNew.hash))).toBe(false);
    // Only includable transactions are left: the next includable arrival is refused.
    expect(rejectionOf(() => pool.add(tx(7, 0n))).reason).toBe('pool-full');
    expect(pool.has(hex(includable.hash)) && pool.has(hex(honest.hash))).toBe(true);
  });

  it('does not evict a waiting transaction of the arrival\'s own sender (the arrival may fill its gap)', () => {
    const pool = new TestPool({ ...rules, maxTransactions: 2, maxNonceGap: 5 }, new Included());
    const own = tx(1, 1n);
    const other = tx(2, 1n);
    pool.add(own);
    pool.add(other);
    pool.add(tx(1, 0n));
    expect(pool.has(hex(own.hash))).toBe(true);
    expect(pool.has(hex(other.hash))).toBe(false);
    expect(pool.selectForBlock(limits).map((t) => t.nonce)).toEqual([0n, 1n]);
  });

  it('expires what still waits behind a gap after stuckExpiryMs; what became includable stays', () => {
    const pool = new TestPool(rules, new Included());
    const stuck = tx(1, 1n);
    const rescued = tx(2, 1n);
    pool.add(stuck, ANY, 0);
    pool.add(rescued, ANY, 10);
    pool.add(tx(2, 0n), ANY, 500);
    expect(pool.expireWaiting(999)).toBe(0);
    expect(pool.expireWaiting(1_000)).toBe(1);
    expect(pool.statusOf(hex(stuck.hash))).toEqual({ status: 'expired', reason: 'nonce-gap', at: 1_000 });
    expect(pool.expireWaiting(100_000)).toBe(0);
    expect(pool.statusOf(hex(rescued.hash))).toEqual({ status: 'pending' });
    expect(pool.statusOf('00'.repeat(32))).toBeUndefined();
  });

  it('a block that uses a pooled transaction\'s nonce expires it as nonce-used', () => {
    const chain = new Included();
    const pool = new TestPool(rules, chain);
    const mine = tx(1, 0n);
    pool.add(mine);
    const theirs = tx(1, 0n);
    chain.include([theirs]);
    pool.removeIncluded([theirs], 7);
    expect(pool.statusOf(hex(mine.hash))).toEqual({ status: 'expired', reason: 'nonce-used', at: 7 });
  });

  it('senders stuck behind gaps cost nothing per arrival or per block: the includable set is indexed', () => {
    const chain = new Included();
    let reads = 0;
    const counting: IncludedView = {
      lastIncludedNonce: (sender) => (reads++, chain.lastIncludedNonce(sender)),
      isIncluded: (hash) => chain.isIncluded(hash),
    };
    const pool = new TestPool({ ...limits, maxTransactions: 50_000, maxBytes: 1 << 30 }, counting);
    for (let s = 0; s < 40_000; s++) {
      const sender = new Uint8Array(20);
      new DataView(sender.buffer).setUint32(0, s + 1);
      pool.add({ ...tx(0, 1n), sender } as Transaction);
    }
    const honest = tx(9, 0n);
    reads = 0;
    expect(pool.hasIncludable(limits.maxBytes)).toBe(false);
    pool.add(honest);
    expect(pool.hasIncludable(limits.maxBytes)).toBe(true);
    expect(pool.selectForBlock(limits)).toEqual([honest]);
    // One chain read: the honest sender's first arrival. None for the 40,000 waiting senders.
    expect(reads).toBe(1);
  });
});

describe('Mempool property (issue 11)', () => {
  type Step = { kind: 'add'; sender: number; nonce: number; source: number; bytes: number; write: 'ok' | 'fails' | 'later' } | { kind: 'settle'; fails: boolean } | { kind: 'block'; max: number } | { kind: 'tick'; ms: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), sender: fc.integer({ min: 1, max: 4 }), nonce: fc.integer({ min: 0, max: 6 }), source: fc.integer({ min: 0, max: 2 }), bytes: fc.integer({ min: 1, max: 300 }), write: fc.constantFrom('ok' as const, 'ok' as const, 'fails' as const, 'later' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const), fails: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('block' as const), max: fc.integer({ min: 1, max: 6 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 800 }) }) },
  );

  it('any sequence of adds (some whose write fails), blocks and expiries keeps the bounds, keeps blocks nonce-consecutive and never drops an accepted includable transaction', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 3 }), (steps, maxTransactions, maxNonceGap) => {
        const chain = new Included();
        const bounds = { maxTransactions, maxBytes: 1_200, maxPerSender: 4, maxNonceGap, stuckExpiryMs: 1_000 };
        const dropped: Array<{ hash: string; reason: string }> = [];
        const pool: Mempool = new Mempool(bounds, chain, (pooled, reason) => {
          dropped.push({ hash: pooled.hash, reason });
          // Dropped (already removed): it must not have been includable, i.e. some lower nonce from the
          // sender's next one by the chain is missing from the pool.
          const last = chain.lastIncludedNonce(pooled.sender);
          let n = last === undefined ? 0n : last + 1n;
          const pooledNonces = new Set(pool.pending().filter((p) => p.sender === pooled.sender).map((p) => p.tx.nonce));
          while (n < pooled.tx.nonce && pooledNonces.has(n)) n++;
          expect(n, `dropped (${reason}) an includable transaction`).not.toBe(pooled.tx.nonce);
        });
        const sources = [0, 1, 2].map((i) => ({ id: `source-${i}`, maxPending: 5 }));
        let now = 0;
        const mustInclude: string[] = [];
        /** Reserved transactions whose write has not settled yet. */
        const writing: PooledTransaction[] = [];
        for (const s of steps) {
          if (s.kind === 'add') {
            // What the pool must never drop: an accepted transaction that was includable on arrival.
            const t = tx(s.sender, BigInt(s.nonce), s.bytes);
            // Includable on arrival counting only transactions on disk (a reservation may still fail).
            const last = chain.lastIncludedNonce(hex(t.sender));
            const durable = new Set(pool.pending().filter((p) => p.sender === hex(t.sender)).map((p) => p.tx.nonce));
            let nextDurable = last === undefined ? 0n : last + 1n;
            while (durable.has(nextDurable)) nextDurable++;
            const includableOnArrival = t.nonce === nextDurable;
            try {
              // Reserved, then confirmed, or cancelled as when its write to disk fails.
              const reserved = pool.reserve(t, sources[s.source]!, now);
              expect(pool.get(hex(t.hash))).toBeUndefined();
              if (s.write === 'later') {
                writing.push(reserved); // its write settles in a later step
              } else if (s.write === 'fails') {
                pool.cancel(reserved);
                expect(pool.has(hex(t.hash)) || pool.statusOf(hex(t.hash)) !== undefined).toBe(false);
              } else {
                pool.confirm(reserved);
                if (includableOnArrival) mustInclude.push(hex(t.hash));
              }
            } catch (error) {
              if (!(error instanceof TransactionRejected)) throw error;
            }
          } else if (s.kind === 'settle') {
            const reserved = writing.shift();
            if (reserved && s.fails) pool.cancel(reserved);
            else if (reserved) pool.confirm(reserved);
          } else if (s.kind === 'tick') {
            now += s.ms;
            pool.expireWaiting(now);
          } else {
            const block = pool.selectForBlock({ maxTransactions: s.max, maxBytes: 600 });
            const next = new Map<string, bigint>();
            for (const t of block) {
              const sender = hex(t.sender);
              const last = chain.lastIncludedNonce(sender);
              const expected = next.get(sender) ?? (last === undefined ? 0n : last + 1n);
              expect(t.nonce).toBe(expected);
              next.set(sender, t.nonce + 1n);
            }
            chain.include(block);
            pool.removeIncluded(block, now);
          }
          expect(pool.size).toBeLessThanOrEqual(bounds.maxTransactions);
          expect(pool.bytes).toBeLessThanOrEqual(bounds.maxBytes);
          for (const source of sources) expect(pool.pendingFrom(source.id)).toBeLessThanOrEqual(source.maxPending);
          const perSender = new Map<string, number>();
          for (const p of pool.pending()) perSender.set(p.sender, (perSender.get(p.sender) ?? 0) + 1);
          for (const count of perSender.values()) expect(count).toBeLessThanOrEqual(bounds.maxPerSender);
        }
        // Only waiting transactions are ever dropped without inclusion (this pool sees only its own
        // blocks, so no nonce is used by another transaction).
        for (const { reason } of dropped) expect(['nonce-gap', 'evicted']).toContain(reason);
        for (const reserved of writing.splice(0)) pool.cancel(reserved);
        const isIncludable = (p: { sender: string; tx: Transaction }): boolean => {
          const last = chain.lastIncludedNonce(p.sender);
          let n = last === undefined ? 0n : last + 1n;
          while (n < p.tx.nonce && pool.pending().some((q) => q.sender === p.sender && q.tx.nonce === n)) n++;
          return n === p.tx.nonce;
        };
        // Long enough after, every waiting transaction has expired: what is left is includable.
        now += 10 * bounds.stuckExpiryMs;
        pool.expireWaiting(now);
        for (const p of pool.pending()) expect(isIncludable(p), `nonce ${p.tx.nonce} of ${p.sender} still pooled, not includable`).toBe(true);
        // Everything includable still pooled is what a long enough sequence of blocks includes.
        const includable = pool.pending().filter(isIncludable);
        const drained: Transaction[] = [];
        for (let i = 0; i < 100 && pool.hasIncludable(600); i++) {
          const block = pool.selectForBlock({ maxTransactions: 10, maxBytes: 600 });
          chain.include(block);
          pool.removeIncluded(block, now);
          drained.push(...block);
        }
        expect(new Set(drained.map((t) => hex(t.hash)))).toEqual(new Set(includable.map((p) => p.hash)));
        for (const hash of mustInclude) expect(chain.isIncluded(hash)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
