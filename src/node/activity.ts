/**
 * What the live dashboard (GET /dashboard, src/api/dashboard.ts) shows of a node that neither the
 * chain nor the metrics hold (issue 17): for each operator the last COMMIT partial this node saw from
 * it (height, round, how long ago: its own included), and for each block this node decided and
 * combined, the time from the proposal to the verified group signature (the `timeToSignatureMs` of
 * its "block signed and stored" line) with the block's round and transaction count.
 *
 * Bounded: the last `RECENT_SIGNATURES` blocks, one entry per operator. Fed by the sequencer
 * (sequencer.ts: `noteCommit` wherever a COMMIT is recorded, `noteSigned` after a consensus commit);
 * read with `snapshot`, which adds what the network knows now (connected, ping, clock offset).
 * Times are the node clock's `monotonic()` (./clock.ts).
 */
import type { Clock } from './clock.js';

/** Blocks whose proposal → signature time is kept. */
export const RECENT_SIGNATURES = 240;

export interface OperatorActivity {
  /** 1-based share index. */
  index: number;
  self: boolean;
  /** Connected to this node now (this node itself: always). */
  connected: boolean;
  /** Last ping round trip, ms; null when not connected or not measured (and for this node). */
  pingMs: number | null;
  /** The operator's clock minus this node's, ms; null when not measured. */
  clockOffsetMs: number | null;
  /** The latest COMMIT partial seen from it (by height, then round), and how long ago it came. */
  lastCommit: { height: number; round: number; agoMs: number } | null;
}

export interface SignatureTiming {
  number: number;
  round: number;
  transactions: number;
  /** Proposal seen (or built) → group signature verified, ms. */
  ms: number;
}

export interface NodeActivity {
  operators: OperatorActivity[];
  /** Oldest first; blocks stored by sync have none. */
  signatures: SignatureTiming[];
  /** The highest height seen in a peer's consensus message (0 for a single node). */
  highestPeerHeight: number;
  /** A sync is running. */
  syncing: boolean;
}

/** What the network tells about peers (a subset of SequencerNetwork), 0-based operator indices. */
export interface PeerView {
  connectedPeers(): number[];
  pingLatencies(): ReadonlyMap<number, number>;
  clockOffsets(): ReadonlyMap<number, number>;
}

export class ActivityLog {
  /** By 0-based sender. */
  private readonly commits = new Map<number, { height: number; round: number; at: number }>();
  private readonly signatures: SignatureTiming[] = [];

  constructor(
    private readonly nodes: number,
    /** This node's 0-based index. */
    private readonly self: number,
    private readonly clock: Clock,
  ) {}

  /** A COMMIT of `sender` (0-based) at (height, round); only a later one than the last replaces it. */
  noteCommit(sender: number, height: number, round: number): void {
    const last = this.commits.get(sender);
    if (last !== undefined && (last.height > height || (last.height === height && last.round > round))) return;
    this.commits.set(sender, { height, round, at: this.clock.monotonic() });
  }

  /** A block decided and combined here; `ms` undefined when the proposal's time is not known. */
  noteSigned(number: number, round: number, transactions: number, ms: number | undefined): void {
    if (ms === undefined) return;
    this.signatures.push({ number, round, transactions, ms: Math.round(ms * 100) / 100 });
    if (this.signatures.length > RECENT_SIGNATURES) this.signatures.shift();
  }

  snapshot(network: PeerView | undefined, highestPeerHeight: number, syncing: boolean): NodeActivity {
    const now = this.clock.monotonic();
    const connected = new Set(network?.connectedPeers() ?? []);
    const pings = network?.pingLatencies();
    const offsets = network?.clockOffsets();
    const operators: OperatorActivity[] = [];
    for (let i = 0; i < this.nodes; i++) {
      const commit = this.commits.get(i);
      const self = i === this.self;
      operators.push({
        index: i + 1,
        self,
        connected: self || connected.has(i),
        pingMs: self ? null : round2(pings?.get(i)),
        clockOffsetMs: self ? null : round2(offsets?.get(i)),
        lastCommit: commit === undefined ? null : { height: commit.height, round: commit.round, agoMs: Math.round(now - commit.at) },
      });
    }
    return { operators, signatures: [...this.signatures], highestPeerHeight, syncing };
  }
}

function round2(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 100) / 100;
}
