/**
 * The types a node's parts share (issue 19): its key material, what it reports to a metrics registry,
 * what it uses of the network, and the options a `Sequencer` is made with. Kept apart from the
 * pipeline so that the parts, `startNode` and the simulator import them without importing the loop.
 */
import type { Logger } from 'pino';
import { quorumSize } from '../consensus/index.js';
import type { Block, BlockLimits } from '../chain/index.js';
import type { CryptoExecutor, KeyShare, PublicShare } from '../crypto/index.js';
import type { ClusterHost } from '../p2p/index.js';
import type { PoolLimits } from './admission.js';
import type { Clock } from './clock.js';
import type { FundsCheck } from './funds.js';
import type { NodeStorage } from './storage.js';

/** The key material of this node: its share and what verifies the cluster's signatures. */
export interface NodeKey {
  share: KeyShare;
  publicShares: PublicShare[];
  groupPublicKey: Uint8Array;
  threshold: number;
}

interface CounterLike {
  inc(value?: number): void;
}
interface LabelledCounterLike<L extends string> {
  inc(labels: Partial<Record<L, string>>, value?: number): void;
}
interface HistogramLike {
  observe(value: number): void;
}
interface GaugeLike {
  set(value: number): void;
}

/** What the node reports to a metrics registry (src/api/metrics.ts `DstMetrics` fits). */
export interface SequencerMetrics {
  blocks: CounterLike;
  transactionsIncluded: CounterLike;
  blockProduction: HistogramLike;
  signing: HistogramLike;
  transactionsAccepted: LabelledCounterLike<'source'>;
  transactionsRejected: LabelledCounterLike<'reason' | 'source'>;
  gossipRejected: LabelledCounterLike<'peer' | 'reason'>;
  consensusDuration: HistogramLike;
  consensusRounds: HistogramLike;
  roundTimeouts: CounterLike;
  leader: GaugeLike;
  /** Operators the current height's round-1 leader skips (leader reputation). */
  leaderSkipped: GaugeLike;
  /** The round-1 timeout in effect, seconds. */
  roundTimeout: GaugeLike;
  peersConnected: GaugeLike;
  peerPing: { set(labels: Partial<Record<'peer', string>>, value: number): void; reset(): void };
  peerClockOffset: { set(labels: Partial<Record<'peer', string>>, value: number): void; reset(): void };
  connectionsRefused: LabelledCounterLike<'reason'>;
  partialsReceived: CounterLike;
  partialsInvalid: LabelledCounterLike<'peer'>;
  syncTarget: GaugeLike;
  syncBlocks: CounterLike;
}

/** What a node of a cluster uses of its libp2p host (src/p2p/host.ts); the simulator's network has the same shape. */
export type SequencerNetwork = Pick<
  ClusterHost<Block>,
  | 'self'
  | 'limits'
  | 'connectedPeers'
  | 'pingLatencies'
  | 'clockOffsets'
  | 'connectionsRefused'
  | 'send'
  | 'broadcast'
  | 'onConsensusMessage'
  | 'gossipTransactions'
  | 'onTransactions'
  | 'provideBlocks'
  | 'requestBlocks'
>;

export interface SequencerOptions {
  store: NodeStorage;
  chainId: bigint;
  key: NodeKey;
  /** Cluster size n; the key's shares are 1..n. */
  nodes: number;
  /** Least spacing between blocks in milliseconds; 0 = as fast as the pipeline goes. */
  blockTimeMs: number;
  /** The pool's rules (./admission.ts, src/chain/mempool.ts). */
  pool: PoolLimits;
  block: BlockLimits;
  /** Largest raw transaction accepted, in bytes. */
  maxTransactionBytes: number;
  /** How far a proposal's timestamp may be ahead of this node's clock. */
  maxFutureDriftMs: number;
  logger: Logger;
  /** Where batch crypto runs (senders of proposed blocks and gossip, sync's signatures): the worker pool. */
  executor: CryptoExecutor;
  /** The peers, required when nodes > 1. */
  network?: SequencerNetwork;
  metrics?: SequencerMetrics;
  /** Time and timers; default the system's (./clock.ts). */
  clock?: Clock;
  /** With an execution endpoint: admission's balance check (./funds.ts). */
  funds?: FundsCheck;
}

/** Refuses options a node cannot run with, saying what was expected. */
export function checkOptions(options: SequencerOptions): void {
  const { nodes, key, network } = options;
  if (!Number.isSafeInteger(nodes) || nodes < 1) throw new RangeError(`Sequencer: nodes must be a positive integer, got ${nodes}`);
  const quorum = quorumSize(nodes);
  if (key.threshold < quorum || key.threshold > nodes) {
    throw new RangeError(`Sequencer: threshold must be in ${quorum}..${nodes} (the quorum of ${nodes} nodes up to n), got ${key.threshold}`);
  }
  if (key.publicShares.length !== nodes) throw new RangeError(`Sequencer: expected ${nodes} public shares, got ${key.publicShares.length}`);
  if (nodes > 1 && network === undefined) throw new RangeError(`Sequencer: a cluster of ${nodes} nodes needs a network`);
  if (network !== undefined && network.self !== key.share.index - 1) {
    throw new RangeError(`Sequencer: the network's operator index ${network.self} is not that of share ${key.share.index} (expected ${key.share.index - 1})`);
  }
  if (!Number.isSafeInteger(options.blockTimeMs) || options.blockTimeMs < 0) {
    throw new RangeError(`Sequencer: blockTimeMs must be a non-negative integer, got ${options.blockTimeMs}`);
  }
}
