/**
 * The whole-node simulator's network: an in-memory stand-in for the libp2p host (src/p2p) that gives
 * each node a `SequencerNetwork` endpoint, on the virtual clock and the run's seeded PRNG.
 *
 * Every message (consensus, gossip batch, sync request and response) crosses a link: it is lost if the
 * link is cut (a partition, or either end crashed) when it is sent or when it arrives; otherwise it is
 * dropped with the run's drop rate, delayed by 0..`maxDelayMs` (so messages overtake each other), and
 * duplicated with the duplicate rate. Sync requests and responses share one stream: delayed but not
 * dropped, and failing at once when the link is cut (as a dial or a reset stream would).
 *
 * With a latency profile (src/devnet/latency.ts, the same profiles the geo runs' relay uses) a message
 * from i to j takes the profile's one-way delay d(i, j) instead (plus its jitter, and a stall of
 * max(200 ms, 2·d) with its loss rate, as the relay models a lost TCP segment), and `pingLatencies`
 * answers the profile's round trips, as the host's ping would measure them: the same distances,
 * deterministically.
 *
 * Authentication is the host's business (signed envelopes, src/p2p/consensus-codec.ts) and is taken as
 * given: a message arrives with its true sender. Byzantine nodes are modelled by an `outgoing` hook
 * that rewrites, multiplies or withholds what a node sends (./byzantine.ts).
 */
import { DEFAULT_LIMITS, type BlockProvider } from '../../../src/p2p/index.js';
import type { Block } from '../../../src/chain/index.js';
import type { QbftMessage } from '../../../src/consensus/index.js';
import type { SequencerNetwork } from '../../../src/node/options.js';
import type { Prng } from '../../consensus/sim/prng.js';
import type { Clock } from '../../../src/node/clock.js';
import type { LatencyProfile } from '../../../src/devnet/latency.js';

export interface LinkFaults {
  dropRate: number;
  duplicateRate: number;
  maxDelayMs: number;
}

/** Rewrites what a Byzantine node sends to `to`: the messages actually sent (none, one or several). */
export type OutgoingHook = (message: QbftMessage<Block>, to: number) => QbftMessage<Block>[];

interface Handlers {
  consensus: (message: QbftMessage<Block>, from: number) => void;
  transactions: (transactions: Uint8Array[], from: number) => void;
  blocks: BlockProvider;
}

export class SimNetwork {
  faults: LinkFaults = { dropRate: 0, duplicateRate: 0, maxDelayMs: 5 };
  /** Distances between the nodes; absent: each message 0..faults.maxDelayMs. */
  latency: LatencyProfile | undefined;
  /** The side of the partition each node is on; nodes on different sides cannot talk. */
  private side: number[];
  private readonly up: boolean[];
  private readonly handlers: Array<Handlers | undefined>;
  private readonly outgoing = new Map<number, OutgoingHook>();
  /** Messages delivered, for the run's report. */
  delivered = 0;

  constructor(
    private readonly clock: Clock,
    private readonly prng: Prng,
    readonly nodes: number,
  ) {
    this.side = new Array<number>(nodes).fill(0);
    this.up = new Array<boolean>(nodes).fill(false);
    this.handlers = new Array<Handlers | undefined>(nodes).fill(undefined);
  }

  partition(sides: readonly number[]): void {
    this.side = [...sides];
  }

  heal(): void {
    this.side = this.side.map(() => 0);
  }

  setOutgoing(node: number, hook: OutgoingHook): void {
    this.outgoing.set(node, hook);
  }

  reachable(from: number, to: number): boolean {
    return from !== to && this.up[from]! && this.up[to]! && this.side[from] === this.side[to];
  }

  /** The node's process died: it stops sending and receiving until `attach` is called for its next incarnation. */
  detach(node: number): void {
    this.up[node] = false;
    this.handlers[node] = undefined;
  }

  /** A new endpoint for `node` (its next incarnation). */
  attach(node: number): SequencerNetwork {
    const handlers: Handlers = { consensus: () => {}, transactions: () => {}, blocks: () => [] };
    this.handlers[node] = handlers;
    this.up[node] = true;
    const others = (): number[] => Array.from({ length: this.nodes }, (_, i) => i).filter((i) => this.reachable(node, i));
    const sendConsensus = (to: number, message: QbftMessage<Block>): void => {
      const hook = this.outgoing.get(node);
      for (const m of hook ? hook(message, to) : [message]) this.transmit(node, to, () => this.handlers[to]?.consensus(m, node));
    };
    return {
      self: node,
      limits: DEFAULT_LIMITS,
      connectedPeers: others,
      pingLatencies: () => {
        const latency = this.latency;
        if (latency === undefined) return new Map();
        return new Map(others().map((peer) => [peer, latency.oneWayMs[node]![peer]! + latency.oneWayMs[peer]![node]!]));
      },
      clockOffsets: () => new Map(),
      connectionsRefused: () => ({ notOperator: 0, unknownPeer: 0, overLimit: 0, timedOut: 0 }),
      send: async (to, message) => sendConsensus(to, message),
      broadcast: async (message) => {
        for (let to = 0; to < this.nodes; to++) if (to !== node) sendConsensus(to, message);
      },
      onConsensusMessage: (handler) => void (handlers.consensus = handler),
      gossipTransactions: (transactions) => {
        const batch = [...transactions];
        for (const to of others()) this.transmit(node, to, () => this.handlers[to]?.transactions(batch, node));
      },
      onTransactions: (handler) => void (handlers.transactions = handler),
      provideBlocks: (provider) => void (handlers.blocks = provider),
      requestBlocks: (peer, first, last) => this.request(node, peer, first, Math.min(last, first + DEFAULT_LIMITS.syncMaxBlocks - 1)),
    };
  }

  private transmit(from: number, to: number, deliver: () => void): void {
    if (!this.reachable(from, to)) return;
    const { dropRate, duplicateRate } = this.faults;
    if (this.prng.chance(dropRate)) return;
    const copies = this.prng.chance(duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.clock.after(this.delay(from, to), () => {
        if (!this.reachable(from, to)) return;
        this.delivered++;
        deliver();
      });
    }
  }

  /** One message's delay from `from` to `to`: the profile's (see the module comment), or 0..maxDelayMs. */
  private delay(from: number, to: number): number {
    const latency = this.latency;
    if (latency === undefined) return this.prng.int(0, this.faults.maxDelayMs);
    const oneWay = latency.oneWayMs[from]![to]!;
    let ms = oneWay + (latency.jitterMs > 0 ? this.prng.next() * latency.jitterMs : 0);
    if (latency.lossRate > 0 && this.prng.chance(latency.lossRate)) ms += Math.max(200, 2 * oneWay);
    return ms;
  }

  /**
   * A sync request and its response travel on one stream: reliable while the link holds (no random
   * drops or duplicates), and failing at once when it is cut, as a reset stream would.
   */
  private request(from: number, to: number, first: number, last: number): Promise<Uint8Array[]> {
    const cut = (): Error => new Error(`operator ${to} is not connected`);
    if (!this.reachable(from, to)) return Promise.reject(cut());
    const delay = (): number => this.delay(from, to);
    return new Promise((resolve, reject) => {
      this.clock.after(delay(), () => {
        if (!this.reachable(from, to)) return reject(cut());
        void Promise.resolve(this.handlers[to]?.blocks(first, last) ?? []).then((blocks) => {
          this.clock.after(delay(), () => (this.reachable(from, to) ? resolve(blocks) : reject(cut())));
        });
      });
    });
  }
}
