/**
 * The public endpoint's limits (src/api/limits.ts, enforced by src/api/server.ts and src/api/rpc.ts),
 * against the real server on 127.0.0.1 with a `MemorySequencer`, real HTTP (fetch, node:http) and real
 * `ws` clients, each limit set low through `options.limits`. For every limit: what the limited client
 * sees (error code and data, HTTP status and Retry-After, a closed connection), that
 * `dst_rpc_limited_total{limit}` counts each refusal once, and that another client — another loopback
 * address, 127.0.0.2, bound with `localAddress` — is still answered meanwhile. Rate limits run on an
 * injected clock; nothing here asserts a duration. Loopback is exempt from the per-address limits by
 * default, so the tests of those turn `exemptLoopback` off.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Mainnet, createCustomCommon, Hardfork } from '@ethereumjs/common';
import { createLegacyTx } from '@ethereumjs/tx';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  ConnectionLimiter,
  DEFAULT_RPC_LIMITS,
  TokenBuckets,
  createLogger,
  resolveRpcLimits,
  startApiServer,
  type ApiServer,
  type RpcLimitName,
  type RpcLimits,
} from '../../src/api/index.js';
import { SENDER_PRIVATE_KEYS, makeSignedTransactions } from '../helpers/transactions.js';
import { MemorySequencer } from './memory-sequencer.js';

const CHAIN_ID = 1337n;
const OTHER = '127.0.0.2';
const txs = makeSignedTransactions(40, { chainId: Number(CHAIN_ID), seed: 31 });
const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`;
const call = (id: number | string, method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id, method, params });

interface Harness {
  server: ApiServer;
  sequencer: MemorySequencer;
  logs: Record<string, any>[];
  /** The injected clock of the rate limits, in ms: tests move it. */
  clock: { now: number };
}

const running: ApiServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

async function start(limits: Partial<RpcLimits>, sequencer = new MemorySequencer(CHAIN_ID), maxBodyBytes = 64 * 1024): Promise<Harness> {
  const logs: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const clock = { now: 0 };
  const server = await startApiServer(sequencer, { host: '127.0.0.1', port: 0, maxBodyBytes, logger: createLogger({ level: 'debug', destination }), limits, now: () => clock.now });
  running.push(server);
  return { server, sequencer, logs, clock };
}

async function limited(server: ApiServer, limit: RpcLimitName): Promise<number> {
  return (await server.metrics.rpcLimited.get()).values.find((value) => value.labels.limit === limit)?.value ?? 0;
}

/** POSTs `body` from the local address `from` on a fresh connection (node:http). */
function postFrom(from: string, url: string, body: unknown): Promise<{ status: number; headers: IncomingHttpHeaders; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, localAddress: from, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** eth_blockNumber from another address: what every test checks is still answered. */
async function otherClientBlockNumber(server: ApiServer): Promise<string> {
  const { status, json } = await postFrom(OTHER, server.url, call(1, 'eth_blockNumber'));
  expect(status).toBe(200);
  return json.result;
}

/** A `ws` client that queues what it receives. */
class Client {
  readonly messages: any[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  readonly closed: Promise<number>;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  static async connect(url: string, localAddress = '127.0.0.1'): Promise<Client> {
    const socket = new WebSocket(url, { localAddress });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new Client(socket);
  }

  async next(match: (message: any) => boolean): Promise<any> {
    for (;;) {
      const index = this.messages.findIndex(match);
      if (index >= 0) return this.messages.splice(index, 1)[0];
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(method: string, params: unknown[] = []): number {
    const id = this.nextId++;
    this.socket.send(JSON.stringify(call(id, method, params)));
    return id;
  }

  async call(method: string, params: unknown[] = []): Promise<any> {
    const id = this.send(method, params);
    return this.next((message) => message.id === id);
  }
}

/** A raw TCP connection from `from`, once the server has answered a request on it (so it is counted). */
async function heldConnection(port: number, from: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
  const answer = await new Promise<string>((resolve) => socket.once('data', (data) => resolve(String(data))));
  expect(answer).toMatch(/^HTTP\/1.1 200/);
  return socket;
}

/** A raw TCP connection from `from` that the server closes before answering anything: resolves with what it received. */
async function refusedConnection(port: number, from: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (data) => (received += String(data)));
  await new Promise((resolve) => socket.once('close', resolve));
  return received;
}

/** Retries `attempt` until it resolves (a slot freed on the server's side a moment after the client closed). */
async function eventually<T>(attempt: () => Promise<T>, tries = 200): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('TokenBuckets, ConnectionLimiter, resolveRpcLimits', () => {
  it('a bucket refills at its rate up to its burst and says how long to wait, on an injected clock', () => {
    let now = 1_000;
    const buckets = new TokenBuckets(4, 2, 100, () => now); // 4/s, burst 2
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(250); // one token takes 250 ms
    expect(buckets.take('b')).toBe(0); // another key has its own
    now += 100;
    expect(buckets.take('a')).toBe(150);
    now += 150;
    expect(buckets.take('a')).toBe(0);
    now += 10_000; // refilled, but never beyond the burst
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 250]);
  });

  it('buckets stay bounded: full ones are forgotten, and beyond maxKeys the least recently used goes', () => {
    let now = 0;
    const buckets = new TokenBuckets(10, 10, 3, () => now); // full again 1 s after the last use
    for (const key of ['a', 'b', 'c', 'd', 'e']) buckets.take(key);
    expect(buckets.size).toBe(3);
    // "a" was evicted: it is back with a full bucket.
    for (let i = 0; i < 10; i++) expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) buckets.take(`10.${i >> 8}.${i & 255}.1`);
    expect(buckets.size).toBe(3);
    now += 1_000;
    buckets.take('z'); // the sweep: every bucket but z's is full again
    expect(buckets.size).toBe(1);
  });

  it('connections are counted per address and in total, exempt addresses skip the per-address limit', () => {
    const limiter = new ConnectionLimiter(2, 4, (address) => address === 'x');
    expect([limiter.open('a'), limiter.open('a'), limiter.open('a')]).toEqual([undefined, undefined, 'connections-per-address']);
    expect([limiter.open('x'), limiter.open('x'), limiter.open('b')]).toEqual([undefined, undefined, 'connections-total']);
    limiter.close('a');
    expect(limiter.count('a')).toBe(1);
    expect(limiter.open('b')).toBeUndefined();
    expect(limiter.total).toBe(4);
  });

  it('resolves partial limits over the defaults (bursts 2 × the rate) and refuses impossible ones', () => {
    expect(resolveRpcLimits()).toEqual(DEFAULT_RPC_LIMITS);
    expect(resolveRpcLimits({ requestsPerSecond: 50 })).toMatchObject({ requestsPerSecond: 50, requestBurst: 100, transactionBurst: DEFAULT_RPC_LIMITS.transactionBurst });
    expect(resolveRpcLimits({ transactionsPerSecond: 5, transactionBurst: 7 })).toMatchObject({ transactionBurst: 7 });
    expect(() => resolveRpcLimits({ maxBatch: 0 })).toThrow(/maxBatch must be a positive integer, got 0/);
    expect(() => resolveRpcLimits({ requestsPerSecond: -1 })).toThrow(/requestsPerSecond must be a positive number/);
    expect(() => resolveRpcLimits({ maxResponseBytes: 2048, maxUnreadBytes: 1024 })).toThrow(/maxResponseBytes \(2048\) must not exceed maxUnreadBytes \(1024\)/);
  });
});

describe('the endpoint limits', () => {
  it('requests: a token bucket per address; -32005 with retryAfterMs, HTTP 429 with Retry-After; each batch element counts', async () => {
    const { server, clock } = await start({ requestsPerSecond: 2, requestBurst: 3, exemptLoopback: false });
    const fetchRpc = async (body: unknown) => {
      const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), json: (await response.json()) as any };
    };
    for (let i = 1; i <= 3; i++) expect(await fetchRpc(call(i, 'eth_blockNumber'))).toMatchObject({ status: 200, json: { id: i, result: '0x0' } });
    const refused = await fetchRpc(call(4, 'eth_blockNumber'));
    expect(refused).toMatchObject({ status: 429, retryAfter: '1', json: { jsonrpc: '2.0', id: 4, error: { code: -32005, data: { limit: 'requests', retryAfterMs: 500 } } } });
    expect(refused.json.error.message).toMatch(/^limit exceeded/);
    expect(await otherClientBlockNumber(server)).toBe('0x0');
    // The same address over WebSocket draws on the same bucket.
    const ws = await Client.connect(server.wsUrl);
    expect((await ws.call('eth_chainId')).error).toMatchObject({ code: -32005, data: { limit: 'requests', retryAfterMs: 500 } });

    clock.now += 500; // one token back: a batch of three runs its first element only
    const batch = await fetchRpc([call('a', 'eth_chainId'), call('b', 'eth_chainId'), call('c', 'eth_chainId')]);
    expect(batch.status).toBe(200);
    expect(batch.json.map((r: any) => [r.id, r.result ?? r.error.data.limit])).toEqual([['a', '0x539'], ['b', 'requests'], ['c', 'requests']]);
    expect(await limited(server, 'requests')).toBe(4);
    // A whole batch refused is a 429 too.
    expect(await fetchRpc([call('d', 'eth_chainId'), call('e', 'eth_chainId')])).toMatchObject({ status: 429, retryAfter: '1' });
    expect(await limited(server, 'requests')).toBe(6);

    clock.now += 10_000;
    expect((await ws.call('eth_blockNumber')).result).toBe('0x0');
    expect(await fetchRpc(call(5, 'eth_blockNumber'))).toMatchObject({ status: 200, json: { result: '0x0' } });
    ws.socket.close();
  });

  it('transactions: a bucket of its own for eth_sendRawTransaction, per address', async () => {
    const { server, sequencer, clock } = await start({ transactionsPerSecond: 1, transactionBurst: 2, exemptLoopback: false });
    const send = (from: string, id: number, raw: Uint8Array) => postFrom(from, server.url, call(id, 'eth_sendRawTransaction', [hex(raw)]));
    const batch = await postFrom('127.0.0.1', server.url, [0, 1, 2].map((i) => call(i, 'eth_sendRawTransaction', [hex(txs[i]!)])));
    expect(batch.status).toBe(200);
    expect(batch.json[0].result).toMatch(/^0x[0-9a-f]{64}$/);
    expect(batch.json[1].result).toMatch(/^0x[0-9a-f]{64}$/);
    expect(batch.json[2]).toMatchObject({ id: 2, error: { code: -32005, data: { limit: 'transactions', retryAfterMs: 1000 } } });
    const single = await send('127.0.0.1', 3, txs[2]!);
    expect(single).toMatchObject({ status: 429, headers: { 'retry-after': '1' }, json: { error: { code: -32005, data: { limit: 'transactions' } } } });
    // Other requests from that address are not limited by it; another address sends its own transactions.
    expect((await postFrom('127.0.0.1', server.url, call(4, 'eth_blockNumber'))).json.result).toBe('0x0');
    expect((await send(OTHER, 5, txs[2]!)).json.result).toMatch(/^0x/);
    expect(await otherClientBlockNumber(server)).toBe('0x0');
    clock.now += 1_000;
    expect((await send('127.0.0.1', 6, txs[3]!)).json.result).toMatch(/^0x/);
    expect(sequencer.health().mempoolSize).toBe(4);
    expect(await limited(server, 'transactions')).toBe(2);
    expect(await limited(server, 'requests')).toBe(0);
  });

  it('loopback clients are exempt from the per-address limits by default', async () => {
    const { server } = await start({ requestsPerSecond: 1, requestBurst: 1, maxConnectionsPerAddress: 1 });
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => postFrom('127.0.0.1', server.url, call(i, 'eth_blockNumber'))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await limited(server, 'requests')).toBe(0);
  });

  it('batch length: a batch over the limit gets one -32600 and no element runs', async () => {
    const { server, sequencer } = await start({ maxBatch: 3 });
    const tooLong = await postFrom('127.0.0.1', server.url, [0, 1, 2, 3].map((i) => call(i, 'eth_sendRawTransaction', [hex(txs[i]!)])));
    expect(tooLong).toMatchObject({
      status: 200,
      json: { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: a batch of 4 requests exceeds the limit of 3', data: { limit: 'batch-length', max: 3 } } },
    });
    expect(sequencer.health().mempoolSize).toBe(0);
    const ws = await Client.connect(server.wsUrl);
    ws.socket.send(JSON.stringify([1, 2, 3, 4].map((i) => call(i, 'eth_chainId'))));
    expect((await ws.next((m) => m.id === null)).error).toMatchObject({ code: -32600, data: { limit: 'batch-length' } });
    const fits = await postFrom('127.0.0.1', server.url, [0, 1, 2].map((i) => call(i, 'eth_chainId')));
    expect(fits.json).toHaveLength(3);
    expect(await otherClientBlockNumber(server)).toBe('0x0');
    expect(await limited(server, 'batch-length')).toBe(2);
    ws.socket.close();
  });

  it('connections per address: HTTP keep-alive and WebSocket sockets count; one over the limit is closed at once', async () => {
    const { server } = await start({ maxConnectionsPerAddress: 2, exemptLoopback: false });
    const held = [await heldConnection(server.port, '127.0.0.1'), await heldConnection(server.port, '127.0.0.1')];
    expect(await refusedConnection(server.port, '127.0.0.1')).toBe('');
    const ws = new WebSocket(server.wsUrl, { localAddress: '127.0.0.1' });
    await new Promise((resolve) => ws.once('error', resolve));
    expect(await limited(server, 'connections-per-address')).toBe(2);
    expect(await otherClientBlockNumber(server)).toBe('0x0');
    // Closing one frees its slot.
    held[0]!.destroy();
    const freed = await eventually(() => postFrom('127.0.0.1', server.url, call(1, 'eth_blockNumber')));
    expect(freed.json.result).toBe('0x0');
    held[1]!.destroy();
  });

  it('connections in total: one over the limit is closed at once, whatever its address', async () => {
    const { server } = await start({ maxConnections: 2 });
    const held = [await heldConnection(server.port, '127.0.0.1'), await heldConnection(server.port, '127.0.0.3')];
    expect(await refusedConnection(server.port, OTHER)).toBe('');
    expect(await limited(server, 'connections-total')).toBe(1);
    held[1]!.destroy();
    expect(await eventually(() => otherClientBlockNumber(server))).toBe('0x0');
    held[0]!.destroy();
  });

  it('subscriptions per WebSocket: eth_subscribe beyond the limit gets -32005', async () => {
    const { server, sequencer } = await start({ maxSubscriptions: 2 });
    const ws = await Client.connect(server.wsUrl);
    const first = (await ws.call('eth_subscribe', ['newHeads'])).result;
    await ws.call('eth_subscribe', ['newHeads']);
    expect((await ws.call('eth_subscribe', ['newHeads'])).error).toEqual({
      code: -32005,
      message: 'limit exceeded: at most 2 subscriptions per connection',
      data: { limit: 'subscriptions', max: 2 },
    });
    expect((await ws.call('eth_unsubscribe', [first])).result).toBe(true);
    const third = (await ws.call('eth_subscribe', ['newHeads'])).result;
    const other = await Client.connect(server.wsUrl, OTHER);
    const otherSubscription = (await other.call('eth_subscribe', ['newHeads'])).result;
    sequencer.produceBlock(1_700_000_000_000n);
    expect((await ws.next((m) => m.params?.subscription === third)).params.result.number).toBe('0x1');
    expect((await other.next((m) => m.params?.subscription === otherSubscription)).params.result.number).toBe('0x1');
    expect((await other.call('eth_blockNumber')).result).toBe('0x1');
    expect(await limited(server, 'subscriptions')).toBe(1);
    ws.socket.close();
    other.socket.close();
  });

  it('in flight per WebSocket: a message beyond the limit is answered -32005 without running', async () => {
    class HeldSequencer extends MemorySequencer {
      release!: () => void;
      private readonly released = new Promise<void>((resolve) => (this.release = resolve));
      override async submitTransaction(raw: Uint8Array): Promise<Uint8Array> {
        await this.released;
        return super.submitTransaction(raw);
      }
    }
    const sequencer = new HeldSequencer(CHAIN_ID);
    const { server } = await start({ maxInFlight: 2 }, sequencer);
    const ws = await Client.connect(server.wsUrl);
    const held = [ws.send('eth_sendRawTransaction', [hex(txs[0]!)]), ws.send('eth_sendRawTransaction', [hex(txs[1]!)])];
    expect((await ws.call('eth_sendRawTransaction', [hex(txs[2]!)])).error).toEqual({
      code: -32005,
      message: 'limit exceeded: 2 messages of this connection are being handled; wait for their answers',
      data: { limit: 'in-flight', max: 2 },
    });
    expect((await ws.call('eth_blockNumber')).error.data).toEqual({ limit: 'in-flight', max: 2 });
    const other = await Client.connect(server.wsUrl, OTHER);
    expect((await other.call('eth_blockNumber')).result).toBe('0x0');
    expect(await limited(server, 'in-flight')).toBe(2);
    sequencer.release();
    for (const id of held) expect((await ws.next((m) => m.id === id)).result).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await ws.call('eth_blockNumber')).result).toBe('0x0');
    expect(sequencer.health().mempoolSize).toBe(2);
    ws.socket.close();
    other.socket.close();
  });

  /** A block of eight ~100 KB transactions: dst_getSignedBlock answers about 1.6 MB of JSON for it. */
  async function bigBlock(sequencer: MemorySequencer): Promise<number> {
    const common = createCustomCommon({ chainId: Number(CHAIN_ID) }, Mainnet, { hardfork: Hardfork.Prague });
    for (let nonce = 0; nonce < 8; nonce++) {
      const tx = createLegacyTx({ nonce: BigInt(nonce), gasPrice: 1n, gasLimit: 30_000_000n, to: new Uint8Array(20).fill(1), data: new Uint8Array(100_000).fill(nonce + 1) }, { common });
      await sequencer.submitTransaction(tx.sign(SENDER_PRIVATE_KEYS[0]!).serialize());
    }
    const signed = sequencer.produceBlock(1_700_000_000_000n);
    expect(signed.block.transactions).toHaveLength(8);
    return 2 * signed.block.transactions.reduce((sum, raw) => sum + raw.length, 0);
  }

  it('unread bytes on a WebSocket: a client that sends requests and never reads the replies is terminated', async () => {
    const limit = 2 * 1024 * 1024;
    const { server, sequencer, logs } = await start({ maxUnreadBytes: limit, maxResponseBytes: limit });
    const replyBytes = await bigBlock(sequencer);
    const ws = new WebSocket(server.wsUrl, { localAddress: '127.0.0.1' });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.on('error', () => {});
    (ws as unknown as { _socket: Socket })._socket.pause(); // reads nothing from here on
    let sent = 0;
    while ((await limited(server, 'unread-bytes')) === 0 && sent < 200) {
      ws.send(JSON.stringify(call(sent++, 'dst_getSignedBlock', ['latest'])));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await limited(server, 'unread-bytes')).toBe(1);
    // Cut off once its unread replies (those in the kernel's socket buffers, then `limit` more) filled
    // up: long before the 200 replies (over 300 MB) it asked for.
    expect(sent * replyBytes).toBeLessThan(64 * 1024 * 1024);
    expect(await otherClientBlockNumber(server)).toBe('0x1');
    (ws as unknown as { _socket: Socket })._socket.resume();
    await closed;
    const warnings = logs.filter((line) => line.msg === 'disconnecting a WebSocket client that does not read what it is sent');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, client: '127.0.0.1', limit });
    expect(await limited(server, 'unread-bytes')).toBe(1);
  });

  it('unread bytes apply to newHeads notifications through the same check', async () => {
    const { server, sequencer } = await start({ maxSubscriptions: 1000, maxUnreadBytes: 256 * 1024, maxResponseBytes: 256 * 1024 });
    const ws = await Client.connect(server.wsUrl);
    for (let batch = 0; batch < 4; batch++) {
      ws.socket.send(JSON.stringify(Array.from({ length: 250 }, (_, i) => call(i, 'eth_subscribe', ['newHeads']))));
      expect((await ws.next((m) => Array.isArray(m))).filter((r: any) => typeof r.result === 'string')).toHaveLength(250);
    }
    (ws.socket as unknown as { _socket: Socket })._socket.pause();
    let blocks = 0;
    while ((await limited(server, 'unread-bytes')) === 0 && blocks < 500) {
      sequencer.produceBlock(1_700_000_000_000n + BigInt(blocks++));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await limited(server, 'unread-bytes')).toBe(1);
    expect(blocks).toBeLessThan(500);
    (ws.socket as unknown as { _socket: Socket })._socket.resume();
    await ws.closed;
    expect(await otherClientBlockNumber(server)).toBe(`0x${blocks.toString(16)}`);
  });

  it('unread bytes on HTTP: pipelined requests whose responses are not read end the connection', async () => {
    const limit = 2 * 1024 * 1024;
    const { server, sequencer } = await start({ maxUnreadBytes: limit, maxResponseBytes: limit });
    await bigBlock(sequencer);
    const socket = connect({ host: '127.0.0.1', port: server.port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    const body = JSON.stringify(call(1, 'dst_getSignedBlock', ['latest']));
    const one = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    socket.write(one.repeat(40)); // 40 answers of 1.6 MB
    const closed = new Promise((resolve) => socket.once('close', resolve));
    while ((await limited(server, 'unread-bytes')) === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(await otherClientBlockNumber(server)).toBe('0x1');
    socket.resume();
    await closed;
    expect(await limited(server, 'unread-bytes')).toBe(1);
  });

  it('response size: an answer over the limit is replaced by -32005 "response too large"; in a batch, from that element on', async () => {
    const { server, sequencer } = await start({ maxResponseBytes: 4096 });
    for (const raw of txs.slice(0, 30)) await sequencer.submitTransaction(raw);
    sequencer.produceBlock(1_700_000_000_000n);
    const tooLarge = { code: -32005, message: 'response too large: the answer exceeds the limit of 4096 bytes', data: { limit: 'response-bytes', max: 4096 } };
    const single = await postFrom('127.0.0.1', server.url, call(7, 'eth_getBlockByNumber', ['0x1', true]));
    expect(single).toMatchObject({ status: 200, json: { jsonrpc: '2.0', id: 7, error: tooLarge } });
    const batch = await postFrom('127.0.0.1', server.url, [call(1, 'eth_chainId'), call(2, 'eth_getBlockByNumber', ['0x1', true]), call(3, 'eth_chainId')]);
    expect(batch.json).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x539' },
      { jsonrpc: '2.0', id: 2, error: tooLarge },
      { jsonrpc: '2.0', id: 3, error: tooLarge },
    ]);
    const ws = await Client.connect(server.wsUrl);
    expect((await ws.call('eth_getBlockByNumber', ['0x1', true])).error).toEqual(tooLarge);
    expect((await ws.call('eth_getBlockByNumber', ['0x1', false])).result.number).toBe('0x1'); // hashes only: fits
    expect(await otherClientBlockNumber(server)).toBe('0x1');
    expect(await limited(server, 'response-bytes')).toBe(4);
    ws.socket.close();
  });
});
