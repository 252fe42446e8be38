/**
 * `dst test peers --dir NODE_DIR` (issue 17, a pre-flight check as operators know it from `charon
 * alpha test peers`): before the node is started for real, connects over libp2p to every other
 * operator in the node directory's lock with the node's own identity (the cluster host of src/p2p:
 * Noise, yamux, the lock's peer ids and addresses, so every peer admits it as the node it will be),
 * and reports per operator:
 *
 * - reachability: connected within `--timeout` seconds, or not;
 * - round trip p50 / p99 / mean over `--samples` `/dst/time/2` requests (the node's heartbeat,
 *   src/p2p/protocols/clock.ts; timed from request to response over long-lived streams), and the clock
 *   offset from the sample with the least round trip (positive: the peer's clock is ahead);
 * - throughput: signed blocks fetched over `/dst/sync/1` (what a catch-up gets from that peer), bytes
 *   per second over up to `THROUGHPUT_REQUESTS` requests of 64 blocks; n/a when the peer has none.
 *
 * Verdicts as Charon's: round trip mean below 50 ms good, 240 ms or more poor, between fair; a clock
 * offset beyond 500 ms is poor whatever the round trip (the node refuses proposals 2 s off). The
 * summary says whether the reachable peers make a quorum with this node. Exit code 0 when every peer is
 * reachable and none poor, 1 otherwise, 2 on bad usage.
 *
 * Run it while the node itself is stopped: a second process with the node's identity would compete
 * with it for its peers' connections.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CLUSTER_LOCK_FILE, IDENTITY_KEY_FILE, parseClusterLock, readIdentityKey } from '../cluster/index.js';
import { quorumSize } from '../consensus/index.js';
import { createClusterHost, type ClusterHost } from '../p2p/index.js';
import { commandFailed, optionalInteger, parseFlags, UsageError } from './usage.js';

export const TEST_PEERS_HELP = `Usage: dst test peers --dir NODE_DIR [options]

Before the node is started: connects over libp2p, with the node's own identity, to every other
operator in its cluster lock and reports for each: reachable or not, round trip p50/p99/mean (the
node's /dst/time/2 clock requests), its clock offset, and throughput (signed blocks fetched over the
sync protocol; n/a when the peer has none yet). Verdicts as Charon's: mean round trip under 50 ms
good, 240 ms or more poor; a clock more than 500 ms off is poor. Exit code 0 when every peer is
reachable and none is poor, else 1. Stop the node first: its peers would see two of it.

Options:
  --dir <path>           The node directory (cluster-lock.json, p2p-identity.key).
  --p2p-listen <maddr>   Where this test listens while it runs (default: /ip4/0.0.0.0/tcp/0, any free
                         port; the peers are dialled, they need not dial back).
  --timeout <s>          How long to wait for each peer to connect (default: 10).
  --samples <n>          Round trips measured per peer (default: 20).
  --json                 Print the report as one JSON object instead of the table.
  -h, --help             Print this help.
`;

/** Charon's thresholds for a peer's mean round trip. */
export const RTT_GOOD_MS = 50;
export const RTT_POOR_MS = 240;
/** A clock further off than this is poor (the node refuses proposals 2 s off its clock). */
export const CLOCK_POOR_MS = 500;
const THROUGHPUT_REQUESTS = 8;
const THROUGHPUT_BUDGET_MS = 2_000;

export interface PeerReport {
  /** 1-based share index. */
  index: number;
  peerId: string;
  addresses: string[];
  reachable: boolean;
  /** Why not reachable, or what failed while measuring. */
  error?: string;
  rttMs?: { p50: number; p99: number; mean: number; samples: number };
  clockOffsetMs?: number;
  /** Bytes per second over the sync protocol; null when the peer sent no block. */
  throughputBytesPerSecond?: number | null;
  verdict: 'good' | 'fair' | 'poor' | 'unreachable';
}

export interface PeersReport {
  self: number;
  nodes: number;
  threshold: number;
  peers: PeerReport[];
  /** Reachable peers plus this node reach the quorum and the threshold. */
  quorumReachable: boolean;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function measurePeer(host: ClusterHost<unknown>, index0: number, samples: number): Promise<Pick<PeerReport, 'rttMs' | 'clockOffsetMs' | 'throughputBytesPerSecond' | 'error'>> {
  const taken: Array<{ offset: number; roundTrip: number }> = [];
  let error: string | undefined;
  for (let i = 0; i < samples; i++) {
    try {
      taken.push(await host.measureClock(index0));
    } catch (cause) {
      error = (cause as Error).message;
    }
  }
  if (taken.length === 0) return { error: `no clock request answered: ${error}` };
  const trips = taken.map((s) => s.roundTrip).sort((a, b) => a - b);
  const best = taken.reduce((a, b) => (b.roundTrip < a.roundTrip ? b : a));
  let bytes = 0;
  const started = performance.now();
  let first = 1;
  for (let i = 0; i < THROUGHPUT_REQUESTS && performance.now() - started < THROUGHPUT_BUDGET_MS; i++) {
    let blocks: Uint8Array[];
    try {
      blocks = await host.requestBlocks(index0, first, first + host.limits.syncMaxBlocks - 1);
    } catch (cause) {
      error ??= `sync request failed: ${(cause as Error).message}`;
      break;
    }
    if (blocks.length === 0) break;
    for (const block of blocks) bytes += block.length;
    first += blocks.length;
  }
  const elapsed = performance.now() - started;
  return {
    rttMs: { p50: round2(quantile(trips, 0.5)), p99: round2(quantile(trips, 0.99)), mean: round2(trips.reduce((a, b) => a + b, 0) / trips.length), samples: trips.length },
    clockOffsetMs: round2(best.offset),
    throughputBytesPerSecond: bytes === 0 ? null : Math.round((bytes * 1000) / elapsed),
    ...(error === undefined ? {} : { error }),
  };
}

export async function testPeers(options: { dir: string; listen: string; timeoutMs: number; samples: number }): Promise<PeersReport> {
  const lockPath = join(options.dir, CLUSTER_LOCK_FILE);
  let lockText: string;
  try {
    lockText = await readFile(lockPath, 'utf8');
  } catch (error) {
    throw new UsageError(`--dir: cannot read ${lockPath}: ${(error as Error).message} (expected a node directory from "dst create cluster")`);
  }
  const lock = parseClusterLock(lockText, lockPath);
  const identity = await readIdentityKey(join(options.dir, IDENTITY_KEY_FILE));
  const host = await createClusterHost({
    identity,
    listen: [options.listen],
    peers: lock.operators.map((operator) => ({ index: operator.index - 1, peerId: operator.peerId, addrs: operator.addresses })),
  });
  try {
    const others = lock.operators.filter((operator) => operator.index - 1 !== host.self);
    const deadline = performance.now() + options.timeoutMs;
    const connected = () => new Set(host.connectedPeers());
    while (performance.now() < deadline && others.some((operator) => !connected().has(operator.index - 1))) await sleep(50);
    const up = connected();
    const peers = await Promise.all(
      others.map(async (operator): Promise<PeerReport> => {
        const base = { index: operator.index, peerId: operator.peerId, addresses: [...operator.addresses] };
        if (!up.has(operator.index - 1)) {
          return { ...base, reachable: false, error: `not connected within ${options.timeoutMs / 1000} s`, verdict: 'unreachable' };
        }
        const measured = await measurePeer(host, operator.index - 1, options.samples);
        return { ...base, reachable: true, ...measured, verdict: verdictOf(measured) };
      }),
    );
    const reachable = 1 + peers.filter((peer) => peer.reachable).length;
    return { self: host.self + 1, nodes: lock.operators.length, threshold: lock.threshold, peers, quorumReachable: reachable >= Math.max(quorumSize(lock.operators.length), lock.threshold) };
  } finally {
    await host.stop();
  }
}

function verdictOf(measured: Pick<PeerReport, 'rttMs' | 'clockOffsetMs'>): PeerReport['verdict'] {
  if (measured.rttMs === undefined) return 'poor';
  if (Math.abs(measured.clockOffsetMs ?? 0) > CLOCK_POOR_MS || measured.rttMs.mean >= RTT_POOR_MS) return 'poor';
  return measured.rttMs.mean < RTT_GOOD_MS ? 'good' : 'fair';
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

const ms = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(value < 10 ? 2 : 1)} ms`);
function rate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond === undefined) return '—';
  if (bytesPerSecond === null) return 'n/a (no blocks)';
  return bytesPerSecond >= 1e6 ? `${(bytesPerSecond / 1e6).toFixed(1)} MB/s` : `${(bytesPerSecond / 1e3).toFixed(1)} kB/s`;
}

export function formatPeersReport(report: PeersReport): string {
  const lines = [`dst test peers: operator ${report.self} of ${report.nodes} (threshold ${report.threshold}), ${report.peers.length} peers`, ''];
  const header = ['peer', 'address', 'reachable', 'rtt p50', 'rtt p99', 'rtt mean', 'clock offset', 'throughput', 'verdict'];
  const rows = report.peers.map((peer) => [
    String(peer.index),
    peer.addresses[0] ?? '',
    peer.reachable ? 'yes' : 'no',
    ms(peer.rttMs?.p50),
    ms(peer.rttMs?.p99),
    ms(peer.rttMs?.mean),
    peer.clockOffsetMs === undefined ? '—' : `${peer.clockOffsetMs > 0 ? '+' : ''}${ms(peer.clockOffsetMs)}`,
    rate(peer.throughputBytesPerSecond),
    peer.verdict,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) lines.push('  ' + row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const peer of report.peers) if (peer.error) lines.push(`  peer ${peer.index}: ${peer.error}`);
  lines.push('');
  const reachable = report.peers.filter((peer) => peer.reachable).length;
  const poor = report.peers.filter((peer) => peer.verdict === 'poor').map((peer) => peer.index);
  lines.push(
    `summary: ${reachable} of ${report.peers.length} peers reachable; ${report.quorumReachable ? 'with this node they can sign blocks' : 'with this node they are fewer than the threshold: no block could be signed'}` +
      (poor.length > 0 ? `; poor: peer ${poor.join(', ')}` : '') +
      ` (round trip good < ${RTT_GOOD_MS} ms, poor ≥ ${RTT_POOR_MS} ms; clock poor beyond ${CLOCK_POOR_MS} ms)`,
  );
  return lines.join('\n') + '\n';
}

export async function runTestPeersCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseFlags(args, {
      dir: { type: 'string' },
      'p2p-listen': { type: 'string' },
      timeout: { type: 'string' },
      samples: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(TEST_PEERS_HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    if (values.dir === undefined) throw new UsageError('--dir NODE_DIR is required');
    const report = await testPeers({
      dir: resolve(values.dir),
      listen: values['p2p-listen'] ?? '/ip4/0.0.0.0/tcp/0',
      timeoutMs: (optionalInteger('--timeout', values.timeout, 1, 600) ?? 10) * 1000,
      samples: optionalInteger('--samples', values.samples, 1, 1000) ?? 20,
    });
    process.stdout.write(values.json ? JSON.stringify(report) + '\n' : formatPeersReport(report));
    return report.peers.every((peer) => peer.verdict === 'good' || peer.verdict === 'fair') ? 0 : 1;
  } catch (error) {
    return commandFailed('dst test peers', 'dst test peers', error);
  }
}
