/**
 * The 4-node cluster on loopback (issue 7 "Benchmark"; targets in bench/README.md): four `dst run --dir`
 * processes made by `createCluster` with block time 0 (test/e2e/cluster-process.ts; the built CLI,
 * dist/, started with the devnet's node process settings, src/node/process-settings.ts), and the load
 * generator (src/load `startLoad`) in a fifth process, bench/cluster-load.ts, its senders spread over
 * all four RPC URLs. Two runs:
 *
 * - light load (200 tx/s, one transaction per request): blocks are small, so blocks per second and
 *   time to signature show the consensus pipeline itself (PRE-PREPARE → PREPARE → COMMIT with
 *   partials → combine → verify → store);
 * - full load (8,000 tx/s asked, JSON-RPC batches of 10): transactions per second end to end (from
 *   the first eth_sendRawTransaction until the last accepted transaction is in a signed block).
 *
 * Reported per run, each next to its target: signed blocks per second (new heads over the run ÷ its
 * seconds), time from proposal to combined signature p50/p99 over every node's "block signed and
 * stored" `timeToSignatureMs` with the p50 of each stage (`stagesMs`), transactions per second; and
 * CPU (user + system from /proc/<pid>/stat, all threads) per block and per transaction for each node,
 * split into the nodes' main threads (/proc/<pid>/task/<pid>/stat) and their other threads (worker
 * pool, GC, libuv), and for the load generator.
 *
 * BENCH_CLUSTER_SECONDS sets each run's load duration (default 10), BENCH_CLUSTER_TPS the full run's
 * rate (default 8,000); BENCH_CLUSTER_LIGHT_ONLY=1 runs the light load alone. BENCH_CLUSTER_PROFILE=1 runs node 1 under `node --cpu-prof` and, after the
 * cluster stops, prints node 1's CPU in each run split into issue 16's stages (consensus messages,
 * libp2p, BLS, secp256k1, LMDB, JSON-RPC, GC, …) from the samples taken during that run's load
 * (bench/profile-buckets.ts; scaled to node 1's CPU from /proc); the profiler itself costs node 1
 * some CPU. BENCH_CLUSTER_PROFILE=<directory> keeps the profiles there. `runShort` is the CI subset's cluster run (bench/ci.ts): the light load alone,
 * for a few seconds. Every figure goes through bench/harness.ts's `figure` (absolute targets: reported,
 * never a CI failure).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockNumber, storedBlock, TestCluster, waitForReady } from '../test/e2e/cluster-process.js';
import { missingNodeFlags, NODE_PROCESS_ENVIRONMENT } from '../src/node/process-settings.js';
import { cpuSeconds } from './node.bench.js';
import { figure, quantile } from './harness.js';
import { monotonicMicros, printSummary, profileFiles, summariseProfiles, type ProfileWindow } from './profile-buckets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 10);
const FULL_TPS = Number(process.env.BENCH_CLUSTER_TPS ?? 8_000);
/** '1': profile node 1 into a temporary directory; a path: into that directory, kept. */
const PROFILE = process.env.BENCH_CLUSTER_PROFILE;
const NODES = 4;
const CHAIN_ID = 914n;

const TARGET_BLOCKS_PER_SECOND = 50;
const TARGET_P50_MS = 20;
const TARGET_TPS = 5_000;
/** Issue 16: CPU per small block (≤ 20 transactions), each node. */
const TARGET_CPU_PER_SMALL_BLOCK_MS = 5;

interface LoadShape {
  /** Rate asked of the load generator. */
  tps: number;
  senders: number;
  /** Transactions per JSON-RPC request. */
  batch: number;
}

interface LoadResult {
  accepted: number;
  rejected: number;
  firstError?: string;
  /** Transactions the rate asked for but not sent: every sender was waiting on a node. */
  behind: number;
  loadSeconds: number;
  includeSeconds: number;
  cpuSeconds: number;
}

function runLoad(urls: string[], shape: LoadShape, seconds: number): Promise<LoadResult> {
  const args = [urls.join(','), String(shape.tps), String(seconds), String(shape.senders), String(shape.batch)];
  return new Promise((resolve, reject) => {
    const load = spawn(process.execPath, ['--import', 'tsx', 'bench/cluster-load.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    load.stdout.on('data', (chunk) => (out += String(chunk)));
    load.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`cluster-load exited with ${code}`))));
  });
}

/** CPU seconds of a process (all threads, exited ones included) and of its main thread (task id = pid). */
async function cpuOf(pid: number): Promise<{ total: number; main: number }> {
  const mainFields = (await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  // utime and stime: fields 14 and 15 of stat, i.e. 11 and 12 after "pid (comm) ", in clock ticks (100/s).
  return { total: await cpuSeconds(pid), main: (Number(mainFields[11]) + Number(mainFields[12])) / 100 };
}

const fmt = (value: number, digits = 0): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** What a run leaves for the profile summary: its title, blocks and window on the profiler's clock. */
interface MeasuredRun {
  title: string;
  blocks: number;
  window: ProfileWindow;
  /** Node 1's CPU over the run (/proc), ms. */
  node1CpuMs: number;
}

async function measure(cluster: TestCluster, title: string, shape: LoadShape, seconds = SECONDS): Promise<MeasuredRun> {
  const nodes = cluster.indices().map((i) => cluster.node(i)!);
  const logStart = nodes.map((node) => node.logs.length);
  const cpuBefore = await Promise.all(nodes.map((node) => cpuOf(node.pid)));
  const headBefore = await blockNumber(nodes[0]!.url);
  const fromUs = monotonicMicros();
  const load = await runLoad(nodes.map((node) => node.url), shape, seconds);
  const toUs = monotonicMicros();
  const cpuAfter = await Promise.all(nodes.map((node) => cpuOf(node.pid)));
  const blocks = (await blockNumber(nodes[0]!.url)) - headBefore;
  const stored = nodes.map((node, k) => node.logs.slice(logStart[k]).filter((line) => line.msg === 'block signed and stored').map(storedBlock));
  // A node that learnt a block without seeing its proposal (sync, a DECIDED message) logs no time.
  const times = stored.flat().flatMap((block) => (block.timeToSignatureMs === null ? [] : [block.timeToSignatureMs])).sort((a, b) => a - b);
  const rounds = stored[0]!.filter((block) => block.round > 1).length;
  // Each stage's end after the proposal (src/node/sequencer.ts timeline), p50 over every node and block.
  const stageLines = nodes.flatMap((node, k) => node.logs.slice(logStart[k]).filter((line) => line.msg === 'block signed and stored' && line.stagesMs));
  const stageP50 = (stage: string): string => {
    const values = stageLines.flatMap((line) => (typeof line.stagesMs[stage] === 'number' ? [line.stagesMs[stage] as number] : [])).sort((a, b) => a - b);
    return values.length === 0 ? 'n/a' : `${fmt(quantile(values, 0.5), 1)} ms`;
  };
  const blocksPerSecond = blocks / load.includeSeconds;
  const p50 = quantile(times, 0.5);
  const transactionsPerSecond = load.accepted / load.includeSeconds;

  const requests = shape.batch > 1 ? `JSON-RPC batches of ${shape.batch}` : 'one transaction per request';
  console.log(`\n${title[0]!.toUpperCase()}${title.slice(1)}: 4 nodes (threshold ${cluster.lock.threshold}), block time 0, loopback; load ${fmt(shape.tps)} tx/s asked for ${seconds} s from ${shape.senders} senders over the 4 RPCs, ${requests}`);
  console.log(
    `  load: ${fmt(load.accepted)} accepted (${fmt(load.accepted / load.loadSeconds)} tx/s while sending), ${load.rejected} rejected${load.firstError ? ` (first: ${load.firstError})` : ''}, ` +
      `${fmt(load.behind)} behind (not sent: every sender waiting on a node); all in signed blocks after ${load.includeSeconds.toFixed(2)} s`,
  );
  console.log(`  load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (this machine, ${NODES} nodes + the load generator)`);
  console.log(`  ${blocks} blocks, ${rounds} decided after round 1; ${times.length} proposal → signature samples (every node, every block)`);
  // Why rounds changed: each node's round timeouts, before or after it accepted the round's proposal, and the timer then.
  const timeouts = nodes.flatMap((node, k) => node.logs.slice(logStart[k]).filter((line) => line.msg === 'round timeout'));
  if (timeouts.length > 0) {
    const waiting = timeouts.filter((line) => line.proposalAccepted === false);
    const timers = [...new Set(timeouts.map((line) => line.afterMs as number))].sort((a, b) => a - b);
    console.log(`  round timeouts (all nodes): ${timeouts.length}, ${waiting.length} still waiting for the proposal, ${timeouts.length - waiting.length} after accepting it; timers ${timers.join(', ')} ms`);
  }
  figure({ name: `cluster, ${title}: signed blocks`, value: blocksPerSecond, unit: 'blocks/s', target: TARGET_BLOCKS_PER_SECOND });
  figure({ name: `cluster, ${title}: proposal → signature p50`, value: p50, unit: 'ms', better: 'lower', target: TARGET_P50_MS });
  figure({ name: `cluster, ${title}: proposal → signature p99`, value: quantile(times, 0.99), unit: 'ms', better: 'lower' });
  console.log(`  stages, p50 after the proposal: validated ${stageP50('validated')}, partial signed ${stageP50('signed')}, decided ${stageP50('decided')}, combined ${stageP50('combined')}, stored ${stageP50('stored')}`);
  figure({ name: `cluster, ${title}: transactions`, value: transactionsPerSecond, unit: 'tx/s', ...(shape.batch > 1 ? { target: TARGET_TPS } : {}) });
  console.log('  CPU (user + system)                    total    per block    per transaction');
  const row = (name: string, seconds: number): void =>
    console.log(`    ${name.padEnd(32)} ${seconds.toFixed(2).padStart(7)} s ${fmt((seconds / blocks) * 1e3, 2).padStart(9)} ms ${fmt((seconds / load.accepted) * 1e6, 1).padStart(12)} µs`);
  let nodesTotal = 0;
  let nodesMain = 0;
  for (const [k, node] of nodes.entries()) {
    const total = cpuAfter[k]!.total - cpuBefore[k]!.total;
    const main = cpuAfter[k]!.main - cpuBefore[k]!.main;
    nodesTotal += total;
    nodesMain += main;
    row(`node ${k + 1} (pid ${node.pid})`, total);
  }
  row('all nodes', nodesTotal);
  figure({ name: `cluster, ${title}: CPU per block, all nodes`, value: (nodesTotal / blocks) * 1e3, unit: 'ms', better: 'lower' });
  figure({ name: `cluster, ${title}: CPU per transaction, all nodes`, value: (nodesTotal / load.accepted) * 1e6, unit: 'µs', better: 'lower' });
  row('  main threads', nodesMain);
  row('  other threads (pool, GC, I/O)', nodesTotal - nodesMain);
  row('load generator', load.cpuSeconds);
  console.log(`  CPU per block, each node: ${nodes.map((_, k) => `${fmt(((cpuAfter[k]!.total - cpuBefore[k]!.total) / blocks) * 1e3, 2)} ms`).join(', ')} (${fmt(load.accepted / blocks, 1)} transactions per block)`);
  for (const k of nodes.keys()) {
    figure({ name: `cluster, ${title}: CPU per block, node ${k + 1}`, value: ((cpuAfter[k]!.total - cpuBefore[k]!.total) / blocks) * 1e3, unit: 'ms', better: 'lower', ...(shape.batch === 1 ? { target: TARGET_CPU_PER_SMALL_BLOCK_MS } : {}) });
  }
  return { title, blocks, window: { fromUs, toUs }, node1CpuMs: (cpuAfter[0]!.total - cpuBefore[0]!.total) * 1e3 };
}

/**
 * A cluster for the runs; with BENCH_CLUSTER_PROFILE=1 node 1 runs under `--cpu-prof` into a directory
 * of its own, summarised by `reportProfile` once the cluster has stopped (the profile is written at exit).
 */
async function benchCluster(): Promise<{ cluster: TestCluster; profileDir?: string }> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('cluster.bench: the nodes run the built CLI, as operators do: run `npm run build:ts` first');
  const cluster = await TestCluster.create({ nodes: NODES, chainId: CHAIN_ID, blockTimeMs: 0 });
  // The node processes start as an operator's do: the built CLI (dist/), with the devnet's process
  // settings (src/node/process-settings.ts; they inherit the environment).
  cluster.entry = 'dist';
  for (const [name, value] of Object.entries(NODE_PROCESS_ENVIRONMENT)) process.env[name] ??= value;
  cluster.nodeFlags = () => missingNodeFlags();
  if (!PROFILE) return { cluster };
  const profileDir = PROFILE === '1' ? await mkdtemp(join(tmpdir(), 'dst-bench-profile-')) : PROFILE;
  cluster.nodeFlags = (i) => [...missingNodeFlags(), ...(i === 1 ? ['--cpu-prof', '--cpu-prof-interval', '4000', '--cpu-prof-dir', profileDir] : [])];
  return { cluster, profileDir };
}

/** Node 1's CPU in each run by stage, from its profile (bench/profile-buckets.ts); removes the profile. */
async function reportProfile(profileDir: string | undefined, runs: readonly MeasuredRun[]): Promise<void> {
  if (profileDir === undefined) return;
  try {
    const files = profileFiles([profileDir]);
    for (const run of runs) {
      console.log(`
Node 1's CPU by stage during the ${run.title} (--cpu-prof, every thread profiled: ${files.length} file(s)):`);
      printSummary(summariseProfiles(files, 25, run.window), { blocks: run.blocks, top: 20, cpuMs: run.node1CpuMs });
    }
  } finally {
    if (PROFILE === '1') await rm(profileDir, { recursive: true, force: true });
  }
}

/** The CI subset's cluster run: 4 nodes, the light load for `seconds`. */
export async function runShort(seconds: number): Promise<void> {
  const { cluster, profileDir } = await benchCluster();
  const runs: MeasuredRun[] = [];
  try {
    await cluster.startAll();
    await Promise.all(cluster.indices().map((i) => waitForReady(cluster.node(i)!)));
    runs.push(await measure(cluster, 'light load', { tps: 200, senders: 20, batch: 1 }, seconds));
  } finally {
    await cluster.shutdown();
  }
  await reportProfile(profileDir, runs);
}

export async function run(): Promise<void> {
  const { cluster, profileDir } = await benchCluster();
  const runs: MeasuredRun[] = [];
  try {
    await cluster.startAll();
    await Promise.all(cluster.indices().map((i) => waitForReady(cluster.node(i)!)));
    runs.push(await measure(cluster, 'light load', { tps: 200, senders: 20, batch: 1 }));
    if (process.env.BENCH_CLUSTER_LIGHT_ONLY !== '1') runs.push(await measure(cluster, 'full load', { tps: FULL_TPS, senders: 400, batch: 10 }));
  } finally {
    await cluster.shutdown();
  }
  await reportProfile(profileDir, runs);
}
