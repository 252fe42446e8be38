/**
 * JSON-RPC over a real WebSocket (the `ws` client): methods, newHeads subscriptions delivered per
 * block and stopped by eth_unsubscribe or disconnection, error codes, and the frame size limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { makeSignedTransactions } from '../helpers/transactions.js';
import { CHAIN_ID, MAX_BODY_BYTES, startFixture, toHex, type Fixture } from './fixture.js';

/** A WebSocket client that queues every message it receives, and waits for the next ones. */
class Client {
  readonly messages: any[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async connect(url: string): Promise<Client> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new Client(socket);
  }

  /** Waits until a message matching `match` has arrived, removes and returns it. */
  async next(match: (message: any) => boolean): Promise<any> {
    for (;;) {
      const index = this.messages.findIndex(match);
      if (index >= 0) return this.messages.splice(index, 1)[0];
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async call(method: string, params: unknown[] = []): Promise<any> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return this.next((message) => message.id === id);
  }

  async sendRaw(text: string): Promise<any> {
    this.socket.send(text);
    return this.next((message) => Array.isArray(message) || message.id === null);
  }
}

describe('JSON-RPC over WebSocket', () => {
  let f: Fixture;
  let client: Client;
  beforeAll(async () => {
    f = await startFixture();
    client = await Client.connect(f.server.wsUrl);
  });
  afterAll(async () => {
    client.socket.close();
    await f.server.close();
  });

  it('serves the same methods as HTTP', async () => {
    expect((await client.call('eth_chainId')).result).toBe(`0x${CHAIN_ID.toString(16)}`);
    const raw = makeSignedTransactions(1, { chainId: Number(CHAIN_ID), seed: 3 })[0]!;
    const hash = (await client.call('eth_sendRawTransaction', [toHex(raw)])).result;
    expect((await client.call('eth_getTransactionByHash', [hash])).result).toMatchObject({ hash, blockHash: null });
    expect((await client.call('dst_health')).result).toMatchObject({ ready: true, mempoolSize: 1 });
  });

  it('eth_subscribe("newHeads") pushes each new block header; eth_unsubscribe stops it', async () => {
    const subscription = (await client.call('eth_subscribe', ['newHeads'])).result;
    expect(subscription).toMatch(/^0x[0-9a-f]{32}$/);
    const second = await Client.connect(f.server.wsUrl);
    const secondSubscription = (await second.call('eth_subscribe', ['newHeads'])).result;

    for (let i = 1; i <= 3; i++) {
      const signed = f.sequencer.produceBlock(1_700_000_000_000n + BigInt(i) * 250n);
      const byRpc = (await client.call('eth_getBlockByNumber', [`0x${i.toString(16)}`, false])).result;
      const { transactions, uncles, ...header } = byRpc;
      expect(transactions).toHaveLength(signed.block.transactions.length);
      expect(uncles).toEqual([]);
      for (const [c, id] of [[client, subscription], [second, secondSubscription]] as const) {
        const notification = await c.next((m) => m.method === 'eth_subscription' && m.params.result.number === `0x${i.toString(16)}`);
        expect(notification).toEqual({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: id, result: header } });
      }
    }
    expect((await client.call('eth_unsubscribe', [subscription])).result).toBe(true);
    expect((await client.call('eth_unsubscribe', [subscription])).result).toBe(false);
    second.socket.close();
    await new Promise((resolve) => second.socket.once('close', resolve));
    f.sequencer.produceBlock(1_700_000_001_000n);
    // A call after the block was published: any notification would have arrived before its answer.
    expect((await client.call('eth_blockNumber')).result).toBe('0x4');
    expect(client.messages.filter((m) => m.method === 'eth_subscription')).toEqual([]);
  });

  it('error codes over WebSocket, and the connection keeps serving', async () => {
    expect(await client.sendRaw('{oops')).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await client.sendRaw('[]')).toMatchObject({ id: null, error: { code: -32600, message: 'invalid request: empty batch' } });
    expect((await client.call('eth_subscribe', ['logs'])).error).toMatchObject({ code: -32602, message: expect.stringMatching(/param 0 \(subscription type\): expected "newHeads"/) });
    expect((await client.call('eth_unsubscribe', [7])).error.code).toBe(-32602);
    expect((await client.call('eth_getWork')).error.code).toBe(-32601);
    const rejected = (await client.call('eth_sendRawTransaction', ['0xc0'])).error;
    expect(rejected).toMatchObject({ code: -32000, data: { reason: 'malformed' } });
    const batch = await client.sendRaw(JSON.stringify([{ jsonrpc: '2.0', id: 'a', method: 'eth_chainId' }, { jsonrpc: '2.0', id: 'b', method: 'nope' }]));
    expect(batch.map((r: any) => r.result ?? r.error.code)).toEqual([`0x${CHAIN_ID.toString(16)}`, -32601]);
    expect((await client.call('eth_blockNumber')).result).toBe('0x4');
  });

  it('closes a connection that sends a message over the limit with 1009, and serves new ones', async () => {
    const victim = await Client.connect(f.server.wsUrl);
    const closed = new Promise<number>((resolve) => victim.socket.once('close', (code) => resolve(code)));
    victim.socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [`0x${'00'.repeat(MAX_BODY_BYTES)}`] }));
    expect(await closed).toBe(1009);
    const fresh = await Client.connect(f.server.wsUrl);
    expect((await fresh.call('eth_blockNumber')).result).toBe('0x4');
    fresh.socket.close();
    expect((await client.call('eth_chainId')).result).toBe(`0x${CHAIN_ID.toString(16)}`);
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    const socket = new WebSocket(new URL('/other', f.server.wsUrl));
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error.message).toMatch(/404/);
  });
});
