/**
 * A full-block answer (`eth_getBlockByNumber(N, true)`) is built in one pass over the block (issue 11,
 * "Full-block answers built in one pass"): a real single-node `Sequencer` over a real LMDB store, a
 * 300-transaction block, the real API server. The store is wrapped to count its reads: the answer
 * reads the block once and each transaction's sender from the index, never the whole block again per
 * transaction (which made one answer on a 5,000-transaction block take 16 s). Every transaction object
 * equals what `eth_getTransactionByHash` answers for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/index.js';
import { MainThreadExecutor, createThresholdKey } from '../../src/crypto/index.js';
import { Sequencer } from '../../src/node/sequencer.js';
import { DEFAULT_POOL_LIMITS } from '../../src/node/start.js';
import { NodeStore } from '../../src/node/store.js';
import { waitFor } from '../helpers/net.js';
import { hexToBytes, signTransfers, testAccounts } from '../node/wallets.js';

const CHAIN_ID = 1338;
const SENDERS = 30;
const PER_SENDER = 10;

describe('eth_getBlockByNumber with full transactions', () => {
  let dir: string;
  let store: NodeStore;
  let sequencer: Sequencer;
  let server: ApiServer;
  const reads = { getBlock: 0, includedTransaction: 0 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dst-full-block-'));
    store = new NodeStore(join(dir, 'db'));
    // Pending before the node starts: restored in one go, so the first block takes them all.
    let sequence = 0;
    for (const account of testAccounts(SENDERS, 'dst-full-block')) {
      const raws = (await signTransfers(account, CHAIN_ID, 0, PER_SENDER)).map(hexToBytes);
      await store.addPendingMany(raws.map((raw) => ({ sequence: sequence++, raw })));
    }
    const counted = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (property === 'getBlock' || property === 'includedTransaction') reads[property]++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const key = createThresholdKey({ shares: 1, threshold: 1 });
    sequencer = new Sequencer({
      store: counted,
      chainId: BigInt(CHAIN_ID),
      key: { share: key.shares[0]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: 1 },
      nodes: 1,
      blockTimeMs: 0,
      pool: { ...DEFAULT_POOL_LIMITS, maxTransactions: 10_000, maxBytes: 16 << 20 },
      block: { maxTransactions: 1_000, maxBytes: 1 << 20 },
      maxTransactionBytes: 128 * 1024,
      maxFutureDriftMs: 2_000,
      logger: pino({ level: 'silent' }),
      executor: new MainThreadExecutor(),
    });
    await sequencer.start();
    await waitFor('the block', () => sequencer.headNumber() >= 1);
    server = await startApiServer(sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    await server?.close();
    await sequencer?.stop();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (method: string, params: unknown[]): Promise<any> => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    return ((await response.json()) as { result: unknown }).result;
  };

  it('reads the block once, not once per transaction, and answers what eth_getTransactionByHash answers', async () => {
    expect(sequencer.getBlockByNumber(1)!.block.transactions.length).toBe(SENDERS * PER_SENDER);
    reads.getBlock = 0;
    reads.includedTransaction = 0;
    const block = await call('eth_getBlockByNumber', ['0x1', true]);
    expect(block.transactions).toHaveLength(SENDERS * PER_SENDER);
    expect(reads).toEqual({ getBlock: 1, includedTransaction: 0 });
    for (const tx of block.transactions.slice(0, 20)) expect(tx).toEqual(await call('eth_getTransactionByHash', [tx.hash]));
  });
});
