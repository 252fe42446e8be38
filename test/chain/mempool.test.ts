/**
 * The pool's admission rules and its first-come-first-served, nonce-consecutive ordering. Pool logic
 * reads only hash, sender, nonce and size, so these tests use synthetic transactions with those fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mempool, hex, TransactionRejected, type IncludedView, type Transaction } from '../../src/chain/index.js';

let serial = 0;
function tx(sender: number, nonce: bigint, bytes = 100): Transaction {
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(0, ++serial);
  return { hash, sender: new Uint8Array(20).fill(sender), nonce, raw: new Uint8Array(bytes) } as Transaction;
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

const limits = { maxTransactions: 1000, maxBytes: 1_000_000 };
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
    const pool = new Mempool(limits, new Included());
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
    const pool = new Mempool(limits, chain);
    const error = rejectionOf(() => pool.add(tx(2, 5n)));
    expect(error.reason).toBe('nonce-too-low');
    expect(error.message).toMatch(/nonce too low: sender 0x0202.* has nonce 5 included, got 5/);
    expect(rejectionOf(() => pool.add(included)).reason).toBe('already-included');
    pool.add(tx(2, 6n));
  });

  it('a full pool (count or bytes) rejects new transactions and keeps every accepted one', () => {
    const pool = new Mempool({ maxTransactions: 3, maxBytes: 250 }, new Included());
    const accepted = [tx(1, 0n), tx(1, 1n)];
    accepted.forEach((t) => pool.add(t));
    expect(rejectionOf(() => pool.add(tx(2, 0n, 51))).message).toMatch(/pool is full \(250 bytes\)/);
    pool.add(tx(2, 0n, 50));
    expect(rejectionOf(() => pool.add(tx(3, 0n, 1))).message).toMatch(/pool is full \(3 transactions\)/);
    expect(pool.size).toBe(3);
    expect(pool.bytes).toBe(250);
    for (const t of accepted) expect(pool.has(hex(t.hash))).toBe(true);
  });
});

describe('Mempool ordering', () => {
  it('first come, first served across senders', () => {
    const pool = new Mempool(limits, new Included());
    const order = [tx(1, 0n), tx(2, 0n), tx(1, 1n), tx(3, 0n), tx(2, 1n)];
    order.forEach((t) => pool.add(t));
    expect(pool.selectForBlock(limits)).toEqual(order);
  });

  it('a transaction behind a nonce gap waits; filling the gap releases it right after', () => {
    const chain = new Included();
    const pool = new Mempool(limits, chain);
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
    const pool = new Mempool(limits, new Included());
    const big = tx(1, 0n, 600);
    const next = tx(1, 1n, 10);
    const small = tx(2, 0n, 300);
    [big, next, small].forEach((t) => pool.add(t));
    expect(pool.selectForBlock({ maxTransactions: 10, maxBytes: 500 })).toEqual([small]);
    expect(pool.selectForBlock({ maxTransactions: 2, maxBytes: 10_000 })).toEqual([big, next]);
  });

  it('removeIncluded drops included and now-stale transactions only', () => {
    const chain = new Included();
    const pool = new Mempool(limits, chain);
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

  it('property: every selection keeps per-sender nonces consecutive and follows arrival among ready heads', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 })), { maxLength: 40 }), (entries) => {
        const pool = new Mempool(limits, new Included());
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
