/**
 * The footprint of a node (issue 16): a 4-node cluster on loopback — four `dst run --dir` processes
 * (test/e2e/cluster-process.ts) with block time 250 ms, i.e. 4 blocks/s while transactions come — and
 * running the built CLI (dist/cli/main.js: `npm run build:ts` first; no TypeScript loader in the
 * figures), and a light load of 20 tx/s from a fifth process (bench/cluster-load.ts, 20 senders over the four RPC
 * URLs, one transaction per request), for a configurable time. Every `sampleMs` it reads each node's
 * RSS (`VmRSS` of /proc/<pid>/status) and CPU (utime + stime of /proc/<pid>/stat, all threads) and
 * prints a progress line every few samples. At the end, per node:
 *
 * - RSS at the start (the first sample, once the cluster is ready), at the end, and the maximum;
 * - RSS growth over the last half: the median RSS of the last tenth of the samples against the median
 *   of the tenth just after the middle (medians, so one sample caught before a GC does not decide);
 * - CPU as a percentage of one core and CPU per signed block, over the whole run after a warm-up, and
 *   write system calls per block (`syscw` of /proc/<pid>/io: socket writes above all; a count, so
 *   unlike CPU it does not move with the machine's load);
 *
 * and the issue's targets with each node's ratio to them: RSS ≤ 110 MiB and flat (growth ≤ 10 %),
 * CPU ≤ 2 % of a core. `measureFootprint` returns whether RSS stayed flat; the soak script
 * (bench/footprint-soak.ts, `npm run soak:footprint`) exits non-zero when it did not. The bench
 * (bench/footprint.bench.ts, `npm run bench -- footprint`) runs it for BENCH_FOOTPRINT_SECONDS (default
 * 120). Every figure goes through bench/harness.ts's `figure` (targets reported, never a CI failure).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockNumber, TestCluster, waitForReady } from '../test/e2e/cluster-process.js';
import { missingNodeFlags, NODE_PROCESS_ENVIRONMENT } from '../src/node/process-settings.js';
import { figure } from './harness.js';
import { monotonicMicros, printSummary, profileFiles, summariseProfiles } from './profile-buckets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODES = 4;
const CHAIN_ID = 916n;
const BLOCK_TIME_MS = 250;
const TPS = 20;
const SENDERS = 20;

/** Issue 16's targets for a node at 4 blocks/s with 20 tx/s. */
export const TARGET_RSS_MIB = 110;
export const TARGET_CPU_PERCENT = 2;
/** RSS growth over the last half above which the soak fails. */
export const MAX_RSS_GROWTH = 0.1;

export interface FootprintOptions {
  /** How long the load runs. */
  seconds: number;
  /** Time between samples (default 2 s). */
  sampleMs?: number;
  /** Seconds after readiness left out of the CPU figures (start-up, JIT warm-up; default 10, at most a fifth of the run). */
  warmupSeconds?: number;
  /**
   * Runs node 1 under `node --cpu-prof` and prints its CPU after the warm-up by stage
   * (bench/profile-buckets.ts): `true` into a temporary directory, a path into that directory (kept).
   */
  profile?: boolean | string;
  /** What the nodes run (test/e2e/cluster-process.ts `entry`): default 'dist', the built CLI an operator runs. */
  entry?: 'sources' | 'dist';
}

interface Sample {
  /** On the profiler's clock (bench/profile-buckets.ts `monotonicMicros`). */
  atUs: number;
  atMs: number;
  rssMiB: number[];
  cpuSeconds: number[];
  writeCalls: number[];
  head: number;
}

export interface NodeFootprint {
  pid: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssMaxMiB: number;
  /** Growth over the last half, a fraction (0.05 = 5 %). */
  rssGrowth: number;
  cpuPercent: number;
  cpuPerBlockMs: number;
  /** write(2)-family system calls per block (/proc/<pid>/io `syscw`): independent of the machine's load. */
  writeCallsPerBlock: number;
}

export interface FootprintResult {
  nodes: NodeFootprint[];
  blocks: number;
  seconds: number;
  /** Every node's RSS stayed within MAX_RSS_GROWTH over the last half. */
  flat: boolean;
}

/**
 * RSS in MiB (VmRSS), CPU seconds (utime + stime, all threads) and write system calls so far (`syscw`
 * of /proc/<pid>/io: socket writes, LMDB's, logging's) of a process.
 */
export async function processFootprint(pid: number): Promise<{ rssMiB: number; cpuSeconds: number; writeCalls: number }> {
  const [status, stat, io] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/io`, 'utf8').catch(() => ''),
  ]);
  const rssKiB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  const fields = stat.split(') ')[1]!.split(' ');
  // utime and stime: fields 14 and 15 of stat, i.e. 11 and 12 after "pid (comm) ", in clock ticks (100/s).
  return { rssMiB: rssKiB / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100, writeCalls: Number(/^syscw:\s+(\d+)/m.exec(io)?.[1] ?? NaN) };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const load1 = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Growth of a series over its last half: median of the last tenth against the tenth after the middle. */
export function growthOverLastHalf(series: readonly number[]): number {
  if (series.length < 4) return NaN;
  const tenth = Math.max(1, Math.floor(series.length / 10));
  const middle = Math.floor(series.length / 2);
  const atMiddle = median(series.slice(middle, middle + tenth));
  const atEnd = median(series.slice(series.length - tenth));
  return (atEnd - atMiddle) / atMiddle;
}

function startLoad(urls: string[], seconds: number): { done: Promise<{ accepted: number; rejected: number; firstError?: string; cpuSeconds: number }>; pid: number } {
  const load = spawn(process.execPath, ['--import', 'tsx', 'bench/cluster-load.ts', urls.join(','), String(TPS), String(seconds), String(SENDERS), '1'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  load.stdout.on('data', (chunk) => (out += String(chunk)));
  const done = new Promise<{ accepted: number; rejected: number; firstError?: string; cpuSeconds: number }>((resolve, reject) =>
    load.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`cluster-load exited with ${code}`)))),
  );
  return { done, pid: load.pid! };
}

/** Runs the footprint measurement (see the module docblock) and prints its table. */
export async function measureFootprint(options: FootprintOptions): Promise<FootprintResult> {
  const sampleMs = options.sampleMs ?? 2_000;
  const warmupSeconds = Math.min(options.warmupSeconds ?? 10, options.seconds / 5);
  const cluster = await TestCluster.create({ nodes: NODES, chainId: CHAIN_ID, blockTimeMs: BLOCK_TIME_MS });
  const profileDir = typeof options.profile === 'string' ? options.profile : options.profile ? await mkdtemp(join(tmpdir(), 'dst-footprint-profile-')) : undefined;
  cluster.entry = options.entry ?? 'dist';
  // Nodes start as the devnet and the systemd unit start them (src/node/process-settings.ts): with the memory
  // flags, and the environment variable (inherited by the node processes).
  for (const [name, value] of Object.entries(NODE_PROCESS_ENVIRONMENT)) process.env[name] ??= value;
  const profileFlags = (i: number): string[] => (profileDir !== undefined && i === 1 ? ['--cpu-prof', '--cpu-prof-interval', '4000', '--cpu-prof-dir', profileDir] : []);
  cluster.nodeFlags = (i) => [...missingNodeFlags(), ...profileFlags(i)];
  let profiled: { fromUs: number; toUs: number; blocks: number; cpuMs: number } | undefined;
  try {
    await cluster.startAll();
    const nodes = cluster.indices().map((i) => cluster.node(i)!);
    await Promise.all(nodes.map((node) => waitForReady(node)));
    console.log(
      `\nFootprint: ${NODES} nodes (${cluster.entry === 'dist' ? 'dist/cli/main.js' : 'sources through tsx'}) (threshold ${cluster.lock.threshold}), block time ${BLOCK_TIME_MS} ms, loopback; ${TPS} tx/s from ${SENDERS} senders ` +
        `over the ${NODES} RPCs for ${options.seconds} s; a sample every ${sampleMs / 1000} s; pids ${nodes.map((n) => n.pid).join(', ')}; load ${load1()}`,
    );
    const load = startLoad(nodes.map((node) => node.url), options.seconds);
    const started = performance.now();
    const samples: Sample[] = [];
    const take = async (): Promise<Sample> => {
      const readings = await Promise.all(nodes.map((node) => processFootprint(node.pid)));
      const sample = { atUs: monotonicMicros(), atMs: performance.now() - started, rssMiB: readings.map((r) => r.rssMiB), cpuSeconds: readings.map((r) => r.cpuSeconds), writeCalls: readings.map((r) => r.writeCalls), head: await blockNumber(nodes[0]!.url) };
      samples.push(sample);
      return sample;
    };
    const progressEvery = Math.max(1, Math.round(10_000 / sampleMs));
    while (performance.now() - started < options.seconds * 1000) {
      const sample = await take();
      if ((samples.length - 1) % progressEvery === 0) {
        const previous = samples[Math.max(0, samples.length - 1 - progressEvery)]!;
        const span = (sample.atMs - previous.atMs) / 1000 || 1;
        const cpu = sample.cpuSeconds.map((c, k) => `${((100 * (c - previous.cpuSeconds[k]!)) / span).toFixed(1)}%`).join(' ');
        console.log(
          `  [${(sample.atMs / 1000).toFixed(0).padStart(4)} s] head ${sample.head}; RSS MiB ${sample.rssMiB.map((r) => r.toFixed(0)).join(' ')}; CPU ${cpu}; load ${load1()}`,
        );
      }
      await sleep(sampleMs - ((performance.now() - started) % sampleMs));
    }
    const last = await take();
    const loadResult = await load.done;
    const first = samples[0]!;
    const warm = samples.find((s) => s.atMs >= warmupSeconds * 1000) ?? first;
    const blocks = last.head - warm.head;
    const seconds = (last.atMs - warm.atMs) / 1000;
    const result: NodeFootprint[] = nodes.map((node, k) => {
      const rss = samples.map((s) => s.rssMiB[k]!);
      const cpu = last.cpuSeconds[k]! - warm.cpuSeconds[k]!;
      return {
        pid: node.pid,
        rssStartMiB: first.rssMiB[k]!,
        rssEndMiB: last.rssMiB[k]!,
        rssMaxMiB: Math.max(...rss),
        rssGrowth: growthOverLastHalf(rss),
        cpuPercent: (100 * cpu) / seconds,
        cpuPerBlockMs: blocks === 0 ? NaN : (cpu / blocks) * 1e3,
        writeCallsPerBlock: blocks === 0 ? NaN : (last.writeCalls[k]! - warm.writeCalls[k]!) / blocks,
      };
    });
    console.log(
      `  ${blocks} blocks in ${seconds.toFixed(1)} s after a ${warmupSeconds} s warm-up (${(blocks / seconds).toFixed(2)} blocks/s); load: ${loadResult.accepted} accepted, ` +
        `${loadResult.rejected} rejected${loadResult.firstError ? ` (first: ${loadResult.firstError})` : ''}, its CPU ${loadResult.cpuSeconds.toFixed(1)} s; load average ${load1()}`,
    );
    console.log('  node (pid)          RSS start    end    max  growth (last half)   CPU % of a core   CPU per block   write syscalls per block');
    for (const [k, n] of result.entries()) {
      console.log(
        `  node ${k + 1} (${String(n.pid).padEnd(7)})  ${n.rssStartMiB.toFixed(1).padStart(7)} ${n.rssEndMiB.toFixed(1).padStart(6)} ${n.rssMaxMiB.toFixed(1).padStart(6)} MiB` +
          `  ${`${(100 * n.rssGrowth).toFixed(1)} %`.padStart(8)}           ${n.cpuPercent.toFixed(2).padStart(6)} %       ${n.cpuPerBlockMs.toFixed(2).padStart(7)} ms   ${n.writeCallsPerBlock.toFixed(1).padStart(8)}`,
      );
    }
    console.log(`  targets (issue 16)        value per node                          target     ratio to target (≤ 1 meets it)`);
    const targetRow = (name: string, values: number[], target: number, unit: string): void =>
      console.log(`  ${name.padEnd(24)}  ${values.map((v) => v.toFixed(1).padStart(7)).join(' ')} ${unit.padEnd(5)}  ≤ ${String(target).padEnd(5)} ${unit.padEnd(5)} ${values.map((v) => (v / target).toFixed(2).padStart(5)).join(' ')}`);
    targetRow('RSS at the end', result.map((n) => n.rssEndMiB), TARGET_RSS_MIB, 'MiB');
    targetRow('RSS max', result.map((n) => n.rssMaxMiB), TARGET_RSS_MIB, 'MiB');
    targetRow('RSS growth, last half', result.map((n) => 100 * n.rssGrowth), 100 * MAX_RSS_GROWTH, '%');
    targetRow('CPU of a core', result.map((n) => n.cpuPercent), TARGET_CPU_PERCENT, '%');
    for (const [k, n] of result.entries()) {
      figure({ name: `footprint, node ${k + 1}: RSS at the end`, value: n.rssEndMiB, unit: 'MiB', better: 'lower', target: TARGET_RSS_MIB });
      figure({ name: `footprint, node ${k + 1}: RSS growth over the last half`, value: 100 * n.rssGrowth, unit: '%', better: 'lower', target: 100 * MAX_RSS_GROWTH });
      figure({ name: `footprint, node ${k + 1}: CPU`, value: n.cpuPercent, unit: '% of a core', better: 'lower', target: TARGET_CPU_PERCENT });
      figure({ name: `footprint, node ${k + 1}: CPU per block`, value: n.cpuPerBlockMs, unit: 'ms', better: 'lower' });
      figure({ name: `footprint, node ${k + 1}: write system calls per block`, value: n.writeCallsPerBlock, unit: 'calls', better: 'lower' });
    }
    profiled = { fromUs: warm.atUs, toUs: last.atUs, blocks, cpuMs: (last.cpuSeconds[0]! - warm.cpuSeconds[0]!) * 1e3 };
    const flat = result.every((n) => n.rssGrowth <= MAX_RSS_GROWTH);
    if (!flat) {
      const grown = result.flatMap((n, k) => (n.rssGrowth > MAX_RSS_GROWTH ? [`node ${k + 1} +${(100 * n.rssGrowth).toFixed(1)} %`] : []));
      console.log(`  RSS NOT FLAT: grew by more than ${100 * MAX_RSS_GROWTH} % over the last half: ${grown.join(', ')}`);
    }
    return { nodes: result, blocks, seconds, flat };
  } finally {
    await cluster.shutdown();
    if (profileDir !== undefined) {
      try {
        if (profiled !== undefined) {
          console.log(`\nNode 1's CPU by stage after the warm-up (--cpu-prof; scaled to its CPU from /proc):`);
          printSummary(summariseProfiles(profileFiles([profileDir]), 25, profiled), { blocks: profiled.blocks, cpuMs: profiled.cpuMs, top: 20 });
        }
      } finally {
        if (typeof options.profile !== 'string') await rm(profileDir, { recursive: true, force: true });
      }
    }
  }
}
