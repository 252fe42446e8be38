/**
 * dst-sequencer/verifier against a real 4-node cluster (separate `dst run` processes over libp2p on loopback,
 * under a transaction load): every block of its chain verifies, one by one and as a chain; a
 * `DstFollower` on three nodes' WebSockets keeps yielding verified blocks with no gap and no duplicate
 * while the node it follows is SIGKILLed; a node behind a proxy that tampers with one transaction of
 * the blocks it serves is dropped, named, and the follower goes on from an honest node; a follower
 * started from a checkpoint resumes after it without yielding it again.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { DstFollower, signedBlockFromJson, verifyChain, verifySignedBlock, type FollowerEvent, type Trust, type VerifiedBlock } from '../../src/verifier/index.js';
import { readChain, startTransactionLoad, TestCluster, waitForHeight, type TransactionLoad } from './cluster-process.js';
import { rpc, type NodeProcess } from './node-process.js';

const CHAIN_ID = 4711n;

/** A WebSocket proxy to `target` that flips a byte of the first transaction of every block dst_getSignedBlocks returns. */
async function tamperingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (client) => {
    const upstream = new WebSocket(target);
    const methods = new Map<number, string>();
    const queued: string[] = [];
    upstream.on('open', () => queued.splice(0).forEach((m) => upstream.send(m)));
    client.on('message', (data) => {
      const text = String(data);
      const request = JSON.parse(text);
      methods.set(request.id, request.method);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else queued.push(text);
    });
    upstream.on('message', (data) => {
      const reply = JSON.parse(String(data));
      if (methods.get(reply.id) === 'dst_getSignedBlocks' && Array.isArray(reply.result)) {
        for (const block of reply.result) {
          if (block.transactions.length > 0) {
            const tx: string = block.transactions[0];
            block.transactions[0] = tx.slice(0, -1) + (tx.endsWith('0') ? '1' : '0');
          }
        }
      }
      client.send(JSON.stringify(reply));
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.close());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(); http.close(() => resolve()); }),
  };
}

/** Takes `count` blocks from a follower (or until `until` says stop), checking each follows the one before. */
async function take(iterator: AsyncIterator<VerifiedBlock>, count: number, onBlock?: (block: VerifiedBlock, i: number) => Promise<void> | void): Promise<VerifiedBlock[]> {
  const out: VerifiedBlock[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) throw new Error(`the follower ended after ${out.length} blocks`);
    const block = next.value;
    if (out.length > 0) {
      expect(block.number).toBe(out[out.length - 1]!.number + 1);
      expect(block.header.parentHash).toEqual(out[out.length - 1]!.hash);
    }
    out.push(block);
    await onBlock?.(block, out.length - 1);
  }
  return out;
}

describe('dst-sequencer/verifier against a 4-node cluster', () => {
  let cluster: TestCluster;
  let nodes: NodeProcess[];
  let load: TransactionLoad;
  let trust: Trust;

  beforeAll(async () => {
    cluster = await TestCluster.create({ nodes: 4, threshold: 3, chainId: CHAIN_ID, blockTimeMs: 100 });
    nodes = await cluster.startAll();
    trust = { chainId: CHAIN_ID, groupPublicKey: cluster.lock.groupPublicKey };
    load = startTransactionLoad({ chainId: Number(CHAIN_ID), senders: 6, seed: 'dst-follower', target: (s) => ({ index: 1 + (s % 2), url: nodes[s % 2]!.url }), intervalMs: 20 });
    await waitForHeight(nodes[0]!, 8);
  });

  afterAll(async () => {
    await load?.stop();
    await cluster?.shutdown();
  });

  it('every block of the chain verifies, one by one and as a chain, on both backends', async () => {
    // node 1 has reached height 8 (beforeAll); blocks 1..its head
    const chain = (await readChain(nodes[0]!.url)).map((json) => signedBlockFromJson(json));
    expect(chain.length).toBeGreaterThanOrEqual(8);
    expect(chain.every((b) => b.transactions.length > 0)).toBe(true);
    const genesis = signedBlockFromJson((await rpc(nodes[0]!.url, 'dst_getSignedBlock', ['0x0'])).result);
    for (const backend of ['native', 'wasm'] as const) {
      for (const block of [genesis, ...chain]) expect((await verifySignedBlock(block, trust, { backend })).ok).toBe(true);
      expect(await verifyChain([genesis, ...chain], trust, { backend })).toMatchObject({ ok: true, head: { number: chain.length } });
    }
  });

  it('follows across a SIGKILL of its node, drops a tampering node, and resumes from a checkpoint', async () => {
    const proxy = await tamperingProxy(nodes[3]!.wsUrl);
    const events: FollowerEvent[] = [];
    const follower = new DstFollower({ urls: [proxy.url, nodes[0]!.wsUrl, nodes[1]!.wsUrl], trust, retryDelayMs: 200, onEvent: (e) => events.push(e) });
    const iterator = follower.blocks()[Symbol.asyncIterator]();
    let killed: number | undefined;
    const seen: VerifiedBlock[] = await take(iterator, 40, async (block, i) => {
      if (i === 15) {
        // SIGKILL the node this block came from; the rest must come from the other one
        killed = [nodes[0]!, nodes[1]!].findIndex((n) => n.wsUrl === block.source);
        expect(killed).toBeGreaterThanOrEqual(0);
        await cluster.kill(killed + 1);
      }
    });
    expect(seen[0]!.number).toBe(1);
    // the tampering proxy was tried first and dropped, naming the block and the reason
    const dropped = events.filter((e) => e.kind === 'dropped');
    expect(dropped).toEqual([expect.objectContaining({ kind: 'dropped', url: proxy.url, reason: 'transactions-mismatch' })]);
    expect(seen.every((b) => b.source !== proxy.url)).toBe(true);
    // Blocks fetched from the killed node before it died may still be queued; after them, with no gap
    // and no duplicate, every block comes from the surviving node.
    const survivor = [nodes[0]!, nodes[1]!][1 - killed!]!.wsUrl;
    const after: VerifiedBlock[] = [];
    while (after.filter((b) => b.source === survivor).length < 5) {
      const next = await iterator.next();
      if (next.done) throw new Error('the follower ended');
      expect(next.value.number).toBe((after.at(-1) ?? seen.at(-1)!).number + 1);
      after.push(next.value);
      if (after.length > 2_000) throw new Error('no block from the surviving node');
    }
    const firstFromSurvivor = after.findIndex((b) => b.source === survivor);
    expect(after.slice(firstFromSurvivor).every((b) => b.source === survivor)).toBe(true);
    expect(events.some((e) => e.kind === 'disconnected')).toBe(true);
    seen.push(...after);
    await iterator.return?.(undefined);
    await proxy.close();

    // resume from the last block seen: the next one comes first, nothing is yielded twice
    const last = seen[seen.length - 1]!;
    const resumed = new DstFollower({ urls: [nodes[2]!.wsUrl], trust, checkpoint: { number: last.number, hash: last.hash } });
    const again = resumed.blocks()[Symbol.asyncIterator]();
    const resumedBlocks = await take(again, 5);
    expect(resumedBlocks[0]!.number).toBe(last.number + 1);
    expect(resumedBlocks[0]!.header.parentHash).toEqual(last.hash);
    await again.return?.(undefined);
  });
});
