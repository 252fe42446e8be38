/**
 * The load generator (src/load) against a real `dst run --single` process (test/e2e/node-process.ts):
 * every transaction sent is accepted and ends up in a signed block exactly once, each sender's in nonce
 * order; the rate caps what is sent (counts, never speed); senders are split over the URLs with each
 * sender on one URL; a URL that does not answer, and transactions the node refuses, count as rejections
 * with their error. Also the `dst load` command (src/cli/load.ts): --help, usage errors (exit 2) and a
 * short run (exit 0, summary).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoadArgs } from '../../src/cli/load.js';
import { startLoad, type AcceptedTransaction } from '../../src/load/index.js';
import { rpc, startNodeProcess, verifySignedBlock, type NodeProcess } from '../e2e/node-process.js';
import { freePort } from '../helpers/net.js';

const CHAIN_ID = 905n;
/** BURST_SECONDS of src/load/generator.ts: the most the bucket lets out beyond the rate. */
const BURST_SECONDS = 0.1;
const execFileAsync = promisify(execFile);
const dst = (...args: string[]) => execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]);

let dataDir: string;
let node: NodeProcess;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dst-load-'));
  node = await startNodeProcess({ dataDir, chainId: CHAIN_ID, blockTimeMs: 50 });
});

afterAll(async () => {
  if (node) {
    node.signal('SIGTERM');
    expect(await node.exited).toBe(0);
  }
  await rm(dataDir, { recursive: true, force: true });
});

async function runFor(ms: number, options: Omit<Parameters<typeof startLoad>[0], 'onAccepted'>) {
  const accepted: AcceptedTransaction[] = [];
  const run = await startLoad({ ...options, onAccepted: (tx) => accepted.push(tx) });
  await new Promise((r) => setTimeout(r, ms));
  return { summary: await run.stop(), accepted, chainId: run.chainId };
}

describe('startLoad against a node', () => {
  it('every transaction sent is accepted and included once, in nonce order per sender, in verified blocks', async () => {
    const tps = 300;
    const { summary, accepted, chainId } = await runFor(2_000, { urls: [node.url], tps, senders: 20 });
    expect(chainId).toBe(CHAIN_ID);
    expect(summary.rejected).toBe(0);
    expect(summary.firstError).toBeUndefined();
    expect(summary.accepted).toBe(summary.sent);
    expect(accepted).toHaveLength(summary.sent);
    // The bucket never lets out more than the rate plus one burst; what it did not send is counted as behind.
    expect(summary.sent).toBeLessThanOrEqual(Math.ceil((tps * summary.elapsedMs) / 1000 + tps * BURST_SECONDS));
    expect(summary.sent + summary.behind).toBeGreaterThan((tps * summary.elapsedMs) / 1000 / 2);

    // Wait until the last transaction of every sender is in a block, then read every one back.
    const lastOf = new Map<string, AcceptedTransaction>();
    for (const tx of accepted) lastOf.set(tx.sender, tx);
    const deadline = Date.now() + 30_000;
    for (const last of lastOf.values()) {
      while ((await rpc(node.url, 'eth_getTransactionByHash', [last.hash])).result?.blockNumber == null) {
        if (Date.now() > deadline) throw new Error(`${last.hash} was accepted but not included within 30 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const positions = new Map<string, Array<{ nonce: number; position: bigint }>>();
    for (const tx of accepted) {
      const found = (await rpc(node.url, 'eth_getTransactionByHash', [tx.hash])).result;
      expect(found?.from).toBe(tx.sender);
      expect(BigInt(found.nonce)).toBe(BigInt(tx.nonce));
      const list = positions.get(tx.sender) ?? [];
      list.push({ nonce: tx.nonce, position: BigInt(found.blockNumber) * 1_000_000n + BigInt(found.transactionIndex) });
      positions.set(tx.sender, list);
    }
    for (const list of positions.values()) {
      expect(list.map((entry) => entry.nonce)).toEqual(list.map((_, i) => i));
      for (let i = 1; i < list.length; i++) expect(list[i]!.position > list[i - 1]!.position).toBe(true);
    }
    // Included exactly once: the blocks hold as many transactions as were accepted, and each verifies.
    const head = Number((await rpc(node.url, 'eth_blockNumber')).result);
    let included = 0;
    for (let number = 1; number <= head; number++) {
      const signed = (await rpc(node.url, 'dst_getSignedBlock', [`0x${number.toString(16)}`])).result;
      expect(verifySignedBlock(signed, node.groupPublicKey)).toBe(true);
      included += signed.transactions.length;
    }
    expect(included).toBe(accepted.length);
  });

  it('spreads senders round-robin over the URLs, each sender on one URL, in JSON-RPC batches', async () => {
    const urls = [node.url, `${node.url.replace(/\/$/, '')}/?second`];
    const { summary, accepted } = await runFor(1_000, { urls, tps: 400, senders: 10, batch: 4 });
    expect(summary.rejected).toBe(0);
    expect(summary.accepted).toBe(summary.sent);
    const urlsOfSender = new Map<string, Set<string>>();
    for (const tx of accepted) urlsOfSender.set(tx.sender, (urlsOfSender.get(tx.sender) ?? new Set()).add(tx.url));
    for (const set of urlsOfSender.values()) expect(set.size).toBe(1);
    const perUrl = urls.map((url) => accepted.filter((tx) => tx.url === url).length);
    expect(Math.min(...perUrl)).toBeGreaterThan(0);
    expect(Math.abs(perUrl[0]! - perUrl[1]!)).toBeLessThanOrEqual(summary.sent / 4);
  });

  it('counts transactions to a URL that does not answer as rejected, with the error', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { summary, accepted } = await runFor(300, { urls: [dead], tps: 100, chainId: CHAIN_ID });
    expect(summary.sent).toBeGreaterThan(0);
    expect(summary.rejected).toBe(summary.sent);
    expect(summary.accepted).toBe(0);
    expect(accepted).toHaveLength(0);
    expect(summary.firstError).toContain(dead);
  });

  it('counts transactions the node refuses as rejected, with its message, in single requests and in batches', async () => {
    for (const batch of [1, 5]) {
      // Signed for another chain: the node refuses every one.
      const { summary, accepted } = await runFor(300, { urls: [node.url], tps: 100, chainId: CHAIN_ID + 1n, senders: 10, batch });
      expect(summary.sent).toBeGreaterThan(0);
      expect(summary.rejected).toBe(summary.sent);
      expect(accepted).toHaveLength(0);
      expect(summary.firstError).toMatch(/chain/i);
    }
  });

  it('refuses bad options with a clear message', async () => {
    await expect(startLoad({ urls: [], tps: 1 })).rejects.toThrow('urls: expected at least one JSON-RPC URL');
    await expect(startLoad({ urls: ['ftp://x'], tps: 1 })).rejects.toThrow('expected http(s) URLs, got "ftp://x"');
    await expect(startLoad({ urls: [node.url], tps: 0 })).rejects.toThrow('tps: expected a positive number, got 0');
    await expect(startLoad({ urls: [node.url, node.url], tps: 1, senders: 1 })).rejects.toThrow('senders: expected at least one per URL (2), got 1');
    await expect(startLoad({ urls: [node.url], tps: 1, batch: 1.5 })).rejects.toThrow('batch: expected a positive integer, got 1.5');
  });
});

describe('dst load (the command)', () => {
  it('--help explains every flag', async () => {
    const { stdout } = await dst('load', '--help');
    for (const flag of ['--rpc', '--tps', '--duration', '--senders', '--batch', '--help']) expect(stdout).toContain(flag);
  });

  it('bad flags exit with 2 and a message', async () => {
    const failure = await dst('load', '--rpc', node.url, '--tps', 'fast').catch((error) => error);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('--tps: expected a positive number, got "fast"');
  });

  it.each([
    [[], '--rpc is required'],
    [['--rpc', 'http://a:1'], '--tps is required'],
    [['--rpc', 'localhost:8545', '--tps', '1'], '--rpc: expected comma-separated http(s) URLs, got "localhost:8545"'],
    [['--rpc', 'http://a:1', '--tps', '1', '--duration=-3'], '--duration: expected a positive number, got "-3"'],
    [['--rpc', 'http://a:1', '--tps', '1', '--senders', '0'], '--senders: expected a positive integer, got "0"'],
    [['--rpc', 'http://a:1,http://b:1', '--tps', '1', '--senders', '1'], '--senders: expected at least one per URL (2), got 1'],
    [['--rpc', 'http://a:1', '--tps', '1', '--batch', 'x'], '--batch: expected a positive integer, got "x"'],
    [['--rpc', 'http://a:1', '--tps', '1', '--fast'], "Unknown option '--fast'"],
    [['--rpc', 'http://a:1', '--tps', '1', 'extra'], 'unexpected argument "extra"'],
  ])('parseLoadArgs %j → %s', (args, message) => {
    expect(() => parseLoadArgs(args)).toThrow(message);
  });

  it('runs for --duration against the node and exits 0 with a summary', async () => {
    const { stdout, stderr } = await dst('load', '--rpc', node.url, '--tps', '50', '--duration', '1.5');
    expect(stdout).toMatch(/^load summary \(chain id 905\): [\d.]+ s, sent (\d+), accepted \1, rejected 0,/);
    expect(stderr).toMatch(/load 1s: sent \d+, accepted \d+, rejected 0, in flight \d+, behind \d+ \| \d+ tx\/s/);
  });
});
