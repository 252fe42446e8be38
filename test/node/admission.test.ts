/**
 * Admission at node level (issue 11): a node restarted with a full pool serves RPC while the pool
 * reloads (submissions get "pool-loading", readiness says why), then holds every stored transaction;
 * a client address holds at most its quota of the pool while another client's transaction is
 * included; what waits behind a nonce gap expires, leaves the pool database and reports why in
 * `dst_getTransactionStatus`. Real LMDB, real sender recovery, the real JSON-RPC server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/index.js';
import { hex, TransactionRejected } from '../../src/chain/index.js';
import { createThresholdKey, MainThreadExecutor, type CryptoExecutor } from '../../src/crypto/index.js';
import { signTransfer } from '../../src/load/transactions.js';
import { NodeStore, startNode, type NodeHandle } from '../../src/node/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { waitFor } from '../helpers/net.js';

const CHAIN_ID = 931n;
const key = createThresholdKey({ shares: 1, threshold: 1 });
const nodeKey = { share: key.shares[0]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: 1 };
const senderKey = (i: number): Uint8Array => keccak256(new TextEncoder().encode(`dst-admission-test-${i}`));
const to = new Uint8Array(20).fill(7);

/** A real executor whose sender recoveries wait until `open()` (so a test can look at a node mid-restore). */
class GatedExecutor extends MainThreadExecutor {
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  open(): void {
    this.release();
  }
  override async recoverAddresses(...args: Parameters<CryptoExecutor['recoverAddresses']>) {
    await this.gate;
    return super.recoverAddresses(...args);
  }
}

/** A real executor that records how many senders each recovery call took. */
class RecordingExecutor extends MainThreadExecutor {
  readonly recoveries: number[] = [];
  override async recoverAddresses(...args: Parameters<CryptoExecutor['recoverAddresses']>) {
    this.recoveries.push(args[0].length);
    return super.recoverAddresses(...args);
  }
}

async function rpc(server: ApiServer, method: string, params: unknown[] = []): Promise<{ result?: any; error?: any }> {
  const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await response.json()) as { result?: any; error?: any };
}

describe('admission at node level', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function dataDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dst-admission-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return join(dir, 'db');
  }

  async function start(dbPath: string, options: { executor?: CryptoExecutor; pool?: Record<string, number> } = {}): Promise<{ node: NodeHandle; server: ApiServer }> {
    const node = await startNode({
      dbPath,
      chainId: CHAIN_ID,
      key: nodeKey,
      blockTimeMs: 0,
      logger: pino({ level: 'silent' }),
      executor: options.executor ?? new MainThreadExecutor(),
      limits: { pool: options.pool },
    });
    const server = await startApiServer(node.sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger: pino({ level: 'silent' }) });
    cleanup.push(() => node.stop(), () => server.close());
    return { node, server };
  }

  it('a node restarted with a full pool answers RPC while the pool reloads, then holds every stored transaction', async () => {
    const dbPath = await dataDir();
    // A pool database of 3,000 accepted transactions (each of its own sender), as a crash would leave it.
    const store = new NodeStore(dbPath);
    const raws = Array.from({ length: 3_000 }, (_, i) => signTransfer(CHAIN_ID, senderKey(i), 0, to));
    await store.addPendingMany(raws.map((raw, sequence) => ({ sequence, raw })));
    await store.close();

    const executor = new GatedExecutor();
    const { node, server } = await start(dbPath, { executor });
    // The reload is held at its first batch of sender recoveries: the node serves meanwhile.
    expect((await rpc(server, 'eth_blockNumber')).result).toBe('0x0');
    const ready = (await (await fetch(new URL('/readyz', server.url))).json()) as { ready: boolean; reasons: string[] };
    expect(ready.ready).toBe(false);
    expect(ready.reasons.join('; ')).toMatch(/reloading the transaction pool \(0 of 3000\)/);
    const refused = await rpc(server, 'eth_sendRawTransaction', [`0x${Buffer.from(signTransfer(CHAIN_ID, senderKey(9_999), 0, to)).toString('hex')}`]);
    expect(refused.error.data.reason).toBe('pool-loading');
    expect(refused.error.message).toMatch(/reloading its transaction pool/);

    executor.open();
    await waitFor('every stored transaction included', () => {
      let included = 0;
      for (let n = 1; n <= node.sequencer.headNumber(); n++) included += node.sequencer.getBlockByNumber(n)!.block.transactions.length;
      return included === raws.length;
    }, 30_000);
    expect(node.sequencer.health().ready).toBe(true);
  });

  it('one client address holds at most its quota of the pool; another client is not held back', async () => {
    const { node } = await start(await dataDir(), { pool: { maxPerClient: 5, maxPerSender: 64 } });
    const flood = Array.from({ length: 8 }, (_, i) => signTransfer(CHAIN_ID, senderKey(100 + i), 0, to));
    // Submitted at once: all are pooled before any block can take them.
    const outcomes = await Promise.allSettled(flood.map((raw) => node.sequencer.submitTransaction(raw, '203.0.113.7')));
    const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as TransactionRejected).reason] : []));
    expect(reasons).toEqual(['source-limit', 'source-limit', 'source-limit']);
    const honest = await node.sequencer.submitTransaction(signTransfer(CHAIN_ID, senderKey(200), 0, to), '198.51.100.1');
    await waitFor('the honest transaction included', () => node.sequencer.getTransaction(honest)?.location !== undefined);
  });

  it('a JSON-RPC batch of one sender\'s transactions has its senders recovered in one executor call, is written in one store write and pooled in nonce order', async () => {
    const executor = new RecordingExecutor();
    const { node, server } = await start(await dataDir(), { executor });
    const writes: number[] = [];
    const addPendingMany = node.store.addPendingMany.bind(node.store);
    node.store.addPendingMany = (entries) => (writes.push(entries.length), addPendingMany(entries));
    const sender = senderKey(300);
    const raws = Array.from({ length: 25 }, (_, nonce) => signTransfer(CHAIN_ID, sender, nonce, to));
    const body = raws.map((raw, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [`0x${hex(raw)}`] }));
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answers = (await response.json()) as Array<{ id: number; result?: string; error?: unknown }>;
    expect(answers.map((a) => a.result)).toEqual(raws.map((raw) => `0x${hex(keccak256(raw))}`));
    expect(executor.recoveries).toEqual([25]);
    expect(writes).toEqual([25]); // and their pool entries in one store write
    // Pooled in nonce order: every one is includable, none waits behind a gap.
    const last = keccak256(raws.at(-1)!);
    await waitFor('the batch included', () => node.sequencer.getTransaction(last)?.location !== undefined);
  });

  it('a transaction waiting behind a nonce gap expires, leaves the pool database, and its status says why', async () => {
    const dbPath = await dataDir();
    const { node, server } = await start(dbPath, { pool: { stuckExpiryMs: 300 } });
    const waiting = signTransfer(CHAIN_ID, senderKey(300), 1, to); // nonce 0 never sent
    const hash = await node.sequencer.submitTransaction(waiting, 'test');
    expect((await rpc(server, 'dst_getTransactionStatus', [`0x${hex(hash)}`])).result).toEqual({ status: 'pending' });
    await waitFor('the waiting transaction expired', () => node.sequencer.health().mempoolSize === 0, 5_000);
    expect((await rpc(server, 'dst_getTransactionStatus', [`0x${hex(hash)}`])).result).toEqual({ status: 'expired', reason: 'nonce-gap' });
    const included = await node.sequencer.submitTransaction(signTransfer(CHAIN_ID, senderKey(301), 0, to), 'test');
    await waitFor('a transaction included', () => node.sequencer.getTransaction(included)?.location !== undefined);
    const status = (await rpc(server, 'dst_getTransactionStatus', [`0x${hex(included)}`])).result;
    expect(status).toMatchObject({ status: 'included', blockNumber: '0x1', transactionIndex: '0x0' });
    expect((await rpc(server, 'dst_getTransactionStatus', [`0x${'ab'.repeat(32)}`])).result).toEqual({ status: 'unknown' });
    // The expired entry left the pool database too: a restart does not bring it back.
    await node.stop();
    await server.close();
    const reopened = new NodeStore(dbPath);
    expect(reopened.pendingTransactions()).toEqual([]);
    await reopened.close();
  });
});
