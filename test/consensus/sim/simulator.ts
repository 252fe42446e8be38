/**
 * Deterministic simulator for the QBFT state machine (src/consensus/qbft): n machines on a virtual
 * clock, a network with per-link delays, drops, duplicates, reordering and a partition that heals at
 * the global stabilisation time (GST), crashes with restarts from persisted state (or, to show what
 * that state is for, without it), asynchronous validation and value building, and Byzantine nodes.
 *
 * Authentication is modelled as the transport would do it with signatures: a message, or one embedded
 * in a justification, that names an honest sender must be one that sender really sent (the very
 * object). Byzantine nodes sign whatever they make under their own index, and replay or embed
 * anything they have received.
 *
 * Invariants are checked as the run goes and at its end (`violations`): agreement, validity, the
 * decision's COMMIT quorum (one round's, signed over that round), one vote per round (an honest node
 * never sends two different messages of one kind in one round, across restarts), that at most one
 * value per height can gather a threshold of partial signatures in any round (partials are over
 * (height, round, value) and combine only within one round), the lock lemma (no honest PREPARE for
 * another value after f + 1 honest nodes prepared one), and termination after GST within a bounded
 * number of rounds — every honest node decides every height.
 */
import { QbftMachine, quorumSize, faultTolerance, linearRoundTimeout, LeaderReputation, roundRobinLeader } from '../../../src/consensus/index.js';
import type {
  Commit, Decision, Prepare, PrePrepare, QbftMessage, QbftOutput, QbftPersistedState, RoundChange, RoundTimeout,
} from '../../../src/consensus/index.js';
import { Prng } from './prng.js';
import { EventQueue } from './queue.js';

/** Values are strings `v|height|proposer|nonce` (valid) or `x|…` (invalid); ids are `#` + value. */
export type Value = string;
export const valueId = (v: Value): string => `#${v}`;
export const isValidValue = (v: Value, height: number): boolean => v.startsWith(`v|${height}|`);
/** The builder of a value (`v|height|proposer|…`), 0-based: what a block header's proposer says. */
export const proposerOf = (v: Value): number => Number(v.split('|')[2]);
const encoder = new TextEncoder();
/** The partial signature a node's key share would make over (height, round, value); checked against
 * each decision's COMMITs. */
export const partialSignature = (node: number, height: number, round: number, id: string): Uint8Array =>
  encoder.encode(`${node}/${height}/${round}/${id}`);

export type ByzantineBehaviour =
  | 'silent' // sends nothing at all
  | 'withhold-commits' // takes part in everything but never sends a COMMIT or a DECIDED
  | 'equivocate' // different values to different peers, as leader and in its votes
  | 'commit-unprepared' // COMMITs for values nobody prepared
  | 'forge' // PRE-PREPAREs and ROUND-CHANGEs with forged or stale justifications
  | 'replay' // replays old messages of others
  | 'fuzz'; // random well-formed messages

export interface Crash {
  node: number;
  atMs: number;
  downMs: number;
  /** Restart WITHOUT the persisted consensus state (the one thing that may break safety). */
  amnesia?: boolean;
  /** Crash in the middle of acting on the outputs of the node's next call that persists something,
   * after a random prefix of them. */
  midCall?: boolean;
}

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Heights 1..heights are decided in sequence. */
  heights: number;
  byzantine?: ReadonlyMap<number, readonly ByzantineBehaviour[]>;
  /** Each link's maximum one-way delay is drawn in [0, maxLinkDelayMs]; each message in [0, that]. */
  maxLinkDelayMs?: number;
  dropRate?: number;
  duplicateRate?: number;
  /** Two sides that cannot talk before GST. */
  partition?: readonly number[];
  gstMs?: number;
  crashes?: readonly Crash[];
  /** Scripted scenarios: drop a message (true) on its way from → to. */
  drop?: (from: number, to: number, message: QbftMessage<Value>) => boolean;
  /** Called with a line per delivery and per output, to follow a replayed run. */
  trace?: (line: string) => void;
  /** Stop after this much virtual time past GST. */
  maxMsAfterGst?: number;
  /** Leader reputation (src/consensus/qbft/reputation.ts) with this window, each node computing it from
   * its own decided chain (the builder of each decided value as the block's proposer); absent: round-robin. */
  reputationWindow?: number;
  /** Every node's round timer; default `linearRoundTimeout()`. */
  roundTimeout?: RoundTimeout;
  /** Intervals in which everything a node sends is lost (its outbound link is down; it still receives
   * and follows the chain): a leader that is dead to the others, and alive again after `toMs`. */
  mute?: readonly { node: number; fromMs: number; toMs: number }[];
  /** Extra one-way delay on everything a node sends (a slow node). */
  slow?: ReadonlyMap<number, number>;
}

export interface SimReport {
  seed: number;
  violations: string[];
  /** node → height → decided value. */
  decisions: Map<number, Map<number, Value>>;
  /** height → highest round any honest node reached. */
  maxRound: Map<number, number>;
  /** height → round of the first honest decision. */
  decidedRound: Map<number, number>;
  /** Round timers of honest nodes that fired while their height was undecided. */
  honestTimeouts: number;
  delivered: number;
  endMs: number;
}

type SimEvent =
  | { kind: 'deliver'; from: number; to: number; message: QbftMessage<Value> }
  | { kind: 'timer'; node: number; life: number; gen: number; height: number; round: number }
  | { kind: 'validated'; node: number; life: number; height: number; valueId: string; ok: boolean }
  | { kind: 'value'; node: number; life: number; height: number }
  | { kind: 'start'; node: number; life: number; height: number }
  | { kind: 'crash'; crash: Crash }
  | { kind: 'restart'; crash: Crash }
  | { kind: 'fuzz'; node: number };

interface SimNode {
  index: number;
  behaviours: readonly ByzantineBehaviour[] | undefined;
  machine: QbftMachine<Value>;
  up: boolean;
  /** Incremented on every restart; events of an earlier life are ignored. */
  life: number;
  timerGen: number;
  /** A crash to happen while acting on the outputs of the next call. */
  crashMidCall: Crash | undefined;
  /** The node's disk: the last persisted consensus state, and the decided chain. */
  persisted: QbftPersistedState<Value> | undefined;
  chain: Map<number, Decision<Value>>;
  nonce: number;
  /** Byzantine only: messages seen, for replays and forged justifications. */
  seen: QbftMessage<Value>[];
}

/** Messages a Byzantine node keeps of what it receives, for replays and forgeries. */
const MAX_SEEN = 256;
/** The first round whose default timeout covers five message delays (round-change skew, ROUND-CHANGE,
 * PRE-PREPARE, PREPARE, COMMIT) of at most `maxDelayMs`; see `checkTermination`. */
const roundsToOutgrowDelays = (maxDelayMs: number, timeout: RoundTimeout): number => {
  let r = 1;
  while (timeout(r) < 5 * maxDelayMs) r++;
  return r;
};

export function simulate(options: SimOptions): SimReport {
  const sim = new Simulation(options);
  return sim.run();
}

class Simulation {
  private readonly rng: Prng;
  private readonly n: number;
  private readonly f: number;
  private readonly quorum: number;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly linkMax: number[][] = [];
  private readonly honestSent = new WeakSet<object>();
  private readonly byzantineSent = new WeakSet<object>();
  private readonly proposed = new Set<Value>();
  /** `node|height|round|type` → what the honest node sent (see `checkOneVotePerRound`). */
  private readonly votes = new Map<string, string>();
  /** `height|round|valueId` → honest nodes that prepared it; height → (round, value) f + 1 honest prepared. */
  private readonly preparedBy = new Map<string, Set<number>>();
  private readonly locks = new Map<number, { round: number; valueId: string }[]>();
  /** height → `round|valueId` → honest nodes whose partial signature is on it. */
  private readonly signers = new Map<number, Map<string, Set<number>>>();
  private readonly reportedTwoSignatures = new Set<number>();
  private readonly firstDecision = new Map<number, Value>();
  private readonly decidedRound = new Map<number, number>();
  private honestTimeouts = 0;
  private readonly maxRound = new Map<number, number>();
  private readonly roundAtGst = new Map<number, number>();
  private readonly violations: string[] = [];
  private readonly gst: number;
  private readonly partition: Set<number> | undefined;
  private now = 0;
  private delivered = 0;
  private readonly maxValidationMs = 50;

  constructor(private readonly o: SimOptions) {
    this.rng = new Prng(o.seed);
    this.n = o.nodes;
    this.f = faultTolerance(o.nodes);
    this.quorum = quorumSize(o.nodes);
    this.gst = o.gstMs ?? 0;
    this.partition = o.partition ? new Set(o.partition) : undefined;
    const maxLink = o.maxLinkDelayMs ?? 750;
    for (let i = 0; i < this.n; i++) {
      this.linkMax.push(Array.from({ length: this.n }, () => this.rng.int(0, maxLink)));
    }
    for (let i = 0; i < this.n; i++) {
      this.nodes.push({
        index: i, behaviours: o.byzantine?.get(i), machine: this.newMachine(i), up: true, life: 0, timerGen: 0, crashMidCall: undefined,
        persisted: undefined, chain: new Map(), nonce: 0, seen: [],
      });
    }
  }

  private isHonest(i: number): boolean {
    return this.nodes[i]!.behaviours === undefined;
  }

  private has(node: SimNode, b: ByzantineBehaviour): boolean {
    return node.behaviours?.includes(b) ?? false;
  }

  private newMachine(i: number): QbftMachine<Value> {
    const window = this.o.reputationWindow;
    // The node's own decided chain, read when the machine asks (always about its current height).
    const reputation = window === undefined ? undefined : new LeaderReputation(this.n, window, (h) => proposerOf(this.nodes[i]!.chain.get(h)!.value) + 1);
    return new QbftMachine<Value>({
      self: i, nodes: this.n, valueId, signCommit: (height, round, _value, id) => partialSignature(i, height, round, id),
      leader: reputation && ((height, round) => reputation.leader(height, round)),
      roundTimeout: this.o.roundTimeout,
    });
  }

  /** Whom `node` takes for the leader of (height, round): its rule where its chain reaches, else round-robin. */
  private leaderFor(node: SimNode, height: number, round: number): number {
    const window = this.o.reputationWindow;
    if (window === undefined || height > node.machine.height || height < 1) return roundRobinLeader(height, round, this.n);
    return new LeaderReputation(this.n, window, (h) => proposerOf(node.chain.get(h)!.value) + 1).leader(height, round);
  }

  run(): SimReport {
    for (const c of this.o.crashes ?? []) this.queue.push(c.atMs, { kind: 'crash', crash: c });
    for (const node of this.nodes) {
      this.handle(node, node.machine.start(1));
      if (this.has(node, 'fuzz') || this.has(node, 'forge') || this.has(node, 'replay')) this.queue.push(this.rng.int(0, 300), { kind: 'fuzz', node: node.index });
    }
    const stopAt = this.gst + (this.o.maxMsAfterGst ?? 600_000);
    let gstSeen = false;
    for (;;) {
      if (!gstSeen && (this.queue.peekTime() ?? Infinity) >= this.gst) {
        gstSeen = true;
        this.recordRoundsAtGst();
      }
      if (this.allHonestDone()) break;
      const next = this.queue.pop();
      if (next === undefined || next.at > stopAt) break;
      this.now = next.at;
      this.step(next.event);
    }
    if (!gstSeen) this.recordRoundsAtGst();
    this.checkTermination();
    const decisions = new Map<number, Map<number, Value>>();
    for (const node of this.nodes) decisions.set(node.index, new Map(Array.from(node.chain, ([h, d]) => [h, d.value])));
    return {
      seed: this.o.seed, violations: this.violations, decisions, maxRound: this.maxRound, decidedRound: this.decidedRound,
      honestTimeouts: this.honestTimeouts, delivered: this.delivered, endMs: this.now,
    };
  }

  private allHonestDone(): boolean {
    for (const node of this.nodes) {
      if (this.isHonest(node.index) && !node.chain.has(this.o.heights)) return false;
    }
    return true;
  }

  private step(e: SimEvent): void {
    switch (e.kind) {
      case 'deliver': {
        const node = this.nodes[e.to]!;
        if (!node.up) return;
        this.delivered++;
        if (this.o.trace) this.o.trace(`${this.now} node ${e.to} <- ${e.from} ${show(e.message)}`);
        if (node.behaviours !== undefined) {
          node.seen.push(e.message);
          if (node.seen.length > MAX_SEEN) node.seen.shift();
        }
        this.handle(node, node.machine.receive(e.message));
        if (this.has(node, 'commit-unprepared') && e.message.type === 'PRE-PREPARE') this.commitUnprepared(node, e.message);
        return;
      }
      case 'timer': {
        const node = this.nodes[e.node]!;
        if (node.up && node.life === e.life && node.timerGen === e.gen) {
          if (this.isHonest(node.index) && node.machine.height === e.height && node.machine.decision === undefined) this.honestTimeouts++;
          this.handle(node, node.machine.timeout(e.height, e.round));
        }
        return;
      }
      case 'validated': {
        const node = this.nodes[e.node]!;
        if (node.up && node.life === e.life) this.handle(node, node.machine.validated(e.height, e.valueId, e.ok));
        return;
      }
      case 'value': {
        const node = this.nodes[e.node]!;
        if (!node.up || node.life !== e.life) return;
        const value = `v|${e.height}|${node.index}|${node.life}.${node.nonce++}`;
        this.handle(node, node.machine.propose(e.height, value));
        return;
      }
      case 'start': {
        const node = this.nodes[e.node]!;
        if (node.up && node.life === e.life && node.machine.height < e.height) this.handle(node, node.machine.start(e.height));
        return;
      }
      case 'crash': {
        const node = this.nodes[e.crash.node]!;
        if (e.crash.midCall) node.crashMidCall = e.crash;
        else this.crash(node, e.crash);
        return;
      }
      case 'restart': {
        const node = this.nodes[e.crash.node]!;
        node.up = true;
        node.life++;
        node.machine = this.newMachine(node.index);
        let height = 1;
        while (node.chain.has(height)) height++;
        for (const decision of node.chain.values()) node.machine.restoreDecision(decision);
        const state = e.crash.amnesia ? undefined : node.persisted;
        this.handle(node, node.machine.start(height, state));
        return;
      }
      case 'fuzz': {
        const node = this.nodes[e.node]!;
        if (this.allHonestDone()) return;
        this.fuzz(node);
        this.queue.push(this.now + this.rng.int(20, 400), { kind: 'fuzz', node: node.index });
        return;
      }
    }
  }

  // ---- the caller's side of the outputs ----------------------------------------------------------

  private crash(node: SimNode, crash: Crash): void {
    node.up = false;
    node.crashMidCall = undefined;
    this.queue.push(Math.max(this.now + 1, crash.atMs + crash.downMs), { kind: 'restart', crash });
  }

  private handle(node: SimNode, all: QbftOutput<Value>[]): void {
    // A crash part-way through a call that persists something: only a prefix of its outputs is
    // acted on (written, sent, armed) — where the order of `persist` and sends matters.
    const crash = node.crashMidCall !== undefined && all.some((o) => o.kind === 'persist') ? node.crashMidCall : undefined;
    const outputs = crash === undefined ? all : all.slice(0, this.rng.int(0, all.length));
    for (const out of outputs) {
      if (this.o.trace) this.o.trace(`${this.now} node ${node.index} h${node.machine.height} r${node.machine.round} -> ${show(out)}`);
      switch (out.kind) {
        case 'persist':
          node.persisted = out.state;
          if (this.isHonest(node.index) && out.state.prepared !== undefined) this.notePrepared(node.index, out.state.height, out.state.prepared);
          break;
        case 'broadcast':
          this.broadcast(node, out.message);
          break;
        case 'send':
          if (!this.withholds(node, out.message)) this.sendAs(node, out.to, out.message);
          break;
        case 'timer': {
          const gen = ++node.timerGen;
          if (this.isHonest(node.index)) this.noteRound(out.height, out.round);
          this.queue.push(this.now + out.afterMs, { kind: 'timer', node: node.index, life: node.life, gen, height: out.height, round: out.round });
          break;
        }
        case 'validate':
          this.queue.push(this.now + this.rng.int(0, this.maxValidationMs), {
            kind: 'validated', node: node.index, life: node.life, height: out.height, valueId: out.valueId, ok: isValidValue(out.value, out.height),
          });
          break;
        case 'need-value':
          this.queue.push(this.now + this.rng.int(0, 20), { kind: 'value', node: node.index, life: node.life, height: out.height });
          break;
        case 'decide':
          node.timerGen++;
          this.onDecide(node, out.decision);
          break;
      }
    }
    if (crash !== undefined) this.crash(node, crash);
  }

  /** Byzantine nodes that keep some of their own machine's messages to themselves. */
  private withholds(node: SimNode, message: QbftMessage<Value>): boolean {
    return this.has(node, 'silent') || (this.has(node, 'withhold-commits') && (message.type === 'COMMIT' || message.type === 'DECIDED'));
  }

  private noteRound(height: number, round: number): void {
    if ((this.maxRound.get(height) ?? 0) < round) this.maxRound.set(height, round);
  }

  private broadcast(node: SimNode, original: QbftMessage<Value>): void {
    let message = original;
    if (message.type === 'PRE-PREPARE') this.proposed.add(message.value); // n = 1 sends to nobody
    if (this.withholds(node, message)) return;
    if (this.isHonest(node.index) && message.type !== 'DECIDED') this.checkOneVotePerRound(node.index, message);
    if (this.isHonest(node.index) && message.type === 'COMMIT') this.checkOneSignature(message);
    if (this.isHonest(node.index) && message.type === 'PREPARE') this.checkLock(node.index, message);
    if (this.has(node, 'forge') && message.type === 'PRE-PREPARE' && message.round > 1) {
      // Keep the genuine round-change quorum but propose something else than its highest prepared value.
      message = { ...message, value: this.freshValue(node, message.height) };
    }
    if (this.has(node, 'equivocate') && message.type !== 'ROUND-CHANGE') {
      for (let to = 0; to < this.n; to++) {
        if (to !== node.index) this.sendAs(node, to, this.rng.chance(0.5) ? message : this.equivocation(node, message));
      }
      return;
    }
    for (let to = 0; to < this.n; to++) if (to !== node.index) this.sendAs(node, to, message);
  }

  private notePrepared(node: number, height: number, prepared: { round: number; value: Value }): void {
    const key = `${height}|${prepared.round}|${valueId(prepared.value)}`;
    let holders = this.preparedBy.get(key);
    if (holders === undefined) this.preparedBy.set(key, (holders = new Set()));
    holders.add(node);
    if (holders.size === this.f + 1) {
      const locks = this.locks.get(height) ?? [];
      locks.push({ round: prepared.round, valueId: valueId(prepared.value) });
      this.locks.set(height, locks);
    }
  }

  /**
   * The lemma QBFT's safety rests on: once f + 1 honest nodes prepared v in round r, every justified
   * proposal in a later round is v, so no honest node PREPAREs another value after r. It is also what
   * keeps the per-round signatures safe: a later round can gather t partials only for v.
   */
  private checkLock(node: number, p: Prepare): void {
    for (const lock of this.locks.get(p.height) ?? []) {
      if (p.round > lock.round && p.valueId !== lock.valueId) {
        this.violation(`lock: honest node ${node} prepared ${p.valueId} in round ${p.round} of height ${p.height}, after f + 1 honest nodes prepared ${lock.valueId} in round ${lock.round}`);
      }
    }
  }

  /**
   * What the persisted round protects: an honest node never sends two different messages of one kind
   * in one round of a height, across restarts — in particular never two partial signatures of one
   * round. (Re-sending the same ROUND-CHANGE is one message.)
   */
  private checkOneVotePerRound(node: number, m: PrePrepare<Value> | Prepare | Commit | RoundChange<Value>): void {
    const key = `${node}|${m.height}|${m.round}|${m.type}`;
    const content = m.type === 'PRE-PREPARE' ? valueId(m.value)
      : m.type === 'ROUND-CHANGE' ? (m.prepared === undefined ? '-' : `r${m.prepared.round}:${valueId(m.prepared.value)}`)
      : m.valueId;
    const before = this.votes.get(key);
    if (before === undefined) this.votes.set(key, content);
    else if (before !== content) this.violation(`one vote per round: honest node ${node} sent ${m.type}s with ${before} and ${content} in round ${m.round} of height ${m.height}`);
  }

  /**
   * What the sequencer's safety rests on (docs/architecture.md §4): the cluster can combine a signature on at
   * most one value per height. Partials are over (height, round, value), so they combine only within
   * one round: a value is signable once, in some round, its honest signers plus every Byzantine node
   * (each willing to sign anything in any round) reach the threshold t = quorum.
   */
  private checkOneSignature(c: Commit): void {
    let byRoundValue = this.signers.get(c.height);
    if (byRoundValue === undefined) this.signers.set(c.height, (byRoundValue = new Map()));
    const key = `${c.round}|${c.valueId}`;
    let signers = byRoundValue.get(key);
    if (signers === undefined) byRoundValue.set(key, (signers = new Set()));
    signers.add(c.sender);
    const byzantine = this.o.byzantine?.size ?? 0;
    const signable = new Set<string>();
    for (const [roundValue, honest] of byRoundValue) {
      if (honest.size + byzantine >= this.quorum) signable.add(roundValue.slice(roundValue.indexOf('|') + 1));
    }
    if (signable.size > 1 && !this.reportedTwoSignatures.has(c.height)) {
      this.reportedTwoSignatures.add(c.height);
      this.violation(`one signature per height: ${[...signable].join(' and ')} can both be signed at height ${c.height}`);
    }
  }

  /** Every message goes out through here: it is "signed" by its sender and put on the network. */
  private sendAs(node: SimNode, to: number, message: QbftMessage<Value>): void {
    if (message.sender === node.index) {
      (this.isHonest(node.index) ? this.honestSent : this.byzantineSent).add(message);
    } else if (!(this.honestSent.has(message) || this.byzantineSent.has(message))) {
      throw new Error(`simulator: node ${node.index} relayed a message of node ${message.sender} that node never signed`);
    }
    if (!this.authentic(message)) throw new Error(`simulator: node ${node.index} embedded a message it could not have signed`);
    if (message.type === 'PRE-PREPARE') this.proposed.add(message.value);
    const dropped = this.o.drop?.(node.index, to, message) ?? false;
    if (dropped) return;
    if (this.o.mute?.some((m) => m.node === node.index && this.now >= m.fromMs && this.now < m.toMs)) return;
    if (this.now < this.gst) {
      if (this.rng.chance(this.o.dropRate ?? 0)) return;
      if (this.partition !== undefined && this.partition.has(node.index) !== this.partition.has(to)) return;
    }
    const copies = this.rng.chance(this.o.duplicateRate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.rng.int(0, this.linkMax[node.index]![to]!) + (this.o.slow?.get(node.index) ?? 0);
      this.queue.push(this.now + delay, { kind: 'deliver', from: node.index, to, message });
    }
  }

  /** The transport's signature check, for embedded messages: honest senders' ones must be genuine. */
  private authentic(m: QbftMessage<Value>): boolean {
    const genuine = (e: QbftMessage<Value>): boolean =>
      this.isHonest(e.sender) ? this.honestSent.has(e) : this.byzantineSent.has(e) || this.isByzantineOwn(e);
    switch (m.type) {
      case 'PRE-PREPARE':
        if (m.justification === undefined) return true;
        return m.justification.roundChanges.every((rc) => genuine(rc) && this.authentic(rc)) && m.justification.prepares.every(genuine);
      case 'ROUND-CHANGE':
        return m.prepared === undefined || m.prepared.prepares.every(genuine);
      case 'DECIDED':
        return m.commits.every(genuine);
      default:
        return true;
    }
  }

  /** Byzantine nodes sign their own fabrications as they embed them. */
  private isByzantineOwn(e: QbftMessage<Value>): boolean {
    if (this.isHonest(e.sender)) return false;
    this.byzantineSent.add(e);
    return true;
  }

  // ---- invariants ----------------------------------------------------------------------------------

  private violation(text: string): void {
    this.violations.push(`t=${this.now}ms ${text}`);
  }

  private onDecide(node: SimNode, decision: Decision<Value>): void {
    const { height, round, value, valueId: id, commits } = decision;
    if (node.chain.has(height)) this.violation(`node ${node.index} decided height ${height} twice`);
    node.chain.set(height, decision);
    if (!this.isHonest(node.index)) return;
    const first = this.firstDecision.get(height);
    if (first === undefined) {
      this.firstDecision.set(height, value);
      this.decidedRound.set(height, round);
    }
    else if (first !== value) this.violation(`agreement: node ${node.index} decided ${value} at height ${height}, another honest node ${first}`);
    if (!isValidValue(value, height)) this.violation(`validity: node ${node.index} decided invalid ${value} at height ${height}`);
    if (!this.proposed.has(value)) this.violation(`validity: node ${node.index} decided ${value}, which nobody proposed`);
    if (id !== valueId(value)) this.violation(`decision of node ${node.index}: value id ${id} is not the value's`);
    const senders = new Set<number>();
    for (const c of commits) {
      senders.add(c.sender);
      const expected = partialSignature(c.sender, height, round, id);
      if (c.height !== height || c.round !== round || c.valueId !== id || !equalBytes(c.signature, expected)) {
        this.violation(`decision of node ${node.index} at height ${height} carries a COMMIT that does not sign it`);
      }
    }
    if (senders.size < this.quorum) this.violation(`decision of node ${node.index} at height ${height} has ${senders.size} distinct COMMITs, quorum is ${this.quorum}`);
    if (height < this.o.heights) {
      this.queue.push(this.now + this.rng.int(0, 30), { kind: 'start', node: node.index, life: node.life, height: height + 1 });
    }
  }

  private recordRoundsAtGst(): void {
    for (const [h, r] of this.maxRound) this.roundAtGst.set(h, r);
  }

  /**
   * Termination: every honest node decides every height; and after GST no height runs more than
   * `bound` rounds past the highest round an honest node had reached at GST (round 1 for heights
   * started later): enough rounds for the linear timer to outgrow the network's delays, f more whose
   * leaders may be faulty, and two for honest nodes' rounds to line up again. Any height left
   * undecided is a failure.
   */
  private checkTermination(): void {
    for (let h = 1; h <= this.o.heights; h++) {
      const undecided = this.nodes.filter((node) => this.isHonest(node.index) && !node.chain.has(h));
      if (undecided.length === 0) continue;
      const node = undecided[0]!;
      this.violation(`termination: honest node ${node.index} did not decide height ${h} (at round ${node.machine.height === h ? node.machine.round : '-'})`);
      return;
    }
    const slowest = Math.max(0, ...(this.o.slow?.values() ?? []));
    const bound = roundsToOutgrowDelays((this.o.maxLinkDelayMs ?? 750) + slowest + this.maxValidationMs, this.o.roundTimeout ?? linearRoundTimeout()) + this.f + 2;
    for (const [h, r] of this.maxRound) {
      const base = this.roundAtGst.get(h) ?? 1;
      if (r > base + bound) this.violation(`termination: height ${h} reached round ${r}, more than ${bound} rounds after round ${base} at GST`);
    }
  }

  // ---- Byzantine behaviours ------------------------------------------------------------------------

  private freshValue(node: SimNode, height: number): Value {
    return `v|${height}|${node.index}|byz.${node.nonce++}`;
  }

  private equivocation(node: SimNode, m: QbftMessage<Value>): QbftMessage<Value> {
    switch (m.type) {
      case 'PRE-PREPARE':
        return { ...m, value: this.freshValue(node, m.height) };
      case 'PREPARE':
        return { ...m, valueId: valueId(this.freshValue(node, m.height)) };
      case 'COMMIT': {
        const id = valueId(this.freshValue(node, m.height));
        return { ...m, valueId: id, signature: partialSignature(node.index, m.height, m.round, id) };
      }
      default:
        return m;
    }
  }

  private commitUnprepared(node: SimNode, pp: PrePrepare<Value>): void {
    const ids = [valueId(pp.value), valueId(this.freshValue(node, pp.height))];
    for (const id of ids) {
      const c: Commit = { type: 'COMMIT', height: pp.height, round: pp.round, sender: node.index, valueId: id, signature: partialSignature(node.index, pp.height, pp.round, id) };
      for (let to = 0; to < this.n; to++) if (to !== node.index) this.sendAs(node, to, c);
    }
  }

  private seenOf<T extends QbftMessage<Value>['type']>(node: SimNode, type: T): Extract<QbftMessage<Value>, { type: T }>[] {
    return node.seen.filter((m) => m.type === type) as Extract<QbftMessage<Value>, { type: T }>[];
  }

  private sample<T>(items: readonly T[], max: number): T[] {
    return this.rng.shuffle([...items]).slice(0, this.rng.int(0, Math.min(max, items.length)));
  }

  /** One burst of the node's adversarial behaviours, to a random subset of peers. */
  private fuzz(node: SimNode): void {
    const height = Math.max(1, node.machine.height + this.rng.int(-1, 1));
    const round = this.rng.int(1, node.machine.round + 2);
    const messages: QbftMessage<Value>[] = [];
    if (this.has(node, 'replay') && node.seen.length > 0) messages.push(this.rng.pick(node.seen));
    if (this.has(node, 'forge')) {
      messages.push(this.forgedPrePrepare(node, height), this.forgedRoundChange(node, height, round));
      const hijacked = this.hijackedPrePrepare(node);
      if (hijacked !== undefined) messages.push(hijacked);
    }
    if (this.has(node, 'fuzz')) messages.push(this.randomMessage(node, height, round));
    for (const m of messages) {
      for (let to = 0; to < this.n; to++) {
        if (to !== node.index && this.rng.chance(0.7)) this.sendAs(node, to, m);
      }
    }
  }

  /** A real ROUND-CHANGE quorum for a round this node leads, if it has seen one, with a value of its own
   * and PREPAREs of another round or value in place of the proof the highest prepared value needs. */
  private hijackedPrePrepare(node: SimNode): PrePrepare<Value> | undefined {
    const height = node.machine.height;
    const byRound = new Map<number, Map<number, RoundChange<Value>>>();
    for (const m of node.seen) {
      if (m.type !== 'ROUND-CHANGE' || m.height !== height || this.leaderFor(node, height, m.round) !== node.index) continue;
      let bySender = byRound.get(m.round);
      if (bySender === undefined) byRound.set(m.round, (bySender = new Map()));
      bySender.set(m.sender, m);
    }
    for (const [round, bySender] of byRound) {
      if (bySender.size + 1 < this.quorum) continue;
      const own: RoundChange<Value> = { type: 'ROUND-CHANGE', height, round, sender: node.index };
      const roundChanges = [...bySender.values(), own].slice(0, this.n);
      const prepares = this.sample(this.seenOf(node, 'PREPARE').filter((p) => p.height === height), this.n);
      return { type: 'PRE-PREPARE', height, round, sender: node.index, value: this.freshValue(node, height), justification: { roundChanges, prepares } };
    }
    return undefined;
  }

  private forgedPrePrepare(node: SimNode, height: number): PrePrepare<Value> {
    // Propose as the leader of a round it leads, justified by whatever it has seen: stale round
    // changes of other rounds or heights, too few of them, duplicates, and PREPAREs of other values.
    let round = 2;
    while (this.leaderFor(node, height, round) !== node.index && round < 2 + this.n) round++;
    const rcs = this.seenOf(node, 'ROUND-CHANGE');
    let roundChanges = this.sample(rcs, this.n);
    if (roundChanges.length > 0 && this.rng.chance(0.3)) roundChanges = [...roundChanges, roundChanges[0]!].slice(0, this.n);
    const prepares = this.sample(this.seenOf(node, 'PREPARE'), this.n);
    const value = this.rng.chance(0.5) ? this.freshValue(node, height) : `x|${height}|${node.index}`;
    return { type: 'PRE-PREPARE', height, round, sender: node.index, value, justification: { roundChanges, prepares } };
  }

  private forgedRoundChange(node: SimNode, height: number, round: number): RoundChange<Value> {
    // Claims to have prepared a value nobody prepared, "proved" by PREPAREs for something else.
    const prepares = this.sample(this.seenOf(node, 'PREPARE'), this.n);
    return {
      type: 'ROUND-CHANGE', height, round: Math.max(2, round), sender: node.index,
      prepared: { round: Math.max(1, round - 1), value: this.freshValue(node, height), prepares },
    };
  }

  private randomMessage(node: SimNode, height: number, round: number): QbftMessage<Value> {
    const ids = node.seen.flatMap((m) => (m.type === 'PREPARE' || m.type === 'COMMIT' ? [m.valueId] : []));
    const id = ids.length > 0 && this.rng.chance(0.7) ? this.rng.pick(ids) : valueId(this.freshValue(node, height));
    const header = { height, round, sender: node.index };
    switch (this.rng.int(0, 4)) {
      case 0:
        return { type: 'PREPARE', ...header, valueId: id } satisfies Prepare;
      case 1:
        return { type: 'COMMIT', ...header, valueId: id, signature: partialSignature(node.index, height, round, id) };
      case 2:
        return this.forgedRoundChange(node, height, round);
      case 3:
        return { type: 'DECIDED', height, round, sender: node.index, value: this.freshValue(node, height), commits: this.sample(this.seenOf(node, 'COMMIT'), this.n) };
      default:
        return this.forgedPrePrepare(node, height);
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A short rendering of a message or output for traces. */
function show(x: QbftMessage<Value> | QbftOutput<Value>): string {
  if ('kind' in x) {
    switch (x.kind) {
      case 'broadcast': return `broadcast ${show(x.message)}`;
      case 'send': return `send to ${x.to} ${show(x.message)}`;
      case 'persist': return `persist round ${x.state.round} prepared ${x.state.prepared ? `r${x.state.prepared.round}:${valueId(x.state.prepared.value)}` : '-'}`;
      case 'timer': return `timer h${x.height} r${x.round} ${x.afterMs}ms`;
      case 'validate': return `validate ${x.valueId}`;
      case 'need-value': return `need-value h${x.height} r${x.round}`;
      case 'decide': return `DECIDE h${x.decision.height} r${x.decision.round} ${x.decision.valueId}`;
    }
  }
  const head = `${x.type} h${x.height}${'round' in x ? ` r${x.round}` : ''} from ${x.sender}`;
  switch (x.type) {
    case 'PRE-PREPARE': return `${head} ${valueId(x.value)}${x.justification ? ` rc=[${x.justification.roundChanges.map((r) => `${r.sender}:r${r.round}`).join(',')}] prepares=${x.justification.prepares.length}` : ''}`;
    case 'PREPARE': case 'COMMIT': return `${head} ${x.valueId}`;
    case 'ROUND-CHANGE': return `${head} prepared=${x.prepared ? `r${x.prepared.round}:${valueId(x.prepared.value)}` : '-'}`;
    case 'DECIDED': return `${head} r${x.round} ${valueId(x.value)} commits=${x.commits.length}`;
  }
}
