/**
 * What the devnet knows about its chain, from the nodes' logs (./logs.ts): the first time any node
 * stores a height it becomes one live line; each node's head and exit; and the closing summary
 * (blocks, transactions, transactions per second since every node was up, blocks that needed more than one round, per-node
 * head and exit code).
 */
import type { StoredBlock } from './logs.js';

export interface NodeState {
  /** 1-based node index. */
  index: number;
  /** Highest block number the node has logged storing or syncing to; undefined before any. */
  head: number | undefined;
  /** Exit code, or the signal's name; undefined while it runs. */
  exit: number | string | undefined;
}

export interface DevnetSummary {
  elapsedMs: number;
  /** How long every node had been up (listening, or exited at start) by the end; transactions per second are over this. */
  allUpMs: number;
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
  #transactions = 0;
  #blocksAfterRoundOne = 0;
  #firstHeight: number | undefined;
  #lastHeight: number | undefined;

  constructor(nodes: number) {
    this.#nodes = Array.from({ length: nodes }, (_, i) => ({ index: i + 1, head: undefined, exit: undefined }));
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

  summary(elapsedMs: number, allUpMs: number): DevnetSummary {
    return {
      elapsedMs,
      allUpMs,
      blocks: this.#seen.size,
      firstHeight: this.#firstHeight,
      lastHeight: this.#lastHeight,
      transactions: this.#transactions,
      blocksAfterRoundOne: this.#blocksAfterRoundOne,
      nodes: this.#nodes.map((node) => ({ ...node })),
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

export function formatDevnetSummary(summary: DevnetSummary): string {
  const upSeconds = summary.allUpMs / 1000;
  const heights = summary.blocks === 0 ? '' : ` (heights ${summary.firstHeight}..${summary.lastHeight})`;
  const lines = [
    `devnet summary: ${(summary.elapsedMs / 1000).toFixed(1)} s (all nodes up for ${upSeconds.toFixed(1)} s), ${summary.blocks} blocks${heights}, ` +
      `${summary.transactions} transactions, ${upSeconds > 0 ? (summary.transactions / upSeconds).toFixed(1) : '0.0'} tx/s while all were up, ` +
      `${summary.blocksAfterRoundOne} blocks needed more than one round`,
    ...summary.nodes.map((node) => `  node ${node.index}: head ${node.head ?? 'none'}, exit ${node.exit ?? 'still running'}`),
  ];
  return lines.join('\n');
}
