/**
 * `npm run geo [-- profile...]`: a cluster spread over distance in userspace (issue 18). Each profile
 * (src/devnet/latency.ts: lan, region, continents, continents-7; default all four) gets a fresh cluster
 * of real `dst run --dir` processes on loopback (test/e2e/cluster-process.ts) whose nodes reach each
 * other only through the delaying relay (src/devnet/relay.ts: one TCP proxy per directed link holding
 * each chunk for the link's one-way delay; the nodes dial through it with `--p2p-dial`), under a steady
 * load (src/load, in this process).
 *
 * Reported per profile, for a phase with every node up and one with the farthest node (largest sum of
 * one-way delays to the others) stopped (SIGTERM), then restarted (how long until it builds a block
 * again — its round-1 turns come back at the next leader-reputation window): proposal → signature p50 and p99 over every node's "block
 * signed and stored" `timeToSignatureMs`, signed blocks per second, heights that needed a round after
 * the first, and next to the p50 the 3-hop critical path of the quorum (`criticalPathMs`: PRE-PREPARE,
 * PREPARE quorum, COMMIT quorum over the matrix, no processing, measured like `timeToSignatureMs` from
 * each node's receipt of the proposal; the p50 over every (leader, node) pair of the nodes up). The
 * targets of issue 18 are printed with each figure: continents p50 ≤ 1.25 × the critical path, 0 heights
 * after round 1 in steady state, ≥ 80 % of the block rate with the farthest node stopped.
 *
 * Environment: GEO_SECONDS (each phase, default 30), GEO_TPS (default 20), GEO_BLOCK_TIME_MS (default
 * 200), GEO_JITTER_MS and GEO_LOSS (added to every profile; default 0). Loopback only; every process is
 * stopped by pid at the end.
 */
import { criticalPathMs, LATENCY_PROFILE_NAMES, latencyProfile, relayDialFlags, startRelayMesh, withFaults, type LatencyProfile, type LatencyProfileName } from '../src/devnet/index.js';
import { quorumSize } from '../src/consensus/index.js';
import { startLoad } from '../src/load/index.js';
import { TestCluster, waitForLog, waitForReady } from '../test/e2e/cluster-process.js';

const SECONDS = Number(process.env.GEO_SECONDS ?? 30);
const TPS = Number(process.env.GEO_TPS ?? 20);
const BLOCK_TIME_MS = Number(process.env.GEO_BLOCK_TIME_MS ?? 200);
const JITTER_MS = Number(process.env.GEO_JITTER_MS ?? 0);
const LOSS = Number(process.env.GEO_LOSS ?? 0);
const WARM_UP_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');

interface Phase {
  /** p50 of each stage's end after the proposal (the "block signed and stored" line's stagesMs). */
  stages: string;
  blocksPerSecond: number;
  p50: number;
  p99: number;
  lateHeights: number;
  criticalP50: number;
  samples: number;
}

/** The node with the largest sum of one-way delays to the others (0-based; the last one of a uniform profile). */
function farthest(profile: LatencyProfile): number {
  const sums = profile.oneWayMs.map((row) => row.reduce((a, b) => a + b, 0));
  return sums.lastIndexOf(Math.max(...sums));
}

/** p50 of the critical path from proposal receipt to decision, over every (leader, node) pair of the nodes up. */
function criticalP50(profile: LatencyProfile, up: (node: number) => boolean): number {
  const n = profile.oneWayMs.length;
  const paths: number[] = [];
  for (let leader = 0; leader < n; leader++) {
    if (!up(leader)) continue;
    for (const { fromArrival } of criticalPathMs(profile.oneWayMs, leader, quorumSize(n), up)) paths.push(fromArrival);
  }
  return quantile(paths.sort((a, b) => a - b), 0.5);
}

async function measure(cluster: TestCluster, profile: LatencyProfile, up: (node: number) => boolean, observer: number): Promise<Phase> {
  const nodes = cluster.indices().filter((i) => up(i - 1));
  const from = Date.now();
  await sleep(SECONDS * 1_000);
  const to = Date.now();
  const stored = (i: number) => cluster.node(i)!.logs.filter((l) => l.msg === 'block signed and stored' && Number(l.time) >= from && Number(l.time) < to);
  const lines = nodes.flatMap(stored);
  const times = lines.flatMap((l) => (typeof l.timeToSignatureMs === 'number' ? [l.timeToSignatureMs as number] : [])).sort((a, b) => a - b);
  const mine = stored(observer);
  const stage = (name: string): string => {
    const values = lines.flatMap((l) => (typeof l.stagesMs?.[name] === 'number' ? [l.stagesMs[name] as number] : [])).sort((a, b) => a - b);
    return `${name} ${quantile(values, 0.5).toFixed(1)}`;
  };
  return {
    stages: ['validated', 'signed', 'decided', 'combined', 'stored'].map(stage).join(', '),
    blocksPerSecond: mine.length / ((to - from) / 1_000),
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    lateHeights: mine.filter((l) => l.round > 1).length,
    criticalP50: criticalP50(profile, up),
    samples: times.length,
  };
}

function printPhase(title: string, phase: Phase, continents: boolean): void {
  const ratio = phase.p50 / phase.criticalP50;
  console.log(`  ${title}`);
  console.log(`    proposal → signature p50 ${phase.p50.toFixed(1)} ms, p99 ${phase.p99.toFixed(1)} ms (${phase.samples} samples: every node, every block)`);
  console.log(`    stages, p50 ms after the proposal: ${phase.stages}`);
  console.log(`    3-hop critical path of the quorum, p50 ${phase.criticalP50.toFixed(1)} ms: p50 is ${ratio.toFixed(2)} × it${continents ? `   target ≤ 1.25 ×: ${verdict(ratio <= 1.25)}` : ''}`);
  console.log(`    signed blocks per second ${phase.blocksPerSecond.toFixed(2)}; heights after round 1: ${phase.lateHeights}${continents ? `   target 0: ${verdict(phase.lateHeights === 0)}` : ''}`);
}

async function runProfile(name: LatencyProfileName): Promise<void> {
  const profile = withFaults(latencyProfile(name), { jitterMs: JITTER_MS, lossRate: LOSS });
  const n = profile.sites.length;
  const cluster = await TestCluster.create({ nodes: n, chainId: 919n, blockTimeMs: BLOCK_TIME_MS });
  const mesh = await startRelayMesh(profile, cluster.p2pPorts);
  cluster.nodeArgs = (i) => relayDialFlags(mesh, i - 1);
  try {
    await cluster.startAll();
    await Promise.all(cluster.indices().map((i) => waitForReady(cluster.node(i)!, 60_000)));
    const far = farthest(profile);
    const observer = far === 0 ? 2 : 1;
    const load = await startLoad({ urls: cluster.indices().map((i) => cluster.node(i)!.url), tps: TPS, senders: 4 * n });
    const delays = profile.oneWayMs.map((row, i) => `${profile.sites[i]}: ${row.map((d) => d.toFixed(1)).join(' ')}`).join('; ');
    console.log(`\n${name}: ${n} nodes (quorum ${quorumSize(n)}) through the relay; one-way ms ${delays}${JITTER_MS || LOSS ? `; jitter ${JITTER_MS} ms, loss ${LOSS}` : ''}`);
    console.log(`  block time ${BLOCK_TIME_MS} ms, ${TPS} tx/s, ${SECONDS} s per phase after ${WARM_UP_MS / 1_000} s of warm-up`);
    await sleep(WARM_UP_MS);
    const continents = name.startsWith('continents');
    const allUp = await measure(cluster, profile, () => true, observer);
    printPhase('all up', allUp, continents);
    await cluster.stop(far + 1);
    await sleep(2_000);
    const down = await measure(cluster, profile, (i) => i !== far, observer);
    printPhase(`${profile.sites[far]} (node ${far + 1}, the farthest) stopped`, down, false);
    const rate = down.blocksPerSecond / allUp.blocksPerSecond;
    console.log(`    block rate with it stopped: ${(rate * 100).toFixed(1)} % of all up${continents ? `   target ≥ 80 %: ${verdict(rate >= 0.8)}` : ''}`);
    const restartedAt = Date.now();
    const back = await cluster.start(far + 1);
    const node = cluster.node(observer)!;
    const headAtRestart = Math.max(0, ...node.logs.filter((l) => l.msg === 'block signed and stored').map((l) => Number(l.number)));
    const built = await waitForLog(node, `a block built by node ${far + 1} after its restart`, (l) => l.msg === 'block signed and stored' && l.proposer === far + 1 && Number(l.number) > headAtRestart, {
      from: node.logs.length,
      timeoutMs: 180_000,
    }).catch(() => undefined);
    const synced = back.logs.find((l) => l.msg === 'sync: done');
    console.log(`  ${profile.sites[far]} restarted: ${built === undefined ? 'built no block within 180 s' : `built block ${built.number} ${((Number(built.time) - restartedAt) / 1_000).toFixed(1)} s later, ${Number(built.number) - headAtRestart} heights after the restart`}${synced ? ` (its sync stored ${synced.stored ?? '?'} blocks)` : ''}`);
    const summary = await load.stop();
    console.log(`  load: ${summary.accepted} accepted, ${summary.rejected} rejected${summary.firstError ? ` (first: ${summary.firstError})` : ''}`);
  } finally {
    await cluster.shutdown();
    await mesh.close();
  }
}

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of asked) {
  if (!(LATENCY_PROFILE_NAMES as readonly string[]).includes(name)) {
    console.error(`unknown profile ${name}; profiles: ${LATENCY_PROFILE_NAMES.join(', ')}`);
    process.exit(2);
  }
}
for (const name of (asked.length > 0 ? asked : LATENCY_PROFILE_NAMES) as LatencyProfileName[]) await runProfile(name);
