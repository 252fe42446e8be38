/**
 * What the devnet knows about its chain and its nodes: from the nodes' logs (./logs.ts), the first time
 * any node stores a height it becomes one live line, and each node's head; from the devnet (./devnet.ts),
 * each node's exit and when it went down and came up again (and whether the devnet's own process was
 * serving it then); and the closing summary: blocks, transactions, transactions per second since every
 * node was first up, blocks that needed more than one round, how long all nodes were up (only the time
 * when every one was), and per node its head, exit, downs and who ran it at the end.
 *
 * Times are `performance.now()` milliseconds, given by the caller (so tests can give their own).
 */
import type { StoredBlock } from './logs.js';

export interface NodeState {
  /** 1-based node index. */
  index: number;
  /**
   * Highest block number the node has logged storing or syncing to, or answered as its head to the
   * devnet's probe (a node started by hand); undefined before any.
   */
  head: number | undefined;
  /** Exit code of the devnet's process for it, or the signal's name; undefined while it runs. */
  exit: number | string | undefined;
  /** Whether it is up (its RPC port answers) now, or at the end in a summary. */
  up: boolean;
  /** Whether it was ever up. */
  everUp: boolean;
  /** Who served it when it was last up: the devnet's own process, or another (started by hand); undefined if never up. */
  startedBy: 'devnet' | 'other' | undefined;
  /** Times it went down after having been up. */
  downs: number;
  /** Time spent down after having been up, in ms (up to the end in a summary). */
  downMs: number;
  /** Since when it is down (after having been up); undefined while up or before it was first up. */
  downSince: number | undefined;
}

export interface DevnetSummary {
  elapsedMs: number;
  /** Total time during which every node was up at once. */
  allUpMs: number;
  /** Time from when every node was first up to the end (0 if never); transactions per second are over this. */
  sinceAllUpMs: number;
  /** Whether every node was up at once at some point. */
  everAllUp: boolean;
  /** Heights first stored during this run. */
  blocks: number;
  firstHeight: number | undefined;
  lastHeight: number | undefined;
  transactions: number;
  /** Blocks of this run decided in a round above 1. */
  blocksAfterRoundOne: number;
  nodes: NodeState[];
}

export class ChainTracker {
  readonly #seen = new Set<number>();
  readonly #nodes: NodeState[];
  readonly #startedAt: number;
  #transactions = 0;
  #blocksAfterRoundOne = 0;
  #firstHeight: number | undefined;
  #lastHeight: number | undefined;
  #firstAllUpAt: number | undefined;
  #allUpSince: number | undefined;
  #allUpMs = 0;

  constructor(nodes: number, startedAt = performance.now()) {
    this.#startedAt = startedAt;
    this.#nodes = Array.from({ length: nodes }, (_, i) => ({
      index: i + 1,
      head: undefined,
      exit: undefined,
      up: false,
      everUp: false,
      startedBy: undefined,
      downs: 0,
      downMs: 0,
      downSince: undefined,
    }));
  }

  /** Node `index` answers at `at`, served by the devnet's own process or another; nothing if already up. */
  nodeUp(index: number, at: number, startedBy: 'devnet' | 'other'): void {
    const node = this.node(index);
    node.startedBy = startedBy;
    if (node.up) return;
    node.up = true;
    node.everUp = true;
    if (node.downSince !== undefined) node.downMs += at - node.downSince;
    node.downSince = undefined;
    if (this.#nodes.every((other) => other.up)) {
      this.#allUpSince = at;
      this.#firstAllUpAt ??= at;
    }
  }

  /** Node `index` stopped answering at `at`; nothing if it was not up. */
  nodeDown(index: number, at: number): void {
    const node = this.node(index);
    if (!node.up) return;
    node.up = false;
    node.downs++;
    node.downSince = at;
    if (this.#allUpSince !== undefined) {
      this.#allUpMs += at - this.#allUpSince;
      this.#allUpSince = undefined;
    }
  }

  /** How many nodes are up. */
  get upCount(): number {
    return this.#nodes.filter((node) => node.up).length;
  }

  node(index: number): NodeState {
    return this.#nodes[index - 1]!;
  }

  /** Records that node `index` stored `block`; returns the live line when no node had stored it before. */
  blockStored(index: number, block: StoredBlock): string | undefined {
    this.advanceHead(index, block.number);
    if (this.#seen.has(block.number)) return undefined;
    this.#seen.add(block.number);
    this.#transactions += block.transactions;
    if (block.round > 1) this.#blocksAfterRoundOne++;
    if (this.#firstHeight === undefined || block.number < this.#firstHeight) this.#firstHeight = block.number;
    if (this.#lastHeight === undefined || block.number > this.#lastHeight) this.#lastHeight = block.number;
    return formatBlockLine(block, index);
  }

  /** Node `index` holds the chain up to `head` (a block stored, or sync done). */
  advanceHead(index: number, head: number): void {
    const node = this.node(index);
    if (node.head === undefined || head > node.head) node.head = head;
  }

  /** The summary of the run up to `at` (the open down and all-up periods end there). */
  summary(at: number): DevnetSummary {
    return {
      elapsedMs: at - this.#startedAt,
      allUpMs: this.#allUpMs + (this.#allUpSince === undefined ? 0 : at - this.#allUpSince),
      sinceAllUpMs: this.#firstAllUpAt === undefined ? 0 : at - this.#firstAllUpAt,
      everAllUp: this.#firstAllUpAt !== undefined,
      blocks: this.#seen.size,
      firstHeight: this.#firstHeight,
      lastHeight: this.#lastHeight,
      transactions: this.#transactions,
      blocksAfterRoundOne: this.#blocksAfterRoundOne,
      nodes: this.#nodes.map((node) => ({ ...node, downMs: node.downMs + (node.downSince === undefined ? 0 : at - node.downSince) })),
    };
  }
}

/** `block 12  hash 0xab12…  txs 50  proposer 3  round 1  signed in 4.2 ms  (first on node 2)` */
export function formatBlockLine(block: StoredBlock, firstNode: number): string {
  return [
    `block ${block.number}`,
    `hash ${block.hash.slice(0, 10)}…`,
    `txs ${block.transactions}`,
    `proposer ${block.proposer}`,
    `round ${block.round}`,
    `signed in ${block.timeToSignatureMs.toFixed(1)} ms`,
    `(first on node ${firstNode})`,
  ].join('  ');
}

/**
 * The closing lines: `devnet summary: 42.0 s (all nodes up for 30.5 s, not all up for 8.0 s), 120 blocks
 * (heights 1..120), 900 transactions, 23.6 tx/s since all nodes were first up, 0 blocks needed more than
 * one round`, then a line per node: `  node 2: head 120, exit SIGKILL; down once for 6.1 s; up at the
 * end, not started by the devnet (left running)`. A node never down after it came up gets only its
 * head and exit.
 */
export function formatDevnetSummary(summary: DevnetSummary): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const heights = summary.blocks === 0 ? '' : ` (heights ${summary.firstHeight}..${summary.lastHeight})`;
  const notAllUpMs = summary.sinceAllUpMs - summary.allUpMs;
  const upTimes = !summary.everAllUp
    ? 'never were all nodes up'
    : `all nodes up for ${seconds(summary.allUpMs)}${notAllUpMs > 0 && summary.nodes.some((node) => node.downs > 0) ? `, not all up for ${seconds(notAllUpMs)}` : ''}`;
  const sinceAllUp = summary.sinceAllUpMs / 1000;
  const lines = [
    `devnet summary: ${seconds(summary.elapsedMs)} (${upTimes}), ${summary.blocks} blocks${heights}, ` +
      `${summary.transactions} transactions, ${sinceAllUp > 0 ? (summary.transactions / sinceAllUp).toFixed(1) : '0.0'} tx/s since all nodes were first up, ` +
      `${summary.blocksAfterRoundOne} blocks needed more than one round`,
    ...summary.nodes.map((node) => `  node ${node.index}: head ${node.head ?? 'none'}, exit ${node.exit ?? 'still running'}${formatDowns(node)}`),
  ];
  return lines.join('\n');
}

/** `; down once for 6.1 s; up at the end, not started by the devnet (left running)`, or '' for a node never down. */
function formatDowns(node: NodeState): string {
  const parts: string[] = [];
  if (node.downs > 0) parts.push(`down ${node.downs === 1 ? 'once' : `${node.downs} times`} for ${(node.downMs / 1000).toFixed(1)} s${node.downs > 1 ? ' in all' : ''}`);
  if (node.downs > 0 && !node.up) parts.push('down at the end');
  if (node.up && node.startedBy === 'other') parts.push('up at the end, not started by the devnet (left running)');
  return parts.map((part) => `; ${part}`).join('');
}
