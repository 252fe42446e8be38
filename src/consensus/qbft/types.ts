/**
 * Message, configuration and output types of the QBFT state machine (Moniz, "The Istanbul BFT
 * Consensus Algorithm", arXiv 2002.03613, as used by Charon, SSV and Besu), with the sequencer rule of
 * docs/architecture.md §4: a COMMIT carries its sender's partial signature over the value.
 *
 * Conventions: nodes are indexed 0..n-1; rounds start at 1 (as in the paper); a height is one
 * consensus instance (λ in the paper). Values are opaque to the machine (`V`, e.g. a block); it
 * compares them only through the injected `valueId` (e.g. the block hash as hex). Messages are
 * treated as immutable: the machine stores and forwards the very objects it receives, so a transport
 * that authenticates each message (docs/architecture.md §5 "Wire": every consensus message is signed by its sender) can
 * check justifications embedded in a message as well.
 */

export interface PrePrepare<V> {
  readonly type: 'PRE-PREPARE';
  readonly height: number;
  readonly round: number;
  readonly sender: number;
  readonly value: V;
  /** Required when round > 1: the round-change quorum that started the round, and, if one of those
   * round changes reported a prepared value, the PREPARE quorum proving the highest of them. */
  readonly justification?: PrePrepareJustification<V>;
}

export interface PrePrepareJustification<V> {
  readonly roundChanges: readonly RoundChange<V>[];
  readonly prepares: readonly Prepare[];
}

export interface Prepare {
  readonly type: 'PREPARE';
  readonly height: number;
  readonly round: number;
  readonly sender: number;
  readonly valueId: string;
}

export interface Commit {
  readonly type: 'COMMIT';
  readonly height: number;
  readonly round: number;
  readonly sender: number;
  readonly valueId: string;
  /** The sender's partial signature over (height, round, value); opaque bytes, never checked by the
   * machine. */
  readonly signature: Uint8Array;
}

/** What a node reports about its lock when it asks to change round: the highest round in which it
 * saw a PREPARE quorum, the value, and that quorum as proof. */
export interface PreparedCertificate<V> {
  readonly round: number;
  readonly value: V;
  readonly prepares: readonly Prepare[];
}

export interface RoundChange<V> {
  readonly type: 'ROUND-CHANGE';
  readonly height: number;
  /** The round the sender moves to (≥ 2). */
  readonly round: number;
  readonly sender: number;
  readonly prepared?: PreparedCertificate<V>;
}

/** A COMMIT quorum for a value, sent to a node that is still working on a height others decided. */
export interface Decided<V> {
  readonly type: 'DECIDED';
  readonly height: number;
  /** The round of every COMMIT in `commits`: their partial signatures are over this round. */
  readonly round: number;
  readonly sender: number;
  readonly value: V;
  readonly commits: readonly Commit[];
}

export type QbftMessage<V> = PrePrepare<V> | Prepare | Commit | RoundChange<V> | Decided<V>;

/** Round-timer strategy: how long round `round` lasts before this node asks for a round change. */
export type RoundTimeout = (round: number) => number;

export interface QbftConfig<V> {
  /** This node's index, 0..nodes-1. */
  readonly self: number;
  /** Cluster size n ≥ 1. */
  readonly nodes: number;
  /** The identity of a value (e.g. its hash); two values are the same iff their ids are equal. */
  readonly valueId: (value: V) => string;
  /** The partial signature this node puts on its COMMIT for `value` in `round` of `height` (opaque
   * bytes). It must cover the round (e.g. sign `keccak256(domain ‖ chainId ‖ round ‖ blockHash)`):
   * agreement holds for commit quorums of one round, so partials of different rounds must not combine. */
  readonly signCommit: (height: number, round: number, value: V, valueId: string) => Uint8Array;
  /** The proposer of a round; default round-robin `(height + round) mod n`. Asked only about the height
   * being worked on. Any function every honest node computes alike keeps safety (the node injects leader
   * reputation over its stored chain: reputation.ts). */
  readonly leader?: (height: number, round: number, nodes: number) => number;
  /** Round timeouts; default `linearRoundTimeout()` (see timer.ts). */
  readonly roundTimeout?: RoundTimeout;
}

/**
 * The state a node must keep across a crash for one height. The machine emits it (a `persist`
 * output) before any message whose safety depends on it, and `start(height, state)` restores it.
 */
export interface QbftPersistedState<V> {
  readonly height: number;
  /** The highest round in which this node may have sent a message; on restart it resumes in the
   * next round, so it can never send two different messages of one kind in one round. */
  readonly round: number;
  /** This node's highest prepared round, value and proof, if any: its lock, which it must keep
   * reporting. (Nothing records what it signed: a COMMIT signs its round, and `round` already keeps
   * the node from signing twice in one round.) */
  readonly prepared?: PreparedCertificate<V>;
}

export interface Decision<V> {
  readonly height: number;
  /** The round of the COMMIT quorum: the caller verifies and combines the partial signatures against
   * this round's signing root. */
  readonly round: number;
  readonly value: V;
  readonly valueId: string;
  /** A COMMIT quorum for the value (distinct senders, one round): its partial signatures combine into
   * the cluster's signature. */
  readonly commits: readonly Commit[];
}

/**
 * What the caller must do, in order. `persist` outputs must be durable before any later output of the
 * same call is acted on.
 */
export type QbftOutput<V> =
  /** Send to every other node. */
  | { readonly kind: 'broadcast'; readonly message: QbftMessage<V> }
  /** Send to one node. */
  | { readonly kind: 'send'; readonly to: number; readonly message: QbftMessage<V> }
  /** Write durably (replacing the previous state) before acting on the outputs that follow. */
  | { readonly kind: 'persist'; readonly state: QbftPersistedState<V> }
  /** Cancel this node's round timer and arm it to call `timeout(height, round)` after `afterMs`. */
  | { readonly kind: 'timer'; readonly height: number; readonly round: number; readonly afterMs: number }
  /** Check the value (possibly asynchronously) and answer with `validated(height, valueId, ok)`. */
  | { readonly kind: 'validate'; readonly height: number; readonly valueId: string; readonly value: V }
  /** This node leads a round and needs its own value: answer with `propose(height, value)`. */
  | { readonly kind: 'need-value'; readonly height: number; readonly round: number }
  /** The height is decided; stop the round timer. */
  | { readonly kind: 'decide'; readonly decision: Decision<V> };
