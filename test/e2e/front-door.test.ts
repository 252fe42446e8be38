/**
 * The front door under attack (issue 11), at small scale against a real `dst run --single` process
 * whose limits are set low by flag: after each attack an honest sender's transaction (from another
 * client address, 127.0.0.2) is accepted and included, another client's `eth_blockNumber` keeps
 * answering, and the node's resident memory stays under the stated ceiling.
 *
 * - one key: nonce 0, then nonces 2.. behind the gap at 1 → refused `nonce-gap` past the window;
 * - many senders, each stuck behind a gap, from several client addresses → they fill the pool; an
 *   honest includable arrival evicts the oldest, and what is left expires (`dst_getTransactionStatus`);
 * - fresh keys from one client address → that address holds at most its quota (`source-limit`) and
 *   is rate-limited (-32005);
 * - a batch over the limit → one -32600, nothing run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTransfer } from '../../src/load/transactions.js';
import { keccak256 } from '../../src/wasm/index.js';
import { postFrom, spawnDst, whenListening, type NodeProcess } from './node-process.js';

const CHAIN_ID = 917n;
/** The ceiling the README states for this configuration: the node with its small pool full. */
const RSS_CEILING_BYTES = 400 * 1024 * 1024;
const to = new Uint8Array(20).fill(3);
const keyOf = (label: string): Uint8Array => keccak256(new TextEncoder().encode(`dst-front-door-${label}`));
const raw = (label: string, nonce: number): string => `0x${Buffer.from(signTransfer(CHAIN_ID, keyOf(label), nonce, to)).toString('hex')}`;

type Answer = { result?: any; error?: { code: number; message: string; data?: any } };

const post = (url: string, from: string, body: unknown): Promise<Answer | Answer[]> => postFrom(url, from, body);

let id = 0;
const call = async (url: string, from: string, method: string, params: unknown[] = []): Promise<Answer> =>
  (await post(url, from, { jsonrpc: '2.0', id: ++id, method, params })) as Answer;
const batch = async (url: string, from: string, raws: string[]): Promise<Answer[]> =>
  (await post(url, from, raws.map((r) => ({ jsonrpc: '2.0', id: ++id, method: 'eth_sendRawTransaction', params: [r] })))) as Answer[];

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

describe('the front door of a single node under attack, limits set low by flag', () => {
  let dir: string;
  let node: NodeProcess;
  /** The first test's transactions behind its nonce gap (accepted, waiting). */
  let behindGap: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dst-front-door-'));
    node = await whenListening(
      spawnDst([
        'run', '--single', '--data-dir', dir, '--chain-id', CHAIN_ID.toString(), '--block-time', '200', '--rpc-port', '0',
        '--rpc-limit-loopback', '--rpc-max-transactions-per-second', '100', '--rpc-max-requests-per-second', '400', '--rpc-max-batch', '100',
        '--pool-max-transactions', '300', '--pool-max-per-sender', '8', '--pool-max-nonce-gap', '4', '--pool-max-per-client', '120',
        '--pool-expiry-seconds', '5',
      ]),
    );
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The honest client: its transaction is accepted and included, and it can read the head meanwhile. */
  async function honestIsServed(label: string): Promise<void> {
    expect((await call(node.url, '127.0.0.2', 'eth_blockNumber')).result).toMatch(/^0x/);
    const sent = await call(node.url, '127.0.0.2', 'eth_sendRawTransaction', [raw(label, 0)]);
    expect(sent.error).toBeUndefined();
    for (let status = ''; status !== 'included'; await new Promise((r) => setTimeout(r, 50))) {
      status = (await call(node.url, '127.0.0.2', 'dst_getTransactionStatus', [sent.result])).result.status;
      expect(status).not.toBe('expired');
    }
    expect(await residentBytes(node.pid)).toBeLessThan(RSS_CEILING_BYTES);
  }

  it('one key behind a nonce gap: refused past the window', async () => {
    expect((await call(node.url, '127.0.0.3', 'eth_sendRawTransaction', [raw('gap', 0)])).error).toBeUndefined();
    await new Promise((r) => setTimeout(r, 400)); // nonce 0 included; nonce 1 never sent
    const answers = await batch(node.url, '127.0.0.3', Array.from({ length: 40 }, (_, i) => raw('gap', i + 2)));
    const reasons = answers.map((a) => a.error?.data?.reason ?? 'accepted');
    // Nonces 2..5 skip at most 4 past the run (next includable nonce 1): accepted; from 6 on: nonce-gap.
    expect(reasons.slice(0, 4)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(new Set(reasons.slice(4))).toEqual(new Set(['nonce-gap']));
    behindGap = answers.slice(0, 4).map((a) => a.result);
    await honestIsServed('honest-1');
  });

  it('many senders stuck behind gaps fill the pool: an includable arrival evicts the oldest; the rest expire', async () => {
    // 300 senders, each with only nonce 1, from three client addresses (100 each: within their quota and rate).
    const answers = await Promise.all(
      ['127.0.0.4', '127.0.0.5', '127.0.0.6'].map((from, a) => batch(node.url, from, Array.from({ length: 100 }, (_, i) => raw(`stuck-${a}-${i}`, 1)))),
    );
    const stuck = answers.flat().flatMap((answer) => (answer.error === undefined ? [answer.result as string] : []));
    // The pool (300) is full: with the first test's 4 waiting transactions, 4 of the 300 were refused.
    expect(stuck.length).toBe(296);
    expect((await call(node.url, '127.0.0.2', 'dst_health')).result.mempoolSize).toBe(300);
    const waiting = await call(node.url, '127.0.0.7', 'eth_sendRawTransaction', [raw('one-more-stuck', 1)]);
    expect(waiting.error?.data?.reason).toBe('pool-full');
    // An includable arrival evicts the oldest waiting transaction: the first test's nonce 2.
    await honestIsServed('honest-2');
    const status = async (hash: string) => (await call(node.url, '127.0.0.2', 'dst_getTransactionStatus', [hash])).result;
    expect(await status(behindGap[0]!)).toEqual({ status: 'expired', reason: 'evicted' });
    expect(await status(stuck[0]!)).toEqual({ status: 'pending' });
    // The pool expiry is 5 s: every waiting transaction leaves, and says why.
    for (let size = 300; size > 0; await new Promise((r) => setTimeout(r, 200))) size = (await call(node.url, '127.0.0.2', 'dst_health')).result.mempoolSize;
    expect(await status(stuck.at(-1)!)).toEqual({ status: 'expired', reason: 'nonce-gap' });
  }, 30_000);

  it('fresh keys from one client address: its quota of the pool, and its rate, bound it', async () => {
    const raws = Array.from({ length: 300 }, (_, i) => raw(`fresh-${i}`, 0));
    const answers = (await Promise.all([0, 100, 200].map((start) => batch(node.url, '127.0.0.8', raws.slice(start, start + 100))))).flat();
    const reasons = answers.map((a) => a.error?.data?.reason ?? a.error?.data?.limit ?? 'accepted');
    const accepted = reasons.filter((r) => r === 'accepted').length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(200); // the transaction bucket's burst
    expect(reasons.filter((r) => r !== 'accepted').every((r) => r === 'source-limit' || r === 'transactions')).toBe(true);
    expect(reasons).toContain('transactions');
    await honestIsServed('honest-3');
  });

  it('a batch longer than the limit gets one -32600 and runs nothing', async () => {
    const answer = (await post(node.url, '127.0.0.9', Array.from({ length: 101 }, () => ({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] })))) as Answer;
    expect(answer.error?.code).toBe(-32600);
    await honestIsServed('honest-4');
  });
});
