/**
 * `DstFollower` against a node that refuses big ranges: a WebSocket JSON-RPC server (real `ws`, on
 * loopback) serving a signed chain the way a DST node does (`eth_subscribe` newHeads, `eth_blockNumber`,
 * `dst_getSignedBlocks`), but answering any range of more than 4 blocks with -32005 "response too
 * large" (`data.limit: "response-bytes"`), as an older node could with big blocks. The follower asks
 * for half as many until the node answers, and yields the whole chain in order; a -32005 for another
 * limit is not taken for a size refusal (the follower reconnects instead, as for any error).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { DstFollower, type FollowerEvent } from '../../src/verifier/index.js';
import { makeSignedChain } from './signed-chain.js';

const chain = makeSignedChain({ count: 20, signWith: 'group' });
const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`;
const blockJson = (i: number) => {
  const b = chain.blocks[i - 1]!;
  return { number: `0x${i.toString(16)}`, header: hex(b.header), transactions: b.transactions.map(hex), round: b.round, signature: hex(b.signature) };
};

let server: WebSocketServer | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A node serving `chain`; ranges longer than 4 blocks get -32005 with `data.limit` = `limit`. Records every count asked. */
async function node(limit: string): Promise<{ url: string; counts: number[] }> {
  const counts: number[] = [];
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const { id, method, params } = JSON.parse(String(data)) as { id: number; method: string; params: unknown[] };
      const reply = (body: object) => socket.send(JSON.stringify({ jsonrpc: '2.0', id, ...body }));
      if (method === 'eth_subscribe') return reply({ result: '0x1' });
      if (method === 'eth_blockNumber') return reply({ result: `0x${chain.blocks.length.toString(16)}` });
      if (method !== 'dst_getSignedBlocks') return reply({ error: { code: -32601, message: 'no such method' } });
      const from = Number(params[0]);
      const count = params[1] as number;
      counts.push(count);
      if (count > 4) return reply({ error: { code: -32005, message: 'response too large', data: { limit } } });
      const last = Math.min(chain.blocks.length, from + count - 1);
      return reply({ result: Array.from({ length: Math.max(0, last - from + 1) }, (_, k) => blockJson(from + k)) });
    });
  });
  await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/`, counts };
}

describe('DstFollower and a node that refuses a range as too large', () => {
  it('asks for half as many blocks until the node answers, and yields the whole chain in order', async () => {
    const { url, counts } = await node('response-bytes');
    const events: FollowerEvent[] = [];
    const follower = new DstFollower({ urls: [url], trust: chain.trust, onEvent: (e) => events.push(e) });
    const numbers: number[] = [];
    for await (const block of follower.blocks()) {
      numbers.push(block.number);
      if (block.number === chain.blocks.length) await follower.close();
    }
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(counts.slice(0, 4)).toEqual([20, 10, 5, 2]);
    expect(Math.max(...counts.slice(3))).toBeLessThanOrEqual(4);
    expect(events.filter((e) => e.kind !== 'connected')).toEqual([]);
  });

  it('does not shrink the range for a -32005 of another limit: that is an error like any other', async () => {
    const { url, counts } = await node('requests-per-second');
    const events: FollowerEvent[] = [];
    const follower = new DstFollower({ urls: [url], trust: chain.trust, retryDelayMs: 10, onEvent: (e) => events.push(e) });
    const iterator = follower.blocks()[Symbol.asyncIterator]();
    const next = iterator.next();
    while (events.filter((e) => e.kind === 'disconnected').length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await follower.close();
    expect((await next).done).toBe(true);
    expect(new Set(counts)).toEqual(new Set([20]));
    expect(events.find((e) => e.kind === 'disconnected')).toMatchObject({ why: expect.stringMatching(/-32005/) });
  });
});
