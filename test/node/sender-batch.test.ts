/**
 * SenderBatch (src/node/sender-batch.ts, issue 16): the RPC submissions decoded in one event-loop turn
 * have their senders recovered in ONE executor call, settled in arrival order; an unrecoverable
 * signature is that submission's rejection alone; an executor failure fails its whole group. Real
 * secp256k1 (signed with it, recovered natively), a real executor that counts its calls.
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

class CountingExecutor extends MainThreadExecutor {
  readonly calls: number[] = [];
  failWith: Error | undefined;
  override async recoverAddresses(...args: Parameters<CryptoExecutor['recoverAddresses']>) {
    this.calls.push(args[0].length);
    if (this.failWith) throw this.failWith;
    return super.recoverAddresses(...args);
  }
}

describe('SenderBatch', () => {
  it('recovers the submissions of one turn in one executor call, each its own sender, settled in arrival order', async () => {
    const executor = new CountingExecutor();
    const batch = new SenderBatch(executor);
    const keys = Array.from({ length: 12 }, (_, i) => privateKey(i));
    const settled: number[] = [];
    const results = await Promise.all(
      keys.map((key, i) => batch.recover(decodeTransaction(signTransfer(CHAIN_ID, key, i, to), RULES)).then((r) => (settled.push(i), r))),
    );
    expect(executor.calls).toEqual([12]);
    expect(settled).toEqual(keys.map((_, i) => i));
    results.forEach((result, i) => {
      expect(result).not.toBeInstanceOf(TransactionRejected);
      const tx = result as Transaction;
      expect(Buffer.from(tx.sender).toString('hex')).toBe(addressOf(keys[i]!));
      expect(tx.nonce).toBe(BigInt(i));
    });
  });

  it('submissions of later turns form their own groups', async () => {
    const executor = new CountingExecutor();
    const batch = new SenderBatch(executor);
    const first = batch.recover(decodeTransaction(signTransfer(CHAIN_ID, privateKey(1), 0, to), RULES));
    await first;
    const later = [2, 3].map((i) => batch.recover(decodeTransaction(signTransfer(CHAIN_ID, privateKey(i), 0, to), RULES)));
    await Promise.all(later);
    expect(executor.calls).toEqual([1, 2]);
  });

  it('a signature no key recovers from rejects that submission alone', async () => {
    const batch = new SenderBatch(new CountingExecutor());
    const good = decodeTransaction(signTransfer(CHAIN_ID, privateKey(5), 0, to), RULES);
    // r = 0 passes decoding (only s is range-checked there) but no public key recovers from it.
    const bad = { ...decodeTransaction(signTransfer(CHAIN_ID, privateKey(6), 0, to), RULES), r: 0n };
    const [a, b, c] = await Promise.all([batch.recover(good), batch.recover(bad), batch.recover(good)]);
    expect((a as Transaction).sender).toEqual((c as Transaction).sender);
    expect(b).toBeInstanceOf(TransactionRejected);
    expect((b as TransactionRejected).reason).toBe('invalid-signature');
  });

  it('an executor failure fails every submission of its group, and the next group runs', async () => {
    const executor = new CountingExecutor();
    const batch = new SenderBatch(executor);
    const tx = decodeTransaction(signTransfer(CHAIN_ID, privateKey(7), 0, to), RULES);
    executor.failWith = new Error('worker died');
    const outcomes = await Promise.allSettled([batch.recover(tx), batch.recover(tx)]);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as Error).message)).toEqual(['worker died', 'worker died']);
    executor.failWith = undefined;
    expect(await batch.recover(tx)).toHaveProperty('sender');
    expect(executor.calls).toEqual([2, 1]);
  });
});
