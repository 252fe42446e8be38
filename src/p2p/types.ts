/**
 * The public types of the cluster's libp2p host (issue 7, "Networking"): what `createClusterHost`
 * takes and what it returns. Exported through host.ts and index.ts; the modules that make the host
 * (connections.ts, streams.ts, protocols/) use them too.
 */
import type { PrivateKey } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { QbftMessage } from '../consensus/qbft/types.js';
import type { ConnectionsRefused } from './admission.js';
import type { ValueCodec } from './consensus-codec.js';
import type { ClusterLimits } from './limits.js';

export type { ConnectionsRefused } from './admission.js';

export interface ClusterPeer {
  /** Operator index, 0..n-1 (the QBFT node index). */
  readonly index: number;
  /** The operator's libp2p peer id (base58 string), derived from its Ed25519 identity key. */
  readonly peerId: string;
  /** Where to dial it (multiaddrs, e.g. `/ip4/10.0.0.2/tcp/9000`); inbound admission accepts its connections from these. */
  readonly addrs: readonly string[];
  /**
   * Dial it here instead, and nowhere else (not even at addresses it announces over identify): a relay
   * or tunnel in front of it (the geo runs' delaying relay, src/devnet/relay.ts). Admission still
   * checks `addrs`.
   */
  readonly dialAddrs?: readonly string[];
}

export interface ClusterHostOptions<V = unknown> {
  /** This node's Ed25519 identity key (its peer id; signs its consensus messages). */
  readonly identity: PrivateKey;
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/9000` (port 0 picks a free port). */
  readonly listen: readonly string[];
  /** Every operator of the cluster, this node included (found by its peer id). */
  readonly peers: readonly ClusterPeer[];
  /** Frame sizes, sync batch, and who may connect (`acceptFrom`: 'operators' by default, 'any' for
   * operators behind NAT) within which caps (limits.ts has each default and its reason). */
  readonly limits?: Partial<ClusterLimits>;
  /** This node's wall clock, ms since the epoch, as the clock protocol (`/dst/time/2`) answers and measures with it
   * (default `Date.now`; tests shift it). */
  readonly now?: () => number;
  /** How consensus values travel (default: as they are, msgpack-encoded); see consensus-codec.ts. */
  readonly values?: ValueCodec<V>;
  readonly logger?: Logger;
}

/** Counters of what peers did wrong (for metrics and tests). */
export interface ClusterHostCounters {
  /** Frames that were oversized or not decodable, by protocol id; each closed its stream. */
  readonly malformedFrames: Record<string, number>;
  /** Consensus messages dropped for a bad signature or a sender that is not the connection's peer. */
  readonly rejectedConsensusMessages: number;
  /** Messages not delivered because the peer was not connected or the stream failed. */
  readonly undeliveredMessages: number;
}

export type ConsensusHandler<V> = (message: QbftMessage<V>, from: number) => void;
export type TransactionsHandler = (transactions: Uint8Array[], from: number) => void;
/** Signed blocks `from..to` (inclusive, already clamped to the K limit), as encoded bytes; fewer if
 * this node does not have them all. */
export type BlockProvider = (from: number, to: number) => Promise<Uint8Array[]> | Uint8Array[];

export interface ClusterHost<V> {
  readonly self: number;
  readonly peerId: string;
  /** The limits in force (defaults merged with the options'); sync asks for `syncMaxBlocks` at a time. */
  readonly limits: ClusterLimits;
  /** The addresses the host listens on (with the ports actually bound). */
  listenAddresses(): string[];
  /** Indices of the operators currently connected. */
  connectedPeers(): number[];
  /** The latest heartbeat round trip in ms (`/dst/time/2`, every 5 s), by operator index (connected
   * operators that answer only). */
  pingLatencies(): ReadonlyMap<number, number>;
  /**
   * Each connected operator's clock minus ours in ms, by operator index (positive: the peer's clock
   * is ahead): of its last 8 samples (one every 5 s) the one with the least round trip, accurate to
   * half that round trip. Operators not connected or not measured yet are absent.
   */
  clockOffsets(): ReadonlyMap<number, number>;
  /**
   * One `/dst/time/2` request to connected operator `peer` now, not kept among the samples above: the
   * peer's clock minus ours and the round trip, in ms (rejects when it is not connected or does not
   * answer within 2 s). For pre-flight measurements (`dst test peers`).
   */
  measureClock(peer: number): Promise<{ offset: number; roundTrip: number }>;
  /** Inbound connections this host closed, by reason, since it started (admission.ts). */
  connectionsRefused(): ConnectionsRefused;
  counters(): ClusterHostCounters;

  /** Send a QBFT message to one operator (dropped and counted if it is not connected). */
  send(to: number, message: QbftMessage<V>): Promise<void>;
  /** Send a QBFT message to every other operator. */
  broadcast(message: QbftMessage<V>): Promise<void>;
  onConsensusMessage(handler: ConsensusHandler<V>): void;

  /** Queue raw transactions for gossip to every other operator (sent in batches). */
  gossipTransactions(transactions: readonly Uint8Array[]): void;
  onTransactions(handler: TransactionsHandler): void;

  /** Answer sync requests from this provider. */
  provideBlocks(provider: BlockProvider): void;
  /** Ask operator `peer` for signed blocks `first..last` (inclusive); it returns at most K. */
  requestBlocks(peer: number, first: number, last: number): Promise<Uint8Array[]>;

  stop(): Promise<void>;
}
