/**
 * SIGKILL under load (issue 6): a node process takes transactions from concurrent senders over
 * JSON-RPC, is killed with SIGKILL while requests are in flight, and restarted on the same data
 * directory. Checked afterwards: every transaction the node acknowledged (eth_sendRawTransaction
 * returned its hash) is included exactly once, in nonce order per sender; every block seen published
 * before the kill (newHeads over WebSocket) is still the block at its height; every block's signature
 * verifies with blst over the recomputed signing root; the chain continued after the restart; and the
 * LMDB signing guard holds, for every stored height, only the stored block's hash.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { RLP } from '@ethereumjs/rlp';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NodeStore } from '../../src/node/store.js';
import { signTransfers, testAccounts } from '../node/wallets.js';
import { bytes, rpc, startNodeProcess, verifySignedBlock, type NodeProcess } from './node-process.js';

const CHAIN_ID = 902n;
const SENDERS = 8;
const PER_SENDER = 50;
const KILL_AFTER_ACKNOWLEDGED = 150;

const toHex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;

describe('dst run --single: SIGKILL under load and restart', () => {
  let dataDir: string;
  const running: NodeProcess[] = [];

  afterEach(async () => {
    for (const node of running.splice(0)) {
      node.signal('SIGKILL');
      await node.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged transaction, re-signs no height and continues the chain', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dst-e2e-kill-'));
    const accounts = testAccounts(SENDERS, 'dst-sigkill');
    const signed = await Promise.all(accounts.map((a) => signTransfers(a, Number(CHAIN_ID), 0, PER_SENDER)));
    const acknowledged = new Set<string>();
    /** Accepted before the kill but never answered: the restarted node reports them as known. */
    const knownWithoutAnswer = new Set<string>();
    /** Per sender: index of the first transaction whose submission was not answered. */
    const resumeAt = new Array<number>(SENDERS).fill(0);

    let node = await startNodeProcess({ dataDir, chainId: CHAIN_ID, blockTimeMs: 20 });
    running.push(node);
    const seenBeforeKill = new Map<string, string>(); // block number (hex) → hash
    const socket = new WebSocket(node.wsUrl);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.method === 'eth_subscription') seenBeforeKill.set(message.params.result.number, message.params.result.hash);
    });
    socket.on('error', () => {}); // the kill resets the connection
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));

    /** Sends sender s's transactions from `from` on, one after the other; stops at the first unanswered request. */
    const load = async (url: string, s: number, from: number, tolerateKnown: boolean): Promise<void> => {
      for (let i = from; i < PER_SENDER; i++) {
        let response;
        try {
          response = await rpc(url, 'eth_sendRawTransaction', [signed[s]![i]]);
        } catch {
          return; // the node is gone: this one's fate is unknown until the restart
        }
        if (response.error) {
          // After the restart, a transaction whose answer the kill swallowed may already be known.
          expect(tolerateKnown && /already/.test(response.error.message), response.error.message).toBe(true);
          knownWithoutAnswer.add(toHex(keccak_256(bytes(signed[s]![i]!))));
        } else {
          expect(response.result).toBe(toHex(keccak_256(bytes(signed[s]![i]!))));
          acknowledged.add(response.result);
        }
        resumeAt[s] = i + 1;
      }
    };

    const firstRun = accounts.map((_, s) => load(node.url, s, 0, false));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (acknowledged.size >= KILL_AFTER_ACKNOWLEDGED) {
          clearInterval(poll);
          resolve();
        }
      }, 2);
    });
    node.signal('SIGKILL');
    expect(await node.exited).toBe('SIGKILL');
    running.splice(running.indexOf(node), 1);
    await Promise.all(firstRun);
    socket.terminate();
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKNOWLEDGED);
    expect(acknowledged.size).toBeLessThan(SENDERS * PER_SENDER); // killed under load, not after it

    node = await startNodeProcess({ dataDir, chainId: CHAIN_ID, blockTimeMs: 20 });
    running.push(node);
    const headAtRestart = Number((await rpc(node.url, 'eth_blockNumber')).result);
    await Promise.all(accounts.map((_, s) => load(node.url, s, resumeAt[s]!, true)));
    expect(acknowledged.size + knownWithoutAnswer.size).toBe(SENDERS * PER_SENDER);

    // Wait until every acknowledged transaction is in a block.
    for (const hash of [...acknowledged, ...knownWithoutAnswer]) {
      for (;;) {
        const tx = (await rpc(node.url, 'eth_getTransactionByHash', [hash])).result;
        expect(tx, `acknowledged transaction ${hash} is unknown after the restart`).not.toBeNull();
        if (tx.blockNumber !== null) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    const head = Number((await rpc(node.url, 'eth_blockNumber')).result);
    expect(head).toBeGreaterThan(headAtRestart);
    const included = new Map<string, number>();
    const nextNonce = new Map<string, number>();
    const blocks: Array<{ number: number; round: number; hash: string }> = [];
    let parentHash = (await rpc(node.url, 'eth_getBlockByNumber', ['0x0', false])).result.hash;
    for (let n = 1; n <= head; n++) {
      const block = (await rpc(node.url, 'dst_getSignedBlock', [`0x${n.toString(16)}`])).result;
      expect(verifySignedBlock(block, node.groupPublicKey)).toBe(true);
      const header = RLP.decode(bytes(block.header)) as Uint8Array[];
      expect(toHex(header[2]!)).toBe(parentHash);
      parentHash = block.hash;
      blocks.push({ number: n, round: block.round, hash: block.hash });
      const before = seenBeforeKill.get(`0x${n.toString(16)}`);
      if (before !== undefined) expect(block.hash, `block ${n} changed across the kill`).toBe(before);
      for (const raw of block.transactions as string[]) {
        const hash = toHex(keccak_256(bytes(raw)));
        included.set(hash, (included.get(hash) ?? 0) + 1);
        const tx = (await rpc(node.url, 'eth_getTransactionByHash', [hash])).result;
        const nonce = Number(BigInt(tx.nonce));
        expect(nonce).toBe(nextNonce.get(tx.from) ?? 0);
        nextNonce.set(tx.from, nonce + 1);
      }
    }
    expect(seenBeforeKill.size).toBeGreaterThan(0);
    for (const hash of acknowledged) expect(included.get(hash), hash).toBe(1);
    for (const hash of knownWithoutAnswer) expect(included.get(hash), hash).toBe(1);
    expect(included.size).toBe(SENDERS * PER_SENDER);
    expect([...included.values()].every((count) => count === 1)).toBe(true);

    node.signal('SIGTERM');
    expect(await node.exited).toBe(0);
    running.splice(running.indexOf(node), 1);
    const store = new NodeStore(join(dataDir, 'db'));
    try {
      const guard = store.guardEntries();
      for (const block of blocks) {
        const entries = guard.filter((e) => e.height === block.number);
        expect(entries.map((e) => toHex(e.blockHash))).toContain(block.hash);
        for (const entry of entries) expect(toHex(entry.blockHash), `height ${block.number} round ${entry.round}`).toBe(block.hash);
        expect(toHex(store.signedInRound(block.number, block.round)!)).toBe(block.hash);
      }
    } finally {
      await store.close();
    }
  });
});
