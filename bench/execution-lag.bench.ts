/**
 * Execution lag at full load (issue 14): does `dst execute` keep up with the devnet at its 1,000 tx/s?
 *
 * Starts the real devnet as processes (test/helpers/devnet-process.ts: 4 `dst run` and its one
 * `dst execute`, from the sources) with its own load generator at `EXEC_LAG_TPS` (default 1,000)
 * transfers per second from the lock's funded load keys (src/load/funded.ts; they execute, none is
 * skipped for funds), waits until the execution node has caught up with node 1's head (it starts after
 * the nodes) and `WARM_UP_S` more for the load to settle, then for `EXEC_LAG_SECONDS` (default
 * 30) records, for every DST block:
 * - when it was final: when node 1 announced it on `eth_subscribe("newHeads")` (it is stored there
 *   with its group signature);
 * - when it was executed: the first `eth_blockNumber` of the execution node, polled every `POLL_MS`,
 *   at or above its number (executed block numbers are the DST numbers).
 * Lag = executed − final (both on this process's clock; resolution `POLL_MS`). Prints p50/p99 lag,
 * blocks and tx/s included (the DST blocks final in the window, their transaction counts) against
 * executed (the transactions of the blocks executed in the window, `dst_executionOf` counts, skipped
 * ones apart), the execution node's CPU % over the window (/proc/<pid>/stat, all threads; 100 % is one
 * core), and whether execution kept up: every block of the window executed, at most `MAX_BACKLOG`
 * blocks behind node 1 at the window's end, and the lag not growing —
 * its least-squares slope against the block's final time under `MAX_LAG_SLOPE` (a slope s means
 * execution runs at about (1 − s) of the inclusion rate). Blocks still not executed `DRAIN_S` after the
 * window are counted as such.
 *
 * On a 2-core machine the cluster itself cannot include 1,000 tx/s, so keeping up with it does not
 * show that execution would keep up at 1,000. The bench therefore also measures the execution node's
 * capacity: after the window it starts a second `dst execute` (fresh database, from the sources, as
 * the devnet's) following nodes 1 and 2, and times its catch-up over every block final before it
 * started — the whole chain, following included (fetching, BLS verification, executing, LMDB
 * commits). Capacity is the transactions of those blocks per CPU second of that process (all its
 * threads, from its first JSON-RPC answer to reaching the block), printed as a ratio to
 * `TARGET_TPS`: above 1x, one core executes the devnet's load faster than 1,000 tx/s. The wall-clock
 * rate is printed too; it is lower, because the cluster and its load keep running beside it. The
 * window's own CPU per executed transaction is printed beside it (live following, block by block).
 * Every process is stopped by its pid in `finally` (the devnet stops every node it started). The
 * machine is shared: the load average is printed beside the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freeRange, startDevnet, type DevnetProcess } from '../test/helpers/devnet-process.js';
import { processFootprint } from './footprint.js';
import { figure, quantile } from './harness.js';

const SECONDS = Number(process.env.EXEC_LAG_SECONDS ?? 30);
const TPS = Number(process.env.EXEC_LAG_TPS ?? 1000);
const WARM_UP_S = 10;
const POLL_MS = 20;
const DRAIN_S = 60;
const CATCH_UP_S = 180;
/** Blocks execution may be behind node 1 at the window's end and still have kept up. */
const MAX_BACKLOG = 2;
const MAX_LAG_SLOPE = 0.02;
/** JSON-RPC batch length, well under a DST node's limit (src/api/limits.ts). */
const BATCH = 100;
/** The devnet rate execution must not be the bottleneck at (issue 14). */
const TARGET_TPS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

/** JSON-RPC over HTTP: the answers of a batch in request order; any error throws. */
async function rpc(url: string, calls: Array<[string, unknown[]]>): Promise<any[]> {
  const answers: any[] = [];
  for (let start = 0; start < calls.length; start += BATCH) {
    const body = calls.slice(start, start + BATCH).map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }));
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    const batch = (await response.json()) as Array<{ id: number; result?: unknown; error?: { message: string } }>;
    const failed = batch.find((a) => a.error !== undefined);
    if (failed || batch.length !== body.length) throw new Error(`${body[failed?.id ?? 0]!.method}: ${failed?.error?.message ?? `${batch.length} answers to ${body.length} calls`}`);
    answers.push(...batch.sort((a, b) => a.id - b.id).map((a) => a.result));
  }
  return answers;
}

/** Node 1's newHeads: each block number's first announcement time (performance.now()). */
async function finalityTimes(wsUrl: string): Promise<{ finalAt: Map<number, number>; close(): void }> {
  const finalAt = new Map<number, number>();
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { method?: string; params?: { result?: { number?: string } } };
    const number = message.method === 'eth_subscription' ? message.params?.result?.number : undefined;
    if (number !== undefined && !finalAt.has(Number(number))) finalAt.set(Number(number), performance.now());
  });
  socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
  return { finalAt, close: () => socket.close() };
}

/** Polls the execution node's head every POLL_MS; each block number's first time at or below the head. */
function executionTimes(url: string): { executedAt: Map<number, number>; head(): number; stop(): Promise<void> } {
  const executedAt = new Map<number, number>();
  let head: number | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const answer = await rpc(url, [['eth_blockNumber', []]]).catch(() => undefined);
      const now = performance.now();
      if (answer !== undefined) {
        const number = Number(answer[0]);
        // the first answer is where execution stood before the measurement: no time for those blocks
        if (head !== undefined) for (let n = head + 1; n <= number; n++) executedAt.set(n, now);
        head = Math.max(head ?? number, number);
      }
      await sleep(POLL_MS);
    }
  })();
  return {
    executedAt,
    head: () => head ?? -1,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Least-squares slope of y against x. */
function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Stops a child process by its pid: SIGINT, then SIGKILL after 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The capacity phase (module docblock): a fresh `dst execute` catching up to block `target`; its CPU
 * seconds and wall seconds from its first JSON-RPC answer until its head reaches `target`.
 */
async function catchUp(root: string, followUrls: string[], target: number): Promise<{ cpuSeconds: number; wallSeconds: number; url: string; stop(): Promise<void> }> {
  const port = (await freeRange(1)) + 1;
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'execute', '--follow', followUrls.join(','), '--lock', join(root, 'cluster', 'cluster-lock.json'), '--data-dir', join(root, 'capacity'), '--rpc-host', '127.0.0.1', '--rpc-port', String(port), '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // its last output (warnings and errors: the follower losing a node, a failure), for the error message
  let stderr = '';
  const keep = (chunk: unknown) => (stderr = (stderr + String(chunk)).slice(-2000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = () => stopChild(child);
  try {
    const head = async () => Number((await rpc(url, [['eth_blockNumber', []]]))[0]);
    const upBy = performance.now() + 60_000;
    let first: number | undefined;
    while (first === undefined) {
      if (child.exitCode !== null) throw new Error(`the capacity execution node exited (${child.exitCode}): ${stderr}`);
      if (performance.now() > upBy) throw new Error('the capacity execution node did not answer within 60 s');
      first = await head().catch(() => undefined);
      if (first === undefined) await sleep(50);
    }
    const started = performance.now();
    const cpuStart = (await processFootprint(child.pid!)).cpuSeconds;
    const doneBy = started + CATCH_UP_S * 1000;
    while ((await head()) < target) {
      if (performance.now() > doneBy) throw new Error(`the capacity execution node did not reach block ${target} within ${CATCH_UP_S} s; its last output: ${stderr}`);
      await sleep(POLL_MS);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuSeconds = (await processFootprint(child.pid!)).cpuSeconds - cpuStart;
    return { cpuSeconds, wallSeconds, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function run(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'dst-exec-lag-'));
  let devnet: DevnetProcess | undefined;
  let heads: Awaited<ReturnType<typeof finalityTimes>> | undefined;
  let executed: ReturnType<typeof executionTimes> | undefined;
  let capacity: Awaited<ReturnType<typeof catchUp>> | undefined;
  try {
    const executionPort = (await freeRange(1)) + 1;
    devnet = await startDevnet(join(root, 'cluster'), 4, ['--load', String(TPS), '--execution-rpc-port', String(executionPort)]);
    const [, executionUrl, pidText] = await devnet.line(/^execution up: rpc (\S+) \(dst execute, pid (\d+)/, 240_000);
    const executionPid = Number(pidText);
    const nodes = await devnet.nodesUp(4);
    const node1 = nodes[0];
    const dstUrl = node1!.url;
    console.log(`devnet of 4 nodes (devnet pid ${devnet.child.pid}), load ${TPS} tx/s; execution node pid ${executionPid} at ${executionUrl}; warm-up ${WARM_UP_S} s, window ${SECONDS} s; load average ${load()}`);
    heads = await finalityTimes(dstUrl.replace(/^http/, 'ws'));
    executed = executionTimes(executionUrl!);
    // The execution node starts after the nodes and first catches up from genesis: the warm-up starts
    // once it has reached node 1's head.
    const caughtUpBy = performance.now() + CATCH_UP_S * 1000;
    const dstHead = async () => Number((await rpc(dstUrl, [['eth_blockNumber', []]]))[0]);
    while (executed.head() < (await dstHead()) - 1) {
      if (performance.now() > caughtUpBy) throw new Error(`the execution node did not reach node 1's head within ${CATCH_UP_S} s (at ${executed.head()})`);
      await sleep(200);
    }
    await sleep(WARM_UP_S * 1000);

    const windowStart = performance.now();
    const cpuStart = (await processFootprint(executionPid)).cpuSeconds;
    await sleep(SECONDS * 1000);
    const windowEnd = performance.now();
    const cpuEnd = (await processFootprint(executionPid)).cpuSeconds;
    const loadAtEnd = load();
    const backlog = Math.max(...heads.finalAt.keys()) - executed.head();

    const inWindow = (t: number | undefined) => t !== undefined && t >= windowStart && t < windowEnd;
    const blocks = [...heads.finalAt].filter(([, t]) => inWindow(t)).map(([n]) => n).sort((a, b) => a - b);
    if (blocks.length === 0) throw new Error(`no DST block was final in the ${SECONDS} s window`);
    const last = blocks.at(-1)!;
    const drainUntil = performance.now() + DRAIN_S * 1000;
    while (executed.head() < last && performance.now() < drainUntil) await sleep(100);
    await executed.stop();

    // Transaction counts: included from node 1's blocks, executed/skipped from the execution node.
    const measured = [...new Set([...blocks, ...[...executed.executedAt].filter(([, t]) => inWindow(t)).map(([n]) => n)])].sort((a, b) => a - b);
    const dstBlocks = await rpc(dstUrl, measured.map((n) => ['eth_getBlockByNumber', [`0x${n.toString(16)}`, false]]));
    const included = new Map(measured.map((n, i) => [n, (dstBlocks[i] as { transactions: string[] }).transactions.length]));
    const executions = await rpc(executionUrl!, measured.map((n) => ['dst_executionOf', [`0x${n.toString(16)}`]]));
    const outcome = new Map(measured.map((n, i) => [n, executions[i] as { executed: number; skipped: number } | null]));

    const lags = blocks.filter((n) => executed!.executedAt.has(n)).map((n) => (executed!.executedAt.get(n)! - heads!.finalAt.get(n)!) / 1000);
    const sortedLags = [...lags].sort((a, b) => a - b);
    const notExecuted = blocks.length - lags.length;
    const lagSlope = slope(blocks.filter((n) => executed!.executedAt.has(n)).map((n) => [heads!.finalAt.get(n)! / 1000, (executed!.executedAt.get(n)! - heads!.finalAt.get(n)!) / 1000]));
    const includedTx = blocks.reduce((s, n) => s + included.get(n)!, 0);
    const executedInWindow = [...executed.executedAt].filter(([, t]) => inWindow(t)).map(([n]) => n);
    const executedTx = executedInWindow.reduce((s, n) => s + (outcome.get(n)?.executed ?? 0), 0);
    const skippedTx = executedInWindow.reduce((s, n) => s + (outcome.get(n)?.skipped ?? 0), 0);
    const cpuPercent = ((cpuEnd - cpuStart) / SECONDS) * 100;
    const keptUp = notExecuted === 0 && backlog <= MAX_BACKLOG && lagSlope < MAX_LAG_SLOPE;

    console.log(`window: ${blocks.length} DST blocks final (${blocks[0]}..${last}), ${executedInWindow.length} executed; backlog at its end ${backlog} blocks; load average ${loadAtEnd}`);
    figure({ name: 'execution lag at full load: p50', value: sortedLags.length ? quantile(sortedLags, 0.5) * 1000 : NaN, unit: 'ms', better: 'lower' });
    figure({ name: 'execution lag at full load: p99', value: sortedLags.length ? quantile(sortedLags, 0.99) * 1000 : NaN, unit: 'ms', better: 'lower' });
    figure({ name: 'execution lag at full load: growth (least-squares slope, s per s)', value: lagSlope, unit: 's/s', better: 'lower' });
    figure({ name: `execution lag at full load: blocks not executed ${DRAIN_S} s after the window`, value: notExecuted, unit: 'blocks', better: 'lower' });
    figure({ name: 'execution lag at full load: DST blocks final', value: blocks.length / SECONDS, unit: 'blocks/s' });
    figure({ name: 'execution lag at full load: DST blocks executed', value: executedInWindow.length / SECONDS, unit: 'blocks/s' });
    figure({ name: 'execution lag at full load: transactions included', value: includedTx / SECONDS, unit: 'tx/s' });
    figure({ name: 'execution lag at full load: transactions executed', value: executedTx / SECONDS, unit: 'tx/s' });
    figure({ name: 'execution lag at full load: transactions skipped', value: skippedTx, unit: 'tx', better: 'lower' });
    figure({ name: 'execution lag at full load: execution node CPU (100 % = one core)', value: cpuPercent, unit: '%', better: 'lower' });
    figure({ name: 'execution lag at full load: execution node CPU per executed transaction (live)', value: executedTx > 0 ? ((cpuEnd - cpuStart) / executedTx) * 1e6 : NaN, unit: 'µs', better: 'lower' });
    console.log(`  execution kept up: ${keptUp ? 'yes' : 'NO'} (every block of the window executed: ${notExecuted === 0 ? 'yes' : `no, ${notExecuted} not`}; backlog at the window's end ${backlog} blocks, at most ${MAX_BACKLOG}; lag growth ${lagSlope.toFixed(3)} s/s, under ${MAX_LAG_SLOPE})`);

    // Capacity: a fresh execution node catching up over the chain so far.
    const target = await dstHead();
    const followUrls = nodes.slice(0, 2).map((node) => node.url.replace(/^http/, 'ws'));
    console.log(`capacity: a fresh dst execute catching up to block ${target} (following ${followUrls.join(', ')}; the cluster and its load still run); load average ${load()}`);
    capacity = await catchUp(root, followUrls, target);
    const chain = Array.from({ length: target }, (_, i) => i + 1);
    const counts = (await rpc(capacity.url, chain.map((n) => ['dst_executionOf', [`0x${n.toString(16)}`]]))) as Array<{ executed: number; skipped: number }>;
    const chainTx = counts.reduce((s, c) => s + c.executed + c.skipped, 0);
    const perCpuSecond = chainTx / capacity.cpuSeconds;
    console.log(`  ${chainTx} transactions in ${target} blocks: ${capacity.cpuSeconds.toFixed(1)} CPU s, ${capacity.wallSeconds.toFixed(1)} s wall; load average ${load()}`);
    figure({ name: 'execution capacity (catch-up), wall', value: chainTx / capacity.wallSeconds, unit: 'tx/s' });
    figure({ name: 'execution capacity (catch-up), CPU per transaction', value: (capacity.cpuSeconds / chainTx) * 1e6, unit: 'µs', better: 'lower' });
    figure({ name: 'execution capacity (catch-up), per CPU second', value: perCpuSecond, unit: 'tx/CPU-s', peer: `the devnet's ${TARGET_TPS} tx/s`, ratio: perCpuSecond / TARGET_TPS, target: 1 });
  } finally {
    await capacity?.stop();
    heads?.close();
    await executed?.stop();
    await devnet?.stop();
    await rm(root, { recursive: true, force: true });
  }
}
