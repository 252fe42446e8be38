/**
 * The follower keeping up with a cluster at load (issue 13): a 4-node `dst devnet` (separate
 * processes, 100 ms block time, the devnet's own load of DST_FOLLOWER_TPS transactions per second,
 * default 1,000) and a `DstFollower` in this process on two nodes' WebSockets for
 * DST_FOLLOWER_SECONDS (default 30). Printed: blocks and transactions followed, the follower's CPU as
 * a percentage of one core (this process only: the devnet runs in its own), and its lag — the time
 * from a block's timestamp to the follower yielding it verified — p50 / p99 / max. There is no peer
 * to compare with here; the figure to watch is that the lag stays near one block time and the CPU
 * well under a core.
 *
 * Run: `npm run bench -- follower`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DstFollower } from '../src/verifier/index.js';
import { parseClusterLock } from '../src/cluster/index.js';

const TPS = Number(process.env.DST_FOLLOWER_TPS ?? 1000);
const SECONDS = Number(process.env.DST_FOLLOWER_SECONDS ?? 30);
const RPC_BASE = 28_545;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dst-follower-bench-'));
  const devnet = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'devnet', '--no-execute', '--dir', join(dir, 'cluster'), '--block-time', '100', '--load', String(TPS), '--rpc-base-port', String(RPC_BASE), '--p2p-base-port', '29000'], {
    cwd: resolve(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((done, fail) => {
      devnet.stdout.on('data', (chunk: Buffer) => {
        if (/block \d+/.test(String(chunk))) done();
      });
      devnet.once('exit', (code) => fail(new Error(`the devnet exited with ${code}`)));
    });
    const lock = parseClusterLock(readFileSync(join(dir, 'cluster', 'cluster-lock.json'), 'utf8'), 'cluster-lock.json');
    const follower = new DstFollower({
      urls: [`ws://127.0.0.1:${RPC_BASE}/`, `ws://127.0.0.1:${RPC_BASE + 1}/`],
      trust: { chainId: lock.chainId, groupPublicKey: lock.groupPublicKey },
    });
    const lags: number[] = [];
    let transactions = 0;
    let cpu: NodeJS.CpuUsage | undefined;
    let started = 0;
    for await (const block of follower.blocks()) {
      if (cpu === undefined) {
        // catch-up of the blocks made before it started is not steady state: measure from the first live block
        if (Date.now() - Number(block.header.timestampMs) > 1_000) continue;
        cpu = process.cpuUsage();
        started = performance.now();
      }
      lags.push(Date.now() - Number(block.header.timestampMs));
      transactions += block.transactions.length;
      if (performance.now() - started >= SECONDS * 1000) break;
    }
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    lags.sort((a, b) => a - b);
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!;
    console.log(`follower at ${TPS} tx/s offered, 100 ms blocks: ${lags.length} blocks, ${transactions} transactions in ${seconds.toFixed(1)} s (${Math.round(transactions / seconds)} tx/s followed)`);
    console.log(`  CPU ${(((used.user + used.system) / 1e6 / seconds) * 100).toFixed(1)}% of a core; lag p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${lags[lags.length - 1]} ms`);
  } finally {
    devnet.kill('SIGTERM');
    await new Promise((done) => devnet.once('exit', done));
    rmSync(dir, { recursive: true, force: true });
  }
}
