/**
 * `dst verify` and `dst follow` as real processes against a `dst run --single` node process under a
 * transaction load, trusting its cluster lock: verify exits 0 with a summary over the whole chain and
 * over --from/--to, 1 naming the first block under another chain id or a range past the head, 2 on
 * bad usage; follow prints verified blocks in order (height, hash, transactions, round, lag, node) and
 * stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTransfers, testAccounts } from '../node/wallets.js';
import { waitForHeight } from './cluster-process.js';
import { rpc, startNodeProcess, type NodeProcess } from './node-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHAIN_ID = 904n;

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs `dst <args>`; with `untilLines`, SIGTERMs it once its stdout has that many lines. */
function dst(args: string[], untilLines?: number): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (untilLines !== undefined && stdout.split('\n').length > untilLines && !child.killed) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('dst verify and dst follow', () => {
  let dataDir: string;
  let node: NodeProcess;
  let lock: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dst-e2e-verify-'));
    node = await startNodeProcess({ dataDir, chainId: CHAIN_ID, blockTimeMs: 50 });
    lock = join(dataDir, 'cluster-lock.json');
    const [account] = testAccounts(1, 'dst-verify-cli');
    let last = '';
    for (const raw of await signTransfers(account!, Number(CHAIN_ID), 0, 30)) {
      const sent = await rpc(node.url, 'eth_sendRawTransaction', [raw]);
      expect(sent.error).toBeUndefined();
      last = sent.result;
      await new Promise((r) => setTimeout(r, 15));
    }
    await waitForHeight(node, 5);
    while ((await rpc(node.url, 'dst_getTransactionStatus', [last])).result.status !== 'included') await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    node?.signal('SIGKILL');
    await node?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('verify: exits 0 over the whole chain and a range, 1 under another chain id or past the head, 2 on bad usage', async () => {
    const head = Number((await rpc(node.url, 'eth_blockNumber')).result);
    const all = await dst(['verify', '--rpc', node.url, '--lock', lock, '--to', String(head)]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`^verified ${head} blocks, 30 transactions in [\\d.]+ s \\(\\d+ blocks/s\\)\\nOK: blocks 1\\.\\.${head} are the cluster's`));
    const calling = await dst(['verify', '--rpc', node.url, '--lock', lock, '--to', String(head), '--workers', '0']);
    expect(calling.code, calling.stderr).toBe(0);
    expect(calling.stdout).toMatch(new RegExp(`^verified ${head} blocks, 30 transactions`));
    const range = await dst(['verify', '--rpc', node.url, '--lock', lock, '--from', '2', '--to', '3', '--backend', 'wasm']);
    expect(range.code, range.stderr).toBe(0);
    expect(range.stdout).toMatch(/^verified 2 blocks, \d+ transactions/);

    const { groupPublicKey } = (await rpc(node.url, 'dst_clusterInfo')).result;
    const otherChain = await dst(['verify', '--rpc', node.url, '--chain-id', String(CHAIN_ID + 1n), '--group-key', groupPublicKey, '--to', '3']);
    expect(otherChain.code).toBe(1);
    expect(otherChain.stdout).toMatch(/FAILED at block 1: wrong-chain: chain id 904, the trusted one is 905/);
    const pastHead = await dst(['verify', '--rpc', node.url, '--lock', lock, '--to', String(head + 1000)]);
    expect(pastHead.code).toBe(1);
    expect(pastHead.stderr).toMatch(/is above the node's head/);
    for (const bad of [['--lock', lock], ['--rpc', node.url, '--lock', lock, '--backend', 'gpu'], ['--rpc', node.url, '--lock', lock, '--workers', 'all']]) {
      const run = await dst(['verify', ...bad]);
      expect(run.code, bad.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^dst verify: .*\nRun "dst verify --help"/);
    }
    expect((await dst(['verify', '--help'])).stdout).toMatch(/^Usage: dst verify --rpc URL --lock/);
  }, 300_000);

  it('follow: prints verified blocks in order from --from, and stops on SIGTERM', async () => {
    const ws = node.url.replace(/^http/, 'ws');
    const run = await dst(['follow', '--rpc', ws, '--lock', lock, '--from', '2'], 3);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^block ${2 + i} 0x[0-9a-f]{64} txs \\d+ round \\d+ lag -?\\d+ ms from ${ws}`)));
    expect(run.stderr).toMatch(/connected to ws:/);
    expect((await dst(['follow', '--rpc', node.url, '--lock', lock])).code).toBe(2); // http:// is not a WebSocket URL
  });
});
