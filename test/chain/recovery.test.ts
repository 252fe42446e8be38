/**
 * Batch sender recovery on the worker pool and on the main thread, against @ethereumjs/tx's senders;
 * a signature that recovers no key is reported for that transaction only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeTransaction, recoverSenders, TransactionRejected, type DecodedTransaction } from '../../src/chain/index.js';
import { MainThreadExecutor, recoverAddress, WorkerPoolExecutor, type CryptoExecutor } from '../../src/crypto/index.js';
import { makeSignedTransactionObjects } from '../helpers/transactions.js';
import { waitFor } from '../helpers/net.js';

const CHAIN_ID = 901n;
const rules = { chainId: CHAIN_ID, maxBytes: 128 * 1024 };
const objects = makeSignedTransactionObjects(600, { chainId: Number(CHAIN_ID), seed: 21 });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A copy of `tx` whose r is the smallest value from which no public key recovers (not an x on the curve). */
function unrecoverable(tx: DecodedTransaction): DecodedTransaction {
  for (let r = 1n; ; r++) {
    const candidate = { ...tx, r };
    const signature = new Uint8Array(64);
    signature.set(Buffer.from(r.toString(16).padStart(64, '0'), 'hex'), 0);
    signature.set(Buffer.from(tx.s.toString(16).padStart(64, '0'), 'hex'), 32);
    if (recoverAddress({ hash: tx.signingHash, signature, recovery: tx.yParity }) === undefined) return candidate;
  }
}

const pool = new WorkerPoolExecutor({ workers: 2 });
afterAll(() => pool.close());

describe.each([
  ['worker pool', pool],
  ['main thread', new MainThreadExecutor()],
] as Array<[string, CryptoExecutor]>)('recoverSenders on the %s', (_name, executor) => {
  it('recovers every sender @ethereumjs/tx recovers, across several tasks', async () => {
    const decoded = objects.map((tx) => decodeTransaction(tx.serialize(), rules));
    const results = await recoverSenders(decoded, executor);
    expect(results).toHaveLength(objects.length);
    results.forEach((result, i) => {
      expect(result).not.toBeInstanceOf(TransactionRejected);
      expect(hex((result as { sender: Uint8Array }).sender)).toBe(hex(objects[i]!.getSenderAddress().bytes));
    });
  });

  it('recovers batches of every small size the same way (the pool does one to three on the calling thread)', async () => {
    for (const size of [1, 2, 3, 4, 5]) {
      const decoded = objects.slice(10, 10 + size).map((tx) => decodeTransaction(tx.serialize(), rules));
      decoded[size - 1] = unrecoverable(decoded[size - 1]!);
      const results = await recoverSenders(decoded, executor);
      expect(results[size - 1]).toBeInstanceOf(TransactionRejected);
      for (let i = 0; i < size - 1; i++) expect(hex((results[i] as { sender: Uint8Array }).sender)).toBe(hex(objects[10 + i]!.getSenderAddress().bytes));
    }
  });

  it('reports an unrecoverable signature for that transaction only', async () => {
    const decoded = objects.slice(0, 5).map((tx) => decodeTransaction(tx.serialize(), rules));
    decoded[2] = unrecoverable(decoded[2]!);
    const results = await recoverSenders(decoded, executor);
    expect(results[2]).toBeInstanceOf(TransactionRejected);
    expect((results[2] as TransactionRejected).reason).toBe('invalid-signature');
    for (const i of [0, 1, 3, 4]) expect(hex((results[i] as { sender: Uint8Array }).sender)).toBe(hex(objects[i]!.getSenderAddress().bytes));
  });

  it('an empty batch gives no results, and bad items are refused with a clear error', async () => {
    expect(await recoverSenders([], executor)).toEqual([]);
    await expect(executor.recoverAddresses([{ hash: new Uint8Array(31), signature: new Uint8Array(64), recovery: 0 }])).rejects.toThrow(
      'recoverAddresses: items[0].hash: expected 32 bytes, got 31',
    );
    await expect(executor.recoverAddresses([{ hash: new Uint8Array(32), signature: new Uint8Array(64), recovery: 2 }])).rejects.toThrow(
      'recoverAddresses: items[0].recovery: expected 0 or 1, got number 2',
    );
  });
});

describe('the worker pool with an idle timeout (the node\'s)', () => {
  it('lets idle workers exit, recovers on the calling thread while none runs, and starts them again', async () => {
    const idle = new WorkerPoolExecutor({ workers: 1, idleTimeoutMs: 200 });
    try {
      await idle.warmUp();
      expect(idle.runningWorkers).toBe(1);
      await waitFor('the idle worker to exit', () => idle.runningWorkers === 0, 10_000);
      const decoded = objects.slice(0, 40).map((tx) => decodeTransaction(tx.serialize(), rules));
      const check = (results: Awaited<ReturnType<typeof recoverSenders>>): void =>
        results.forEach((result, i) => expect(hex((result as { sender: Uint8Array }).sender)).toBe(hex(objects[i]!.getSenderAddress().bytes)));
      // No worker runs: recovered here at once, and the worker started in the background.
      check(await recoverSenders(decoded, idle));
      await waitFor('the worker started again', () => idle.runningWorkers === 1, 10_000);
      check(await recoverSenders(decoded, idle));
    } finally {
      await idle.close();
    }
  });
});
