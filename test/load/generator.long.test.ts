/**
 * The load generator (src/load) against a real `dst run --single` process (test/e2e/node-process.ts):
 * every transaction sent is accepted and ends up in a signed block exactly once, each sender's in nonce
 * order; the rate caps what is sent (counts, never speed); senders are split over the URLs with each
 * sender on one URL; transactions the node refuses count as rejections with their error. URLs that are
 * down: with the first URL on a closed port it starts on the second and sends only there, the progress
 * naming the one down; a URL down at start is used once a node answers on it, and one that goes down
 * mid-run gets no more transactions; with every URL down it fails after the start wait, naming each.
 * Also the `dst load` command (src/cli/load.ts): --help, usage errors (exit 2), a short run (exit 0,
 * summary), a run whose first URL is down (exit 0), and one whose URLs are all down (exit 1 after --wait).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoadArgs } from '../../src/cli/load.js';
import { formatProgress, NoUrlAnswersError, startLoad, type AcceptedTransaction, type LoadProgress, type LoadWaiting, type UrlState } from '../../src/load/index.js';
import { rpc, spawnDst, startNodeProcess, verifySignedBlock, whenListening, type NodeProcess } from '../e2e/node-process.js';
import { freePort, waitFor } from '../helpers/net.js';

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

  it('starts on the second URL when the first is down, sends only to the one up, and names the one down', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const progress: LoadProgress[] = [];
    const { summary, accepted, chainId } = await runFor(1_500, { urls: [dead, node.url], tps: 100, senders: 10, onProgress: (p) => progress.push(p) });
    expect(chainId).toBe(CHAIN_ID);
    expect(summary.accepted).toBeGreaterThan(0);
    expect(summary.rejected).toBe(0);
    expect(summary.accepted).toBe(summary.sent);
    expect(new Set(accepted.map((tx) => tx.url))).toEqual(new Set([node.url]));
    expect(summary.urls).toEqual([
      { url: dead, up: false, error: expect.stringContaining('ECONNREFUSED') },
      { url: node.url, up: true, error: undefined },
    ]);
    expect(progress.length).toBeGreaterThan(0);
    expect(formatProgress(progress[0]!)).toMatch(new RegExp(`\\| URLs up 1 of 2 \\(down: ${dead.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
  });

  it('takes a URL down at start in once a node answers on it, and stops sending to one that goes down', async () => {
    const port = await freePort();
    const late = `http://127.0.0.1:${port}/`;
    const changes: UrlState[] = [];
    const accepted: AcceptedTransaction[] = [];
    const run = await startLoad({ urls: [late, node.url], tps: 100, senders: 10, onUrlChange: (state) => changes.push(state), onAccepted: (tx) => accepted.push(tx) });
    const secondDir = await mkdtemp(join(tmpdir(), 'dst-load-late-'));
    let second: NodeProcess | undefined;
    try {
      expect(run.urls().map((state) => state.up)).toEqual([false, true]);
      // A node of the same chain comes up on the port that was closed.
      second = await whenListening(spawnDst(['run', '--single', '--data-dir', secondDir, '--chain-id', String(CHAIN_ID), '--block-time', '50', '--rpc-port', String(port), '--log-level', 'info']));
      expect(second.url).toBe(late);
      await waitFor('the late URL used', () => accepted.some((tx) => tx.url === late), 60_000);
      expect(changes[0]).toEqual({ url: late, up: true, error: undefined });

      // It goes down: no more transactions to it, the other URL goes on.
      second.signal('SIGTERM');
      expect(await second.exited).toBe(0);
      await waitFor('the late URL down', () => changes.length >= 2, 60_000);
      expect(changes[1]).toMatchObject({ url: late, up: false });
      const acceptedThere = accepted.filter((tx) => tx.url === late).length;
      const acceptedElsewhere = accepted.length - acceptedThere;
      await waitFor('more accepted on the URL still up', () => accepted.length - acceptedThere > acceptedElsewhere + 20, 60_000);
      expect(accepted.filter((tx) => tx.url === late).length).toBe(acceptedThere);
      expect(run.urls()).toEqual([
        { url: late, up: false, error: expect.any(String) },
        { url: node.url, up: true, error: undefined },
      ]);
    } finally {
      const summary = await run.stop();
      // Only requests that were in flight when the late node went away can have been rejected.
      if (summary.firstError !== undefined) expect(summary.firstError).toContain(late);
      if (second?.running) await second.stop();
      await rm(secondDir, { recursive: true, force: true });
    }
  });

  it('fails after the start wait when no URL answers, naming each URL and why, and reports while it waits', async () => {
    const dead = [`http://127.0.0.1:${await freePort()}/`, `http://127.0.0.1:${await freePort()}/`];
    const waiting: LoadWaiting[] = [];
    const failure = await startLoad({ urls: dead, tps: 10, startWaitMs: 1_500, onWaiting: (w) => waiting.push(w) }).catch((error) => error);
    expect(failure).toBeInstanceOf(NoUrlAnswersError);
    expect(failure.message).toMatch(/^no URL answered eth_chainId within 1\.5 s: /);
    for (const url of dead) expect(failure.message).toContain(`${url} (connect ECONNREFUSED`);
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting[0]).toMatchObject({ waitMs: 1_500, urls: dead.map((url) => ({ url, up: false })) });
    // No wait at all: one try.
    await expect(startLoad({ urls: dead, tps: 10, startWaitMs: 0 })).rejects.toThrow('no URL answered eth_chainId within 0 s');
  });

  it('without a chain id given, a URL answering another chain id than the first one up is not used', async () => {
    const other = await mkdtemp(join(tmpdir(), 'dst-load-other-'));
    const otherNode = await startNodeProcess({ dataDir: other, chainId: CHAIN_ID + 7n, blockTimeMs: 50 });
    try {
      const { summary, accepted } = await runFor(500, { urls: [node.url, otherNode.url], tps: 50, senders: 4 });
      expect(summary.chainId).toBe(CHAIN_ID);
      expect(summary.rejected).toBe(0);
      expect(new Set(accepted.map((tx) => tx.url))).toEqual(new Set([node.url]));
      expect(summary.urls[1]).toEqual({ url: otherNode.url, up: false, error: `answers chain id ${CHAIN_ID + 7n}, not ${CHAIN_ID}` });
    } finally {
      await otherNode.stop();
      await rm(other, { recursive: true, force: true });
    }
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
    await expect(startLoad({ urls: [node.url], tps: 1, startWaitMs: -1 })).rejects.toThrow('startWaitMs: expected a number ≥ 0, got -1');
  });
});

describe('dst load (the command)', () => {
  it('--help explains every flag', async () => {
    const { stdout } = await dst('load', '--help');
    for (const flag of ['--rpc', '--tps', '--duration', '--senders', '--batch', '--wait', '--help']) expect(stdout).toContain(flag);
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
    [['--rpc', 'http://a:1', '--tps', '1', '--wait', 'long'], '--wait: expected a number of seconds ≥ 0, got "long"'],
    [['--rpc', 'http://a:1', '--tps', '1', '--fast'], "Unknown option '--fast'"],
    [['--rpc', 'http://a:1', '--tps', '1', 'extra'], 'unexpected argument "extra"'],
  ])('parseLoadArgs %j → %s', (args, message) => {
    expect(() => parseLoadArgs(args)).toThrow(message);
  });

  it('runs for --duration against the node and exits 0 with a summary', async () => {
    const { stdout, stderr } = await dst('load', '--rpc', node.url, '--tps', '50', '--duration', '1.5');
    expect(stdout).toMatch(/^load summary \(chain id 905\): [\d.]+ s, sent (\d+), accepted \1, rejected 0,/);
    expect(stderr).toMatch(/load 1s: sent \d+, accepted \d+, rejected 0, in flight \d+, behind \d+ \| \d+ tx\/s \| URLs up 1 of 1$/m);
  });

  it('runs when the first URL is down, sending to the second, and says which URL is down', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/`;
    const { stdout, stderr } = await dst('load', '--rpc', `${dead},${node.url}`, '--tps', '50', '--duration', '1.5');
    const summary = /^load summary \(chain id 905\): [\d.]+ s, sent (\d+), accepted \1, rejected 0,/.exec(stdout);
    expect(summary, stdout).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThan(0);
    expect(stdout).toContain(`  down at the end: ${dead} (connect ECONNREFUSED`);
    expect(stderr).toContain('dst load: chain id 905, 50 tx/s over 2 URL(s), 1 up');
    expect(stderr).toContain(`| URLs up 1 of 2 (down: ${dead})`);
  });

  it('with every URL down, waits --wait seconds with a line a second, then exits 1 naming each URL', async () => {
    const dead = [`http://127.0.0.1:${await freePort()}/`, `http://127.0.0.1:${await freePort()}/`];
    const failure = await dst('load', '--rpc', dead.join(','), '--tps', '5', '--wait', '2').catch((error) => error);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^load: waiting for a URL to answer eth_chainId \(\d+ s of 2 s\): http:\/\/127\.0\.0\.1:\d+\/ down \(connect ECONNREFUSED/m);
    expect(failure.stderr).toMatch(/^dst load: no URL answered eth_chainId within 2 s: /m);
    for (const url of dead) expect(failure.stderr).toContain(`${url} (connect ECONNREFUSED`);
    expect(failure.stdout).toBe('');
  });
});
