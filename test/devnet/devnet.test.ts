/**
 * `dst devnet` end to end: the real command (from sources) runs 4 real `dst run` processes with its
 * load generator. Checked: each node comes up and its log file fills; block lines appear with
 * transactions; every node holds the same chain, and every block verifies against the group key of the
 * lock (blst, test/e2e/node-process.ts); a node killed with SIGKILL is reported with its exit and the
 * others keep producing; SIGTERM stops everything with exit code 0 and a summary naming each node's
 * exit; started again on the same directory, the devnet reuses the cluster and the chain continues.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portInUse } from '../../src/devnet/index.js';
import { rpc, verifySignedBlock } from '../e2e/node-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODES = 4;

interface Devnet {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | string>;
  /** Resolves with the first line (already printed or to come) matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

function startDevnet(args: string[]): Devnet {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'devnet', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | string>((done) => child.once('close', (code, signal) => done(code ?? signal ?? 'unknown')));
  const line = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        for (const text of lines) {
          const match = pattern.exec(text);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.join('\n')}\nstderr: ${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  void exited.then(() => {
    for (const waiter of waiters) waiter();
  });
  return { child, lines, exited, line };
}

/** A base port with `count` free ports after it. */
async function freeRange(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const used = await Promise.all(Array.from({ length: count }, (_, i) => portInUse(base + 1 + i)));
    if (!used.includes(true)) return base;
  }
}

const blockHeights = (lines: string[]) => lines.flatMap((line) => /^block (\d+) /.exec(line)?.slice(1) ?? []).map(Number);

describe('dst devnet (4 node processes)', () => {
  let root: string;
  let dir: string;
  let rpcBase: number;
  let p2pBase: number;
  const running: Devnet[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dst-devnet-e2e-'));
    dir = join(root, 'cluster');
    p2pBase = await freeRange(NODES);
    rpcBase = (await freeRange(NODES)) + 1;
  });

  afterAll(async () => {
    for (const devnet of running) {
      if (devnet.child.exitCode === null) devnet.child.kill('SIGTERM');
      await devnet.exited;
    }
    await rm(root, { recursive: true, force: true });
  });

  it('runs the cluster under load, survives a killed node, stops cleanly, and restarts on the same chain', async () => {
    const first = startDevnet(['--dir', dir, '--nodes', String(NODES), '--block-time', '100', '--chain-id', '906',
      '--p2p-base-port', String(p2pBase), '--rpc-base-port', String(rpcBase), '--load', '40']);
    running.push(first);
    await first.line(/^created a cluster in /);
    const pids: number[] = [];
    for (let i = 1; i <= NODES; i++) {
      const [, url, pid] = (await first.line(new RegExp(`^node ${i} up: rpc (\\S+), p2p port ${p2pBase + i}, pid (\\d+)`)))!;
      expect(url).toBe(`http://127.0.0.1:${rpcBase + i - 1}/`);
      pids.push(Number(pid));
    }
    await first.line(/^load: 40 tx\/s over 4 nodes/);
    // Blocks carrying the load's transactions.
    await first.line(/^block \d+ {2}hash 0x[0-9a-f]{8}… {2}txs [1-9]\d* {2}proposer [1-4] {2}round \d+ {2}signed in [\d.]+ ms {2}\(first on node [1-4]\)$/);
    await first.line(/^block 5 /);

    // Every node holds the same verified blocks up to the lowest head.
    const lock = JSON.parse(await readFile(join(dir, 'cluster-lock.json'), 'utf8')) as { groupPublicKey: string };
    const urls = Array.from({ length: NODES }, (_, i) => `http://127.0.0.1:${rpcBase + i}/`);
    const heads = await Promise.all(urls.map(async (url) => Number((await rpc(url, 'eth_blockNumber')).result)));
    const common = Math.min(...heads);
    expect(common).toBeGreaterThanOrEqual(1);
    for (let number = 1; number <= common; number++) {
      const blocks = await Promise.all(urls.map(async (url) => (await rpc(url, 'dst_getSignedBlock', [`0x${number.toString(16)}`])).result));
      for (const signed of blocks) {
        expect(signed.hash).toBe(blocks[0].hash);
        expect(verifySignedBlock(signed, lock.groupPublicKey)).toBe(true);
      }
    }

    // Kill node 3: reported, and the other three keep producing.
    process.kill(pids[2]!, 'SIGKILL');
    await first.line(/^node 3 exited unexpectedly \(exit SIGKILL\)/);
    await first.line(/^3 of 4 nodes running: the devnet goes on \(threshold 3\)/);
    const heightAtKill = Math.max(...blockHeights(first.lines));
    await first.line(new RegExp(`^block ${heightAtKill + 2} `));

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const output = first.lines.join('\n');
    expect(output).toMatch(/^load summary \(chain id 906\): [\d.]+ s, sent \d+, accepted \d+, rejected \d+/m);
    expect(output).toContain('stopping 3 node(s): SIGTERM');
    const summary = /^devnet summary: [\d.]+ s \(all nodes up for [\d.]+ s\), (\d+) blocks \(heights 1\.\.(\d+)\), (\d+) transactions/m.exec(output);
    expect(summary).not.toBeNull();
    const lastHeight = Number(summary![2]);
    expect(Number(summary![1])).toBe(lastHeight);
    expect(Number(summary![3])).toBeGreaterThan(0);
    for (const i of [1, 2, 4]) expect(output).toMatch(new RegExp(`^  node ${i}: head \\d+, exit 0$`, 'm'));
    expect(output).toMatch(/^ {2}node 3: head \d+, exit SIGKILL$/m);
    for (let i = 1; i <= NODES; i++) {
      const log = await readFile(join(dir, `node-${i}`, 'node.log'), 'utf8');
      expect(log).toContain('"msg":"rpc listening"');
      expect(log).toContain('"msg":"block signed and stored"');
    }

    // Started again on the same directory: the cluster is reused and the chain goes on from its head.
    const second = startDevnet(['--dir', dir, '--rpc-base-port', String(rpcBase)]);
    running.push(second);
    await second.line(new RegExp(`^reusing the cluster in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    await second.line(/^devnet: 4 nodes, threshold 3, chain id 906, block time 100 ms$/);
    for (let i = 1; i <= NODES; i++) await second.line(new RegExp(`^node ${i} up: `));
    // No load: an empty chain makes no blocks, so send one transaction through the load generator's CLI.
    const load = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'load', '--rpc', urls[0]!, '--tps', '5', '--duration', '1'], { cwd: ROOT, stdio: 'ignore' });
    expect(await new Promise((done) => load.once('close', done))).toBe(0);
    const [, height] = (await second.line(/^block (\d+) /))!;
    expect(Number(height)).toBeGreaterThan(lastHeight);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    for (let i = 1; i <= NODES; i++) expect(second.lines.join('\n')).toMatch(new RegExp(`^  node ${i}: head \\d+, exit 0$`, 'm'));
  });
});
