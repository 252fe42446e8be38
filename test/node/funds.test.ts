/**
 * Admission's balance check (src/node/funds.ts) at node level: a real single node (real LMDB, real
 * sender recovery, the real JSON-RPC server), its FundsCheck asking a real JSON-RPC server over HTTP
 * (test/helpers/rpc-recorder.ts) for the executed head and balances through the real ExecutionClient.
 * A sender cannot queue more than its balance pays — its pooled transactions count, and so do its
 * included ones the execution has not passed yet, across a restart of the node too; a rebroadcast is not counted twice; concurrent
 * submissions cannot overspend; a balance is asked once per sender and executed head; an unavailable
 * endpoint admits (and counts) or refuses with `execution-unavailable`, by policy. The last case
 * drives FundsCheck alone, its endpoint two plain functions, to show how the included spend is pruned
 * as the executed head moves and bounded in memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, ExecutionClient, executionState, startApiServer, type ApiServer } from '../../src/api/index.js';
import { hex, maxCost, parseTransaction, type Block } from '../../src/chain/index.js';
import { createThresholdKey, MainThreadExecutor } from '../../src/crypto/index.js';
import { addressOf, signTransfer } from '../../src/load/transactions.js';
import { FundsCheck, startNode, type UnavailablePolicy } from '../../src/node/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { freePort, waitFor } from '../helpers/net.js';
import { startRpcRecorder } from '../helpers/rpc-recorder.js';

const CHAIN_ID = 933n;
const key = createThresholdKey({ shares: 1, threshold: 1 });
const nodeKey = { share: key.shares[0]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: 1 };
const senderKey = (i: number): Uint8Array => keccak256(new TextEncoder().encode(`dst-funds-test-${i}`));
const to = new Uint8Array(20).fill(9);
const raw = (sender: number, nonce: number): Uint8Array => signTransfer(CHAIN_ID, senderKey(sender), nonce, to);
const hexOf = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;
/** What one of signTransfer's transfers may take: 21,000 gas × 1 gwei + 1 wei. */
const COST = maxCost(parseTransaction(raw(0, 0), { chainId: CHAIN_ID, maxBytes: 1 << 20 }));

async function rpc(server: ApiServer, method: string, params: unknown[] = []): Promise<{ result?: any; error?: any }> {
  const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await response.json()) as { result?: any; error?: any };
}

describe('admission: insufficient-funds against the execution endpoint', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** The execution endpoint: its head and each address's balance (by hex without 0x) at any block. */
  const execution = { head: 0, balances: new Map<string, bigint>() };

  async function start(options: { blockTimeMs: number; url?: string; unavailable?: UnavailablePolicy; dir?: string }) {
    const upstream = await startRpcRecorder((method, params) => {
      if (method === 'eth_blockNumber') return `0x${execution.head.toString(16)}`;
      if (method === 'eth_getBalance') return `0x${(execution.balances.get(String(params[0]).slice(2)) ?? 0n).toString(16)}`;
      return { error: { code: -32601, message: 'no' } };
    });
    cleanup.push(() => upstream.close());
    const metrics = createMetrics();
    const client = new ExecutionClient({ url: options.url ?? upstream.url, maxResponseBytes: 1 << 20 });
    const logger = pino({ level: 'silent' });
    const funds = new FundsCheck({ state: executionState(client), chainId: CHAIN_ID, logger, metrics: metrics.fundsChecks, unavailable: options.unavailable, headTtlMs: 50 });
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'dst-funds-')));
    if (!options.dir) cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const node = await startNode({ dbPath: join(dir, 'db'), chainId: CHAIN_ID, key: nodeKey, blockTimeMs: options.blockTimeMs, logger, executor: new MainThreadExecutor(), metrics, funds });
    const server = await startApiServer(node.sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger, metrics });
    cleanup.push(() => node.stop(), () => server.close());
    const send = (sender: number, nonce: number) => rpc(server, 'eth_sendRawTransaction', [hexOf(raw(sender, nonce))]);
    return { upstream, node, server, send, metrics, funds, dir };
  }

  it('counts the pooled and the included-not-executed spend; a rebroadcast is not counted twice; one balance query per sender and head', async () => {
    execution.head = 0;
    execution.balances.set(hex(addressOf(senderKey(1))), 2n * COST + COST / 2n);
    // Long block time: the first two stay pooled while the third arrives.
    const { upstream, node, send, server } = await start({ blockTimeMs: 1_500 });
    expect((await send(1, 0)).result).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await send(1, 1)).result).toMatch(/^0x[0-9a-f]{64}$/);
    const refused = await send(1, 2);
    expect(refused.error.code).toBe(-32000);
    expect(refused.error.data).toEqual({ reason: 'insufficient-funds' });
    // the first may already be in a block (not executed), the second pooled: either way both count
    const [, spendable, pending] = /can spend (\d+) wei at executed block 0(?: after its (\d+) wei of pending transactions)?, and this transaction may take (\d+)/.exec(refused.error.message)!;
    expect(BigInt(spendable!) - BigInt(pending ?? 0)).toBe(COST / 2n);
    expect(refused.error.message).toMatch(new RegExp(`this transaction may take ${COST} \\(gas limit × fee per gas \\+ value\\)`));
    // a wallet's rebroadcast of a pooled transaction is "already known", not counted against itself
    expect((await send(1, 1)).error.data).toEqual({ reason: 'already-known' });
    // one balance query for the three checks at head 0
    expect(upstream.requests.filter((r) => r.methods.includes('eth_getBalance'))).toHaveLength(1);

    // Included in a block the execution has not reached: they have left the pool and still count.
    await waitFor('both included', () => node.sequencer.headNumber() >= 1 && node.sequencer.health().mempoolSize === 0, 20_000);
    expect((await send(1, 2)).error?.data).toEqual({ reason: 'insufficient-funds' });
    // The execution passes the block: its balance is what the two left; the third is payable once funded.
    execution.head = node.sequencer.headNumber();
    execution.balances.set(hex(addressOf(senderKey(1))), COST);
    await new Promise((resolve) => setTimeout(resolve, 60)); // the head's TTL
    expect((await send(1, 2)).result).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await send(1, 3)).error?.data).toEqual({ reason: 'insufficient-funds' });
    const metricsText = await (await fetch(new URL('/metrics', server.url))).text();
    expect(metricsText).toMatch(/dst_admission_funds_checks_total\{outcome="insufficient"\} 3/);
    expect(metricsText).toMatch(/dst_transactions_rejected_total\{reason="insufficient-funds",source="rpc"\} 3/);
  });

  it('after a restart, the spend of blocks stored before it and not yet executed still counts', async () => {
    execution.head = 0;
    execution.balances.set(hex(addressOf(senderKey(5))), 2n * COST + COST / 2n);
    const first = await start({ blockTimeMs: 50 });
    expect((await first.send(5, 0)).result).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await first.send(5, 1)).result).toMatch(/^0x[0-9a-f]{64}$/);
    await waitFor('both included', () => first.node.sequencer.headNumber() >= 1 && first.node.sequencer.health().mempoolSize === 0, 20_000);
    const included = first.node.sequencer.headNumber();
    await first.node.stop();
    await first.server.close();
    // A fresh node process on the same data directory: execution is still at block 0, so the two
    // transactions' 2 × COST still count against the 2.5 × COST balance.
    const second = await start({ blockTimeMs: 50, dir: first.dir });
    expect(second.node.sequencer.headNumber()).toBe(included);
    const refused = await second.send(5, 2);
    expect(refused.error?.data).toEqual({ reason: 'insufficient-funds' });
    expect(refused.error.message).toMatch(new RegExp(`can spend ${COST / 2n} wei at executed block 0`));
    // once execution passes those blocks, the balance is what they left
    execution.head = included;
    execution.balances.set(hex(addressOf(senderKey(5))), COST / 2n + COST);
    await new Promise((resolve) => setTimeout(resolve, 60)); // the head's TTL
    expect((await second.send(5, 2)).result).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('concurrent submissions of one sender cannot spend the same wei twice', async () => {
    execution.head = 0;
    execution.balances.set(hex(addressOf(senderKey(2))), 3n * COST);
    const { send } = await start({ blockTimeMs: 5_000 });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, nonce) => send(2, nonce)));
    expect(answers.filter((a) => a.result !== undefined)).toHaveLength(3);
    expect(answers.filter((a) => a.error?.data?.reason === 'insufficient-funds')).toHaveLength(5);
  });

  it('an unavailable endpoint: "admit" admits unchecked and counts it; "reject" refuses with execution-unavailable', async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const admitting = await start({ blockTimeMs: 5_000, url: deadUrl });
    expect((await admitting.send(3, 0)).result).toMatch(/^0x[0-9a-f]{64}$/);
    const metricsText = await (await fetch(new URL('/metrics', admitting.server.url))).text();
    expect(metricsText).toMatch(/dst_admission_funds_checks_total\{outcome="unavailable"\} 1/);
    const rejecting = await start({ blockTimeMs: 5_000, url: deadUrl, unavailable: 'reject' });
    const refused = await rejecting.send(4, 0);
    expect(refused.error.data).toEqual({ reason: 'execution-unavailable' });
    expect(refused.error.message).toMatch(/cannot check the sender's balance: its execution endpoint is unavailable .*ECONNREFUSED.*retry later/);
    expect(() => new FundsCheck({ state: executionState(new ExecutionClient({ url: deadUrl, maxResponseBytes: 1 })), chainId: 1n, logger: pino({ level: 'silent' }), unavailable: 'maybe' as never })).toThrow(/admit, reject/);
  });

  it('included spend counts until the executed head passes its block, and is bounded: the oldest blocks are forgotten first', async () => {
    const sender = hex(addressOf(senderKey(5)));
    let head = 0;
    let balanceQueries = 0;
    const state = { head: async () => head, balance: async () => (balanceQueries++, 10n * COST) };
    const check = new FundsCheck({ state, chainId: CHAIN_ID, logger: pino({ level: 'silent' }), headTtlMs: 0, maxTrackedEntries: 3 });
    /** Block `number` (only the fields noteIncluded reads) holding the sender's transaction `nonce`, decoded from its raw bytes. */
    const include = (number: number, nonce: number): void => {
      const tx = parseTransaction(raw(5, nonce), { chainId: CHAIN_ID, maxBytes: 1 << 20 });
      check.noteIncluded({ header: { number }, transactions: [tx.raw] } as unknown as Block, [tx.sender]);
    };
    [1, 2, 3].forEach((n) => include(n, n - 1));
    expect(await check.available(sender)).toEqual({ wei: 7n * COST, head: 0 });
    head = 2; // blocks 1 and 2 executed: only block 3's spend is left
    expect(await check.available(sender)).toEqual({ wei: 9n * COST, head: 2 });
    expect(balanceQueries).toBe(2); // one per executed head
    [4, 5, 6].forEach((n) => include(n, n - 1));
    // at most 3 entries: block 3 is forgotten (an over-estimate, never an under-estimate)
    expect(await check.available(sender)).toEqual({ wei: 7n * COST, head: 2 });
    head = 6;
    expect(await check.available(sender)).toEqual({ wei: 10n * COST, head: 6 });
    expect(check.trackedSenders).toBe(0);
  });
});
