/**
 * SenderBatch (src/node/sender-batch.ts, issue 16): what is asked in one event-loop turn has its
 * senders recovered in ONE executor call, each request settled in the order asked; while a call is in
 * flight, what comes meanwhile waits and leaves as the next call; an unrecoverable signature is that
 * transaction's rejection alone; an executor failure fails its whole call. Real secp256k1 (signed with
 * it, recovered natively), a real executor that records its calls.
 */
import * as secp256k1 from 'secp256k1';
import { describe, expect, it } from 'vitest';
import { decodeTransaction, TransactionRejected, type Transaction } from '../../src/chain/index.js';
import { MainThreadExecutor, type CryptoExecutor } from '../../src/crypto/index.js';
import { signTransfer } from '../../src/load/transactions.js';
import { SenderBatch } from '../../src/node/sender-batch.js';
import { keccak256 } from '../../src/wasm/index.js';

const CHAIN_ID = 932n;
const RULES = { chainId: CHAIN_ID, maxBytes: 1 << 16 };
const to = new Uint8Array(20).fill(9);
const privateKey = (i: number): Uint8Array => keccak256(new TextEncoder().encode(`dst-sender-batch-${i}`));
const addressOf = (key: Uint8Array): string =>
  Buffer.from(keccak256(secp256k1.publicKeyCreate(key, false).subarray(1)).subarray(12)).toString('hex');
const transfer = (key: number, nonce = 0) => decodeTransaction(signTransfer(CHAIN_ID, privateKey(key), nonce, to), RULES);

/** Records each call's size; a call waits for `hold` when one is set. */
class RecordingExecutor extends MainThreadExecutor {
  readonly calls: number[] = [];
  failWith: Error | undefined;
  hold: Promise<void> | undefined;
  override async recoverAddresses(...args: Parameters<CryptoExecutor['recoverAddresses']>) {
    this.calls.push(args[0].length);
    if (this.hold) await this.hold;
    if (this.failWith) throw this.failWith;
    return super.recoverAddresses(...args);
  }
}

describe('SenderBatch', () => {
  it('recovers what is asked in one turn in one executor call, each its own sender, settled in the order asked', async () => {
    const executor = new RecordingExecutor();
    const batch = new SenderBatch(executor);
    const settled: number[] = [];
    // Twelve single submissions and a gossiped batch of five, all in one turn.
    const singles = Array.from({ length: 12 }, (_, i) => batch.recover([transfer(i, i)]).then((r) => (settled.push(i), r[0]!)));
    const group = batch.recover([20, 21, 22, 23, 24].map((k) => transfer(k))).then((r) => (settled.push(99), r));
    const [results, grouped] = await Promise.all([Promise.all(singles), group]);
    expect(executor.calls).toEqual([17]);
    expect(settled).toEqual([...Array.from({ length: 12 }, (_, i) => i), 99]);
    results.forEach((result, i) => {
      expect(result).not.toBeInstanceOf(TransactionRejected);
      expect(Buffer.from((result as Transaction).sender).toString('hex')).toBe(addressOf(privateKey(i)));
      expect((result as Transaction).nonce).toBe(BigInt(i));
    });
    expect(grouped.map((tx) => Buffer.from((tx as Transaction).sender).toString('hex'))).toEqual([20, 21, 22, 23, 24].map((k) => addressOf(privateKey(k))));
  });

  it('while a call is in flight, what comes meanwhile waits and leaves as one next call', async () => {
    const executor = new RecordingExecutor();
    const batch = new SenderBatch(executor);
    let release!: () => void;
    executor.hold = new Promise((resolve) => (release = resolve));
    const first = batch.recover([transfer(1)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.calls).toEqual([1]);
    // Three more turns while the first call is held.
    const later: Array<Promise<unknown>> = [];
    for (let turn = 0; turn < 3; turn++) {
      later.push(batch.recover([transfer(10 + turn), transfer(20 + turn)]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(executor.calls).toEqual([1]);
    executor.hold = undefined;
    release();
    await Promise.all([first, ...later]);
    expect(executor.calls).toEqual([1, 6]);
  });

  it('a signature no key recovers from rejects that transaction alone', async () => {
    const batch = new SenderBatch(new RecordingExecutor());
    const good = transfer(5);
    // r = 0 passes decoding (only s is range-checked there) but no public key recovers from it.
    const bad = { ...transfer(6), r: 0n };
    const [a, b, c] = await batch.recover([good, bad, good]);
    expect((a as Transaction).sender).toEqual((c as Transaction).sender);
    expect(b).toBeInstanceOf(TransactionRejected);
    expect((b as TransactionRejected).reason).toBe('invalid-signature');
  });

  it('an executor failure fails every request of its call, and the next call runs', async () => {
    const executor = new RecordingExecutor();
    const batch = new SenderBatch(executor);
    const tx = transfer(7);
    executor.failWith = new Error('worker died');
    const outcomes = await Promise.allSettled([batch.recover([tx]), batch.recover([tx, tx])]);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as Error).message)).toEqual(['worker died', 'worker died']);
    executor.failWith = undefined;
    expect((await batch.recover([tx]))[0]).toHaveProperty('sender');
    expect(executor.calls).toEqual([3, 1]);
  });
});
