/**
 * A DST node's forwarding to its execution endpoint (src/api/forward.ts, src/api/execution-client.ts)
 * over real HTTP: the real API server over a `MemorySequencer`, and as the execution endpoint a real
 * JSON-RPC server that records what reaches it (test/helpers/rpc-recorder.ts). Forwarded methods
 * reach it, local ones never do; a batch mixing both costs one upstream batch and answers in order;
 * the endpoint's errors pass through with code and data; an unreachable or slow endpoint gives -32002
 * naming it; an answer over the size cap gives -32005; the API's own limits apply to forwarded calls;
 * a forwarded request is never forwarded again, and the forwarded methods are disjoint from what an
 * execution node asks DST nodes; the metrics label forwarded calls; blocks carry the endpoint's base fee.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EXECUTION_UNAVAILABLE, ExecutionClient, ExecutionForwarding, FORWARDED_METHODS, startApiServer, createMetrics, type ApiServer, type RpcLimits } from '../../src/api/index.js';
import { UPSTREAM_METHODS } from '../../src/execution/upstream.js';
import type { FeeMarket1559Tx } from '@ethereumjs/tx';
import { freePort } from '../helpers/net.js';
import { makeSignedTransactionObjects } from '../helpers/transactions.js';
import { startRpcRecorder, type RpcRecorder } from '../helpers/rpc-recorder.js';
import { CHAIN_ID } from './fixture.js';
import { MemorySequencer } from './memory-sequencer.js';

const BASE_FEE = '0x3b9aca00';
const REVERT_DATA = '0x08c379a0' + '00'.repeat(32);

/** The execution endpoint's answers: enough for every case below. */
function answer(method: string, params: unknown[]): unknown {
  switch (method) {
    case 'eth_getBalance':
      return params[0] === '0x00000000000000000000000000000000000000aa' ? '0x64' : '0x0';
    case 'eth_call':
      return { error: { code: 3, message: 'execution reverted: no', data: REVERT_DATA } };
    case 'eth_feeHistory':
      return { oldestBlock: '0x0', baseFeePerGas: [BASE_FEE, BASE_FEE], gasUsedRatio: [0] };
    case 'eth_getLogs':
      return Array.from({ length: 200 }, (_, i) => ({ logIndex: `0x${i.toString(16)}`, data: '0x' + 'ab'.repeat(64) }));
    case 'eth_gasPrice':
      return BASE_FEE;
    default:
      return { error: { code: -32601, message: `the method ${method} does not exist` } };
  }
}

describe('forwarding to the execution endpoint', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(options: { upstreamUrl?: string; timeoutMs?: number; limits?: Partial<RpcLimits> } = {}) {
    const upstream = options.upstreamUrl === undefined ? await startRpcRecorder(answer) : undefined;
    if (upstream) cleanup.push(() => upstream.close());
    const metrics = createMetrics();
    const maxResponseBytes = options.limits?.maxResponseBytes ?? 1 << 20;
    const client = new ExecutionClient({
      url: options.upstreamUrl ?? upstream!.url,
      timeoutMs: options.timeoutMs,
      maxResponseBytes,
      observe: (methods, outcome) => methods.forEach((method) => metrics.rpcForwarded.inc({ method, outcome })),
    });
    const execution = new ExecutionForwarding(client);
    await execution.start();
    cleanup.push(() => execution.stop());
    const sequencer = new MemorySequencer(CHAIN_ID);
    const server = await startApiServer(sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger: pino({ level: 'silent' }), metrics, execution, limits: { maxResponseBytes, ...options.limits } });
    cleanup.push(() => server.close());
    return { upstream, server, sequencer, metrics };
  }

  const post = async (server: ApiServer, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as any };
  };
  const call = async (server: ApiServer, method: string, params: unknown[] = [], headers?: Record<string, string>) =>
    (await post(server, { jsonrpc: '2.0', id: 7, method, params }, headers)).json;
  /** The requests the upstream got apart from the base-fee refresh at start. */
  const forwardedRequests = (upstream: RpcRecorder) => upstream.requests.filter((r) => !(r.methods.length === 1 && r.methods[0] === 'eth_feeHistory'));

  it('forwards the execution methods, serves its own locally, marks what it forwards, and gives blocks the base fee', async () => {
    const { upstream, server, metrics } = await start();
    expect(await call(server, 'eth_getBalance', ['0x00000000000000000000000000000000000000aa', 'latest'])).toEqual({ jsonrpc: '2.0', id: 7, result: '0x64' });
    expect((await call(server, 'eth_gasPrice')).result).toBe(BASE_FEE);
    expect((await call(server, 'eth_blockNumber')).result).toBe('0x0');
    expect((await call(server, 'eth_chainId')).result).toBe(`0x${CHAIN_ID.toString(16)}`);
    expect((await call(server, 'eth_getTransactionCount', ['0x00000000000000000000000000000000000000aa', 'pending'])).result).toBe('0x0');
    // eth_getBalance and eth_gasPrice reached the endpoint, each marked forwarded; nothing local did
    expect(forwardedRequests(upstream!)).toEqual([
      { methods: ['eth_getBalance'], batch: false, forwardedHeader: 'dst-node' },
      { methods: ['eth_gasPrice'], batch: false, forwardedHeader: 'dst-node' },
    ]);
    // the block objects carry the execution chain's base fee, so wallets price EIP-1559 for execution
    expect((await call(server, 'eth_getBlockByNumber', ['latest', false])).result.baseFeePerGas).toBe(BASE_FEE);
    const text = await (await fetch(new URL('/metrics', server.url))).text();
    expect(text).toMatch(/dst_rpc_forwarded_total\{method="eth_getBalance",outcome="answered"\} 1/);
    expect(text).toMatch(/dst_rpc_requests_total\{method="eth_getBalance",outcome="ok"\} 1/);
  });

  it('an included EIP-1559 transaction\'s gasPrice is its effective price under the execution chain\'s base fee', async () => {
    const { server, sequencer } = await start();
    const typed = makeSignedTransactionObjects(12, { chainId: Number(CHAIN_ID) }).filter((tx) => tx.type === 2) as FeeMarket1559Tx[];
    expect(typed.length).toBeGreaterThan(1);
    for (const tx of typed) await sequencer.submitTransaction(tx.serialize());
    sequencer.produceBlock(1_000n);
    const block = (await call(server, 'eth_getBlockByNumber', ['latest', true])).result;
    for (const tx of typed) {
      const base = BigInt(BASE_FEE);
      const effective = base + tx.maxPriorityFeePerGas < tx.maxFeePerGas ? base + tx.maxPriorityFeePerGas : tx.maxFeePerGas;
      const hash = `0x${Buffer.from(tx.hash()).toString('hex')}`;
      expect((await call(server, 'eth_getTransactionByHash', [hash])).result.gasPrice).toBe(`0x${effective.toString(16)}`);
      expect(block.transactions.find((t: { hash: string }) => t.hash === hash).gasPrice).toBe(`0x${effective.toString(16)}`);
    }
  });

  it('a batch mixing local and forwarded methods: one upstream batch, every answer in place with its id', async () => {
    const { upstream, server } = await start();
    const batch = [
      { jsonrpc: '2.0', id: 'a', method: 'eth_blockNumber', params: [] },
      { jsonrpc: '2.0', id: 'b', method: 'eth_getBalance', params: ['0x00000000000000000000000000000000000000aa', 'latest'] },
      { jsonrpc: '2.0', id: 'c', method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 'd', method: 'eth_call', params: [{ to: '0x00000000000000000000000000000000000000bb' }, 'latest'] },
      { jsonrpc: '2.0', id: 'e', method: 'eth_getBalance', params: ['0x00000000000000000000000000000000000000cc', 'latest'] },
    ];
    const { json } = await post(server, batch);
    expect(json.map((r: any) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(json[0].result).toBe('0x0');
    expect(json[1].result).toBe('0x64');
    expect(json[2].result).toBe(`0x${CHAIN_ID.toString(16)}`);
    // the endpoint's error passes through unchanged: code, message, data (an eth_call revert)
    expect(json[3].error).toEqual({ code: 3, message: 'execution reverted: no', data: REVERT_DATA });
    expect(json[4].result).toBe('0x0');
    expect(forwardedRequests(upstream!)).toEqual([{ methods: ['eth_getBalance', 'eth_call', 'eth_getBalance'], batch: true, forwardedHeader: 'dst-node' }]);
  });

  it('an unreachable endpoint and one that does not answer in time give -32002 naming it', async () => {
    const port = await freePort(); // nothing listens there
    const { server } = await start({ upstreamUrl: `http://127.0.0.1:${port}` });
    const refused = await call(server, 'eth_getBalance', ['0x00000000000000000000000000000000000000aa']);
    expect(refused.error.code).toBe(EXECUTION_UNAVAILABLE);
    expect(refused.error.message).toMatch(new RegExp(`execution endpoint http://127.0.0.1:${port}/ is unreachable \\(ECONNREFUSED\\)`));
    expect(refused.error.data).toEqual({ endpoint: `http://127.0.0.1:${port}/` });
    // the local methods are unaffected
    expect((await call(server, 'eth_blockNumber')).result).toBe('0x0');

    const slow = await start({ timeoutMs: 300 });
    slow.upstream!.delayMs = 2_000;
    const late = await call(slow.server, 'eth_getBalance', ['0x00000000000000000000000000000000000000aa']);
    expect(late.error.code).toBe(EXECUTION_UNAVAILABLE);
    expect(late.error.message).toMatch(/did not answer eth_getBalance within 300 ms/);
  });

  it('an upstream answer over the response cap is dropped: -32005 response too large; the batch limit applies before forwarding', async () => {
    const { upstream, server } = await start({ limits: { maxResponseBytes: 4_096, maxBatch: 3 } });
    const big = await call(server, 'eth_getLogs', [{}]);
    expect(big.error).toMatchObject({ code: -32005, data: { limit: 'response-bytes', max: 4_096 } });
    const before = forwardedRequests(upstream!).length;
    const tooLong = await post(server, Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_getBalance', params: ['0x00000000000000000000000000000000000000aa'] })));
    expect(tooLong.json.error).toMatchObject({ code: -32600, data: { limit: 'batch-length', max: 3 } });
    expect(forwardedRequests(upstream!).length).toBe(before);
  });

  it('never forwards a forwarded request again; the forwarded methods are disjoint from what execution asks DST nodes', async () => {
    const { upstream, server } = await start();
    const looped = await call(server, 'eth_getBalance', ['0x00000000000000000000000000000000000000aa'], { 'x-dst-forwarded': 'dst-execute' });
    expect(looped.error.code).toBe(-32601);
    expect(looped.error.message).toMatch(/not forwarded again.*forwarding loop/);
    expect(forwardedRequests(upstream!)).toEqual([]);
    // what a forwarded request may still ask: the node's own methods
    expect((await call(server, 'eth_blockNumber', [], { 'x-dst-forwarded': 'dst-execute' })).result).toBe('0x0');
    expect(FORWARDED_METHODS.filter((m) => UPSTREAM_METHODS.includes(m))).toEqual([]);
    for (const local of ['eth_sendRawTransaction', 'eth_getBlockByNumber', 'eth_getBlockByHash', 'eth_getTransactionByHash', 'eth_getTransactionCount', 'dst_getTransactionStatus']) {
      expect(FORWARDED_METHODS).not.toContain(local);
    }
  });

  it('bounds open upstream requests: beyond the open and queued ones a call is refused at once with -32005', async () => {
    const upstream = await startRpcRecorder(answer);
    cleanup.push(() => upstream.close());
    upstream.delayMs = 300;
    const client = new ExecutionClient({ url: upstream.url, maxResponseBytes: 1 << 20, maxConcurrent: 2, maxQueued: 1 });
    const calls = Array.from({ length: 5 }, () => client.call('eth_gasPrice', []).then((r) => ({ ok: r }), (e: { code: number; data: unknown }) => ({ code: e.code, data: e.data })));
    const results = await Promise.all(calls);
    expect(results.filter((r) => 'ok' in r)).toHaveLength(3);
    expect(results.filter((r) => !('ok' in r))).toEqual([
      { code: -32005, data: { limit: 'execution-in-flight', max: 3 } },
      { code: -32005, data: { limit: 'execution-in-flight', max: 3 } },
    ]);
    expect(client.inFlight).toBe(0);
    expect(() => new ExecutionClient({ url: 'ftp://x', maxResponseBytes: 1 })).toThrow(/expected http:\/\/, https:\/\/, ws:\/\/ or wss:\/\//);
  });
});
