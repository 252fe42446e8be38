/**
 * The peer tracker (issue 19): what this node knows of its peers' progress from their consensus
 * messages, and the decisions that follow from it.
 *
 * - **When the next height starts for peers** (`peerStarted`): on a PRE-PREPARE for head + 1 from the
 *   leader its round names, or once f + 1 peers (at least one honest) sent anything of a later height.
 *   Never more than the next height (later ones are sync's business), and no single other node can make
 *   this one start heights (and sign empty blocks) at will — except a leader, once per round it leads.
 * - **When to sync** (`observe` → `syncDue`): a peer's message `SYNC_LAG_HEIGHTS` or more above the
 *   head. One height ahead is normal (peers decided the height this node is finishing); two ahead
 *   happens while a decision is in flight; three means peers stored blocks this node lacks.
 * - **Clock truth** (issue 12): the median of the peers' clock offsets (measured by the host over
 *   `/dst/time/2`) is how far this node's clock is off against the cluster; beyond `clockToleranceMs` —
 *   the same tolerance proposals' timestamps get (`maxFutureDriftMs`) — the node is not ready, and a
 *   warning is logged when it crosses the tolerance either way.
 * - The highest height any peer has shown (for health), and the peer gauges (connected, ping, clock
 *   offset, refused connections), refreshed every second.
 * - **Quorum watch** (`startQuorumWatch`, issue 17): checked every second; once the node has had a quorum
 *   connected (itself included), losing it is a warning with how many peers are connected and how many
 *   are needed — no block can be signed meanwhile — and its return is logged too.
 */
import { faultTolerance, type QbftMessage } from '../consensus/index.js';
import type { Block } from '../chain/index.js';
import type { Logger } from 'pino';
import type { Clock, Timer } from './clock.js';
import type { SequencerMetrics, SequencerNetwork } from './options.js';

/** See the module comment. */
const SYNC_LAG_HEIGHTS = 3;
/** How often the peer gauges are refreshed. */
const PEER_METRICS_INTERVAL_MS = 1_000;
/** How often the quorum watch counts the connected peers. */
const QUORUM_CHECK_INTERVAL_MS = 1_000;

export class PeerTracker {
  /** The next height, once peers have started it. */
  private startedHeight = 0;
  /** Peers seen working on the next height (only head + 1 is kept). */
  private onNext: { height: number; peers: Set<number> } = { height: 0, peers: new Set() };
  private highest = 0;
  private metricsTimer: Timer | undefined;
  private quorumTimer: Timer | undefined;
  /** undefined until a quorum was first connected; then whether it is now. */
  private hasQuorum: boolean | undefined;
  private clockWasOff = false;
  /** Refused connections counted into the metrics so far, by reason. */
  private readonly refusedReported = new Map<string, number>();

  constructor(
    private readonly nodes: number,
    private readonly network: SequencerNetwork,
    private readonly clockToleranceMs: number,
    private readonly logger: Logger,
    /** The 0-based leader of (height, round): the leader schedule (./leaders.ts), asked about head + 1 only. */
    private readonly leaderOf: (height: number, round: number) => number,
  ) {}

  /**
   * How far this node's clock is off against the cluster, in ms (positive: behind the peers): the
   * median of the peers' measured offsets, undefined before any is measured.
   */
  clockSkewMs(): number | undefined {
    const offsets = [...this.network.clockOffsets().values()].sort((a, b) => a - b);
    if (offsets.length === 0) return undefined;
    const middle = offsets.length >> 1;
    return offsets.length % 2 === 1 ? offsets[middle]! : (offsets[middle - 1]! + offsets[middle]!) / 2;
  }

  /** The highest height of any peer's message seen. */
  get highestPeerHeight(): number {
    return this.highest;
  }

  connectedPeers(): number {
    return this.network.connectedPeers().length;
  }

  /**
   * Why this node is not ready as far as its peers go: fewer than a quorum connected (itself
   * included), the start-up sync not done, or peers ahead while it syncs (a sync a round timeout asked
   * for, with no peer ahead, does not make it "behind").
   */
  problems(quorum: number, head: number, joining: boolean, syncing: boolean): string[] {
    const reasons: string[] = [];
    const connected = this.connectedPeers();
    if (connected + 1 < quorum) reasons.push(`${connected} of ${this.nodes - 1} peers connected: a quorum of ${quorum} nodes needs ${quorum - 1}`);
    if (joining) reasons.push('syncing with peers before joining consensus');
    else if (syncing && this.highest > head + 1) reasons.push(`behind: peers are at height ${this.highest}, this node's head is ${head}; syncing`);
    const skew = this.clockSkewMs();
    if (skew !== undefined && Math.abs(skew) > this.clockToleranceMs) reasons.push(clockReason(skew, this.clockToleranceMs));
    return reasons;
  }

  /** Notes a peer's message given this node's head; returns whether it shows this node behind enough to sync. */
  observe(message: QbftMessage<Block>, from: number, head: number): { syncDue: boolean; startedNext: boolean } {
    const { height } = message;
    if (height > this.highest) this.highest = height;
    const syncDue = height >= head + SYNC_LAG_HEIGHTS;
    const startedNext = height > head && this.noteStart(message, from, head + 1);
    return { syncDue, startedNext };
  }

  /** Whether peers have started height `next` (head + 1). */
  peerStarted(next: number): boolean {
    return this.startedHeight >= next;
  }

  startMetrics(clock: Clock, metrics: SequencerMetrics): void {
    this.metricsTimer = clock.every(PEER_METRICS_INTERVAL_MS, () => {
      metrics.peersConnected.set(this.network.connectedPeers().length);
      metrics.peerPing.reset();
      for (const [peer, ms] of this.network.pingLatencies()) metrics.peerPing.set({ peer: String(peer + 1) }, ms / 1000);
      metrics.peerClockOffset.reset();
      for (const [peer, ms] of this.network.clockOffsets()) metrics.peerClockOffset.set({ peer: String(peer + 1) }, ms / 1000);
      for (const [reason, count] of Object.entries(this.network.connectionsRefused())) {
        const delta = count - (this.refusedReported.get(reason) ?? 0);
        if (delta > 0) metrics.connectionsRefused.inc({ reason: reason.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }, delta);
        this.refusedReported.set(reason, count);
      }
      this.noteClock();
    });
  }

  /** Logs a warning when the clock crosses the tolerance, and when it is back within it. */
  private noteClock(): void {
    const skew = this.clockSkewMs();
    const off = skew !== undefined && Math.abs(skew) > this.clockToleranceMs;
    if (off && !this.clockWasOff) this.logger.warn({ skewMs: Math.round(skew!), toleranceMs: this.clockToleranceMs }, clockReason(skew!, this.clockToleranceMs));
    if (!off && this.clockWasOff) this.logger.info({ skewMs: skew === undefined ? undefined : Math.round(skew) }, 'the clock agrees with the cluster again');
    this.clockWasOff = off;
  }

  /** Starts the quorum watch (see the module comment) for a quorum of `quorum` nodes. */
  startQuorumWatch(clock: Clock, quorum: number): void {
    this.quorumTimer?.cancel();
    this.quorumTimer = clock.every(QUORUM_CHECK_INTERVAL_MS, () => this.noteQuorum(quorum));
  }

  /** Logs a lost quorum (warn) and its return (info); before a first quorum, nothing. */
  noteQuorum(quorum: number): void {
    const connected = this.connectedPeers();
    const now = connected + 1 >= quorum;
    const counts = { connected, peers: this.nodes - 1, needed: quorum - 1, quorum };
    if (this.hasQuorum === true && !now) {
      this.logger.warn(counts, `quorum lost: ${connected} of ${this.nodes - 1} peers connected, a quorum of ${quorum} nodes needs ${quorum - 1}; no block can be signed until enough reconnect`);
    } else if (this.hasQuorum === false && now) {
      this.logger.info(counts, `quorum back: ${connected} of ${this.nodes - 1} peers connected (a quorum needs ${quorum - 1}); blocks can be signed again`);
    }
    if (this.hasQuorum !== undefined || now) this.hasQuorum = now;
  }

  /** Whether a quorum is connected, as of the last check; undefined before the first quorum. */
  get quorumConnected(): boolean | undefined {
    return this.hasQuorum;
  }

  stop(): void {
    this.metricsTimer?.cancel();
    this.quorumTimer?.cancel();
  }

  /** True when this message made peers' start of `next` known. */
  private noteStart(message: QbftMessage<Block>, from: number, next: number): boolean {
    if (this.startedHeight >= next) return false;
    const byLeader = message.type === 'PRE-PREPARE' && message.height === next && this.leaderOf(message.height, message.round) === from;
    if (this.onNext.height !== next) this.onNext = { height: next, peers: new Set() };
    this.onNext.peers.add(from);
    if (!byLeader && this.onNext.peers.size < faultTolerance(this.nodes) + 1) return false;
    this.startedHeight = next;
    return true;
  }
}

function clockReason(skewMs: number, toleranceMs: number): string {
  const side = skewMs > 0 ? 'behind' : 'ahead of';
  return `clock off by ${(Math.abs(skewMs) / 1000).toFixed(1)} s against the cluster (${side} the peers' median; tolerance ${toleranceMs / 1000} s): its proposals or its peers' are refused as out of time`;
}
