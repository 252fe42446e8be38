/**
 * The live dashboard (issue 17): `GET /dashboard` on the RPC port serves a static page
 * (src/api/dashboard/: index.html, dashboard.css, dashboard.js — no framework, no CDN; shipped with
 * the package, whose "files" include src/), and the page reads `dst_dashboard` over the node's
 * WebSocket once a second (and on every newHeads).
 *
 * `DashboardFeed` keeps what a snapshot needs that one read of the node cannot give: the last
 * `RECENT_BLOCKS` stored blocks (number, timestamp, transactions, round, proposer; seeded from the
 * store at start, then from `onBlock`), from which come blocks/s and tx/s over the last
 * `RATE_WINDOW_MS`, the blocks decided after round 1, and the proposals each operator led. The rest is
 * read when asked: `view.health()`, `view.clusterInfo()`, `view.activity()` (operators' connections,
 * pings and last COMMITs, proposal → signature times: src/node/activity.ts) and the metrics registry
 * (invalid partials by signer, sync target, blocks stored by sync, rejected transactions).
 *
 * The assets are read from disk once, at the first request, from `<package>/src/api/dashboard/`: this
 * module is `src/api/dashboard.ts` under tsx and `dist/api/dashboard.js` when built, both two levels
 * below the package root.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SequencerView, SignedBlock } from '../node/types.js';
import { prefixedHex } from '../bytes/index.js';
import type { Json } from './format.js';
import { quantity } from './hex.js';
import type { DstMetrics } from './metrics.js';

/** Blocks kept for rates, multi-round blocks and proposals led. */
export const RECENT_BLOCKS = 512;
/** Blocks/s and tx/s are counted over this window of block timestamps. */
export const RATE_WINDOW_MS = 10_000;
/** Blocks read from the store when the feed starts. */
const SEEDED_BLOCKS = 128;

const ASSET_DIR = fileURLToPath(new URL('../../src/api/dashboard/', import.meta.url));
/** Path under /dashboard → file and content type. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/dashboard/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
};
/** Scripts and styles from this origin only; data over this origin's WebSocket. */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; frame-ancestors 'none'";

const assetCache = new Map<string, Promise<string>>();

/** The dashboard asset at `path` (`/dashboard`, `/dashboard/dashboard.js`, …), or undefined if none. */
export async function dashboardAsset(path: string): Promise<{ body: string; type: string } | undefined> {
  const asset = ASSETS[path];
  if (asset === undefined) return undefined;
  let text = assetCache.get(asset.file);
  if (text === undefined) {
    text = readFile(ASSET_DIR + asset.file, 'utf8');
    assetCache.set(asset.file, text);
    text.catch(() => assetCache.delete(asset.file));
  }
  return { body: await text, type: asset.type };
}

interface BlockEntry {
  number: number;
  timestampMs: number;
  transactions: number;
  round: number;
  proposer: number;
}

export class DashboardFeed {
  private readonly blocks: BlockEntry[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly view: SequencerView,
    private readonly metrics: DstMetrics,
  ) {
    const head = view.headNumber();
    for (let number = Math.max(1, head - SEEDED_BLOCKS + 1); number <= head; number++) {
      const signed = view.getBlockByNumber(number);
      if (signed !== undefined) this.add(signed);
    }
    this.unsubscribe = view.onBlock((signed) => this.add(signed));
  }

  close(): void {
    this.unsubscribe();
  }

  private add(signed: SignedBlock): void {
    const { header } = signed.block;
    const last = this.blocks[this.blocks.length - 1];
    if (last !== undefined && header.number <= last.number) return;
    this.blocks.push({ number: header.number, timestampMs: Number(header.timestampMs), transactions: signed.block.transactions.length, round: signed.round, proposer: header.proposer });
    if (this.blocks.length > RECENT_BLOCKS) this.blocks.shift();
  }

  /** The `dst_dashboard` result (src/api/README.md has its fields). */
  async snapshot(): Promise<Json> {
    const { view, metrics } = this;
    const now = Date.now();
    const info = view.clusterInfo();
    const health = view.health();
    const activity = view.activity?.();
    // Genesis is not a signed block: no head to show until block 1.
    const head = health.head === 0 ? undefined : view.getBlockByNumber(health.head);
    const recent = this.blocks.filter((block) => block.timestampMs > now - RATE_WINDOW_MS);
    const led = new Map<number, number>();
    for (const block of this.blocks) led.set(block.proposer, (led.get(block.proposer) ?? 0) + 1);
    const invalid = await labelled(metrics.partialsInvalid, 'peer');
    const gossipRejected = await labelled(metrics.gossipRejected, 'peer');
    const signatures = activity?.signatures ?? [];
    const sorted = signatures.map((s) => s.ms).sort((a, b) => a - b);
    const operators = Array.from({ length: info.nodes }, (_, i) => {
      const index = i + 1;
      const seen = activity?.operators[i];
      return {
        index,
        self: index === info.self,
        connected: seen?.connected ?? index === info.self,
        pingMs: seen?.pingMs ?? null,
        clockOffsetMs: seen?.clockOffsetMs ?? null,
        lastCommit: seen?.lastCommit ?? null,
        invalidPartials: invalid.get(String(index)) ?? 0,
        gossipRejected: gossipRejected.get(String(index)) ?? 0,
        proposalsLed: led.get(index) ?? 0,
      };
    });
    return {
      nowMs: now,
      cluster: { chainId: quantity(info.chainId), nodes: info.nodes, threshold: info.threshold, self: info.self, blockTimeMs: info.blockTimeMs, groupPublicKey: prefixedHex(info.groupPublicKey) },
      health: { live: health.live, ready: health.ready, reasons: health.reasons },
      head:
        head === undefined
          ? null
          : { number: health.head, hash: prefixedHex(head.block.hash), timestampMs: Number(head.block.header.timestampMs), transactions: head.block.transactions.length, round: head.round, proposer: head.block.header.proposer },
      rates: {
        windowMs: RATE_WINDOW_MS,
        blocksPerSecond: round2((recent.length * 1000) / RATE_WINDOW_MS),
        transactionsPerSecond: round2((recent.reduce((sum, block) => sum + block.transactions, 0) * 1000) / RATE_WINDOW_MS),
      },
      latency: {
        samples: signatures.map((s) => ({ number: s.number, round: s.round, transactions: s.transactions, ms: s.ms })),
        p50Ms: quantile(sorted, 0.5),
        p99Ms: quantile(sorted, 0.99),
      },
      multiRound: this.blocks.filter((block) => block.round > 1).slice(-20).map((block) => ({ number: block.number, round: block.round, proposer: block.proposer, timestampMs: block.timestampMs })),
      recentBlocks: this.blocks.length,
      operators,
      pool: { transactions: health.mempoolSize, rejected: sum(await labelled(metrics.transactionsRejected, 'reason')) },
      sync: {
        syncing: activity?.syncing ?? false,
        highestPeerHeight: activity?.highestPeerHeight ?? 0,
        target: await single(metrics.syncTarget),
        blocksBySync: await single(metrics.syncBlocks),
      },
    };
  }
}

/** A metric's values summed by one label. */
async function labelled(metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number | undefined> }> }> }, label: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const { value, labels } of (await metric.get()).values) {
    const key = String(labels[label] ?? '');
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

async function single(metric: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}

function sum(values: Map<string, number>): number {
  let total = 0;
  for (const value of values.values()) total += value;
  return total;
}

/** The q-quantile of sorted values (nearest rank), null for none. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
