/**
 * The QBFT state machine: one node's side of Moniz, "The Istanbul BFT Consensus Algorithm" (arXiv
 * 2002.03613), one decision per height, with the sequencer rule of docs/architecture.md §4 (the COMMIT carries the
 * sender's partial signature over (height, round, value) and the decision hands back the COMMIT quorum
 * with its round).
 *
 * Pure: no timers, network, clock or crypto. Every call takes one input (`start`, `receive`,
 * `timeout`, `propose`, `validated`) and returns the outputs the caller must act on, in order
 * (types.ts). Messages this node sends are also delivered to itself at once, as the paper's broadcast
 * includes the sender.
 *
 * The rules, each in a method named after the paper:
 * - Algorithm 1 `Start`: round 1, arm the timer, the leader proposes (`need-value` asks the caller).
 * - Algorithm 2 upon a justified PRE-PREPARE from the round's leader: validate the value (the caller may
 *   take its time: `validate` → `validated`), re-arm the timer, send PREPARE. A justified PRE-PREPARE
 *   for a later round also moves the node to that round: its round-change quorum proves honest nodes
 *   got there (as Charon does).
 * - Algorithm 2 upon a PREPARE quorum in the current round: record the prepared certificate, then
 *   COMMIT with the partial signature over (height, round, value) — `signCommit` gets the round. As in
 *   the paper, a node may commit different values in different rounds of one height: a partial
 *   signature combines only with others of its round, t = quorum of them is a COMMIT quorum of one
 *   round, and QBFT's lock lets only one value ever gather a COMMIT quorum at a height, whatever the
 *   round. So no per-height "never sign another value" guard is needed, and there is none: it would
 *   cost liveness (docs/qbft.md).
 * - Algorithm 2 upon a COMMIT quorum for one round: decide, saying which round (its signing root).
 *   Any round counts: a COMMIT quorum in any round locks the value in every later round.
 * - Algorithm 3 upon timeout (held back until a quorum has reached the round: see `uponTimeout`);
 *   upon f + 1 ROUND-CHANGEs ahead of us; upon a justified ROUND-CHANGE quorum when leading (propose
 *   the highest prepared value, else our own).
 * - DECIDED: a node that already decided answers each ROUND-CHANGE for that height with the COMMIT
 *   quorum and its round (one answer per message: no amplification), and a node that receives one
 *   decides from it.
 *
 * Crash recovery: before any message that depends on it leaves, the machine emits `persist` with the
 * highest round it voted in and its prepared certificate. `start(height, state)` resumes in the next
 * round, so a restarted node never sends two different messages of one kind in one round — in
 * particular never two COMMITs, hence never two partial signatures, of one round — and still reports
 * its lock. That is all a per-round signature needs. Anti-DoS limits are in limits.ts.
 */
import {
  MAX_FUTURE_MESSAGES_PER_SENDER,
  MAX_HEIGHTS_AHEAD,
  MAX_ROUNDS_AHEAD,
  RETAINED_DECISIONS,
} from './limits.js';
import {
  faultTolerance,
  highestPrepared,
  isValidRoundChange,
  justifyPrePrepare,
  nextRoundFromRoundChanges,
  quorumSize,
  roundRobinLeader,
  type RuleContext,
} from './rules.js';
import { linearRoundTimeout } from './timer.js';
import type {
  Commit,
  Decided,
  Decision,
  Prepare,
  PrePrepare,
  PreparedCertificate,
  QbftConfig,
  QbftMessage,
  QbftOutput,
  QbftPersistedState,
  RoundChange,
  RoundTimeout,
} from './types.js';
import { assertMessage } from './validate.js';

/** Everything the machine knows about the height it is working on. */
class HeightState<V> {
  round = 0;
  /** Highest round in which this node sent a message (persisted). */
  votedRound = 0;
  prepared: PreparedCertificate<V> | undefined;
  decided: Decision<V> | undefined;
  inputValue: V | undefined;
  valueRequested = false;
  /** Round in which this node sent its PRE-PREPARE / PREPARE / COMMIT (0: none yet). */
  proposedRound = 0;
  preparedSentRound = 0;
  committedRound = 0;
  /** The last ROUND-CHANGE this node sent, re-sent while it waits for a quorum to join its round. */
  lastRoundChange: RoundChange<V> | undefined;
  /** Highest round for which a justified PRE-PREPARE showed a ROUND-CHANGE quorum. */
  quorumSeenRound = 0;
  /** The first justified PRE-PREPARE of the current round, while its value is being validated. */
  parked: { message: PrePrepare<V>; valueId: string } | undefined;
  readonly values = new Map<string, V>();
  readonly validity = new Map<string, boolean | 'pending'>();
  /** round → sender → first PREPARE / COMMIT. */
  readonly prepares = new Map<number, Map<number, Prepare>>();
  readonly commits = new Map<number, Map<number, Commit>>();
  /** sender → its highest valid ROUND-CHANGE. */
  readonly roundChanges = new Map<number, RoundChange<V>>();

  constructor(readonly height: number) {}
}


export class QbftMachine<V> {
  readonly self: number;
  readonly nodes: number;
  readonly f: number;
  readonly quorum: number;
  private readonly ctx: RuleContext<V>;
  private readonly valueId: (value: V) => string;
  private readonly signCommit: QbftConfig<V>['signCommit'];
  private readonly roundTimeout: RoundTimeout;
  private state: HeightState<V> | undefined;
  private dirty = false;
  private out: QbftOutput<V>[] = [];
  private readonly future = new Map<number, QbftMessage<V>[]>();
  /** height → DECIDED for the last RETAINED_DECISIONS decided heights. */
  private readonly decisions = new Map<number, Decided<V>>();

  constructor(config: QbftConfig<V>) {
    const { nodes, self } = config;
    if (!Number.isSafeInteger(nodes) || nodes < 1) throw new RangeError(`QbftMachine: expected nodes ≥ 1, got ${nodes}`);
    if (!Number.isInteger(self) || self < 0 || self >= nodes) {
      throw new RangeError(`QbftMachine: expected self in 0..${nodes - 1}, got ${self}`);
    }
    for (const name of ['valueId', 'signCommit'] as const) {
      if (typeof config[name] !== 'function') throw new TypeError(`QbftMachine: expected config.${name} to be a function, got ${typeof config[name]}`);
    }
    this.self = self;
    this.nodes = nodes;
    this.f = faultTolerance(nodes);
    this.quorum = quorumSize(nodes);
    this.valueId = config.valueId;
    this.signCommit = config.signCommit;
    this.roundTimeout = config.roundTimeout ?? linearRoundTimeout();
    this.ctx = { nodes, quorum: this.quorum, valueId: config.valueId, leader: config.leader ?? roundRobinLeader };
  }

  /** The height being worked on (-1 before the first `start`). */
  get height(): number {
    return this.state?.height ?? -1;
  }

  /** The current round at the current height (0 before the first `start`). */
  get round(): number {
    return this.state?.round ?? 0;
  }

  /** The decision at the current height, once made. */
  get decision(): Decision<V> | undefined {
    return this.state?.decided;
  }

  /** Messages held for later heights (bounded by MAX_FUTURE_MESSAGES_PER_SENDER per sender): a metric. */
  get bufferedFutureMessages(): number {
    let count = 0;
    for (const queue of this.future.values()) count += queue.length;
    return count;
  }

  /**
   * Algorithm 1 `Start`: begin `height`, which must be above every height started before. With the
   * state persisted for this height before a crash, resume from it (in the round after the last one
   * this node voted in); a persisted state for an earlier height is ignored.
   */
  start(height: number, persisted?: QbftPersistedState<V>): QbftOutput<V>[] {
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`qbft start: expected a non-negative safe integer height, got ${height}`);
    if (height <= this.height) throw new RangeError(`qbft start: expected a height above ${this.height}, got ${height}`);
    if (persisted !== undefined && persisted.height > height) {
      throw new RangeError(`qbft start: persisted state is for height ${persisted.height}, above the height started (${height})`);
    }
    this.out = [];
    const s = new HeightState<V>(height);
    this.state = s;
    if (persisted !== undefined && persisted.height === height) {
      if (!Number.isSafeInteger(persisted.round) || persisted.round < 1) {
        throw new RangeError(`qbft start: expected persisted round ≥ 1, got ${persisted.round}`);
      }
      s.votedRound = persisted.round;
      s.prepared = persisted.prepared;
      if (persisted.prepared !== undefined) s.values.set(this.valueId(persisted.prepared.value), persisted.prepared.value);
      this.enterRound(s, persisted.round + 1, true);
    } else {
      this.enterRound(s, 1, false);
    }
    this.replayFuture(s);
    return this.takeOutputs();
  }

  /**
   * A decision this node made before a restart, read back from the caller's store, so that it can
   * answer peers still working on that height with a DECIDED (only the last RETAINED_DECISIONS are
   * kept). Throws unless `decision.commits` is a COMMIT quorum for the decision's value.
   */
  restoreDecision(decision: Decision<V>): void {
    const { height, round, value, commits } = decision;
    const id = this.valueId(value);
    const message: Decided<V> = { type: 'DECIDED', height, round, sender: this.self, value, commits };
    assertMessage<V>(message, this.nodes);
    if (!isCommitQuorum(commits, height, round, id, this.quorum)) {
      throw new RangeError(`qbft restoreDecision: expected a quorum of ${this.quorum} COMMITs for height ${height}, round ${round}, value ${id}`);
    }
    if (height >= this.height && this.state !== undefined) {
      throw new RangeError(`qbft restoreDecision: expected a height below the current one (${this.height}), got ${height}`);
    }
    this.retain(message);
  }

  /** An authenticated message from a peer. Throws a TypeError if it is malformed. */
  receive(message: QbftMessage<V>): QbftOutput<V>[] {
    assertMessage<V>(message, this.nodes);
    if (this.state === undefined) throw new Error('qbft receive: call start(height) first');
    this.out = [];
    this.dispatch(message);
    return this.takeOutputs();
  }

  /** The round timer armed by a `timer` output fired. Stale timers are ignored. */
  timeout(height: number, round: number): QbftOutput<V>[] {
    const s = this.state;
    this.out = [];
    if (s !== undefined && height === s.height && round === s.round && s.decided === undefined) {
      this.uponTimeout(s);
    }
    return this.takeOutputs();
  }

  /** This node's own value for `height`, answering `need-value`. It is taken as valid. */
  propose(height: number, value: V): QbftOutput<V>[] {
    const s = this.state;
    this.out = [];
    if (s !== undefined && height === s.height && s.decided === undefined && s.inputValue === undefined) {
      s.inputValue = value;
      s.validity.set(this.valueId(value), true);
      this.tryLead(s);
    }
    return this.takeOutputs();
  }

  /** The answer to a `validate` output. */
  validated(height: number, valueId: string, valid: boolean): QbftOutput<V>[] {
    const s = this.state;
    this.out = [];
    if (s !== undefined && height === s.height && s.decided === undefined) {
      s.validity.set(valueId, valid);
      const parked = s.parked;
      if (parked !== undefined && parked.valueId === valueId) {
        s.parked = undefined;
        if (valid && parked.message.round === s.round) this.acceptPrePrepare(s, parked.valueId);
      }
    }
    return this.takeOutputs();
  }

  private takeOutputs(): QbftOutput<V>[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private dispatch(m: QbftMessage<V>): void {
    const s = this.state!;
    if (m.height !== s.height) {
      if (m.height > s.height) this.bufferFuture(s, m);
      else if (m.type === 'ROUND-CHANGE') this.answerWithDecided(m);
      return;
    }
    if (s.decided !== undefined) {
      if (m.type === 'ROUND-CHANGE') this.answerWithDecided(m);
      return;
    }
    switch (m.type) {
      case 'PRE-PREPARE': return this.uponPrePrepare(s, m);
      case 'PREPARE': return this.uponPrepare(s, m);
      case 'COMMIT': return this.uponCommit(s, m);
      case 'ROUND-CHANGE': return this.uponRoundChange(s, m);
      case 'DECIDED': return this.uponDecided(s, m);
    }
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Broadcast a vote of this node, persisting first whatever it depends on, and deliver it here. */
  private emit(s: HeightState<V>, m: PrePrepare<V> | Prepare | Commit | RoundChange<V>): void {
    if (m.round > s.votedRound) {
      s.votedRound = m.round;
      this.dirty = true;
    }
    if (this.dirty) {
      this.dirty = false;
      this.out.push({
        kind: 'persist',
        state: { height: s.height, round: s.votedRound, prepared: s.prepared },
      });
    }
    this.out.push({ kind: 'broadcast', message: m });
    this.dispatch(m);
  }

  private armTimer(s: HeightState<V>): void {
    this.out.push({ kind: 'timer', height: s.height, round: s.round, afterMs: this.roundTimeout(s.round) });
  }

  private enterRound(s: HeightState<V>, round: number, sendRoundChange: boolean): void {
    s.round = round;
    s.parked = undefined;
    for (const r of s.prepares.keys()) if (r < round) s.prepares.delete(r);
    this.armTimer(s);
    if (sendRoundChange) {
      s.lastRoundChange = { type: 'ROUND-CHANGE', height: s.height, round, sender: this.self, prepared: s.prepared };
      this.emit(s, s.lastRoundChange);
      if (s.decided !== undefined || s.round !== round) return;
    }
    // PREPAREs buffered for this round may already form a quorum.
    const buffered = s.prepares.get(round);
    if (buffered !== undefined) {
      for (const id of new Set(Array.from(buffered.values(), (p) => p.valueId))) this.uponQuorumPrepares(s, id);
    }
    this.tryLead(s);
  }

  // ---- Algorithm 2: normal case ----------------------------------------------------------------

  private uponPrePrepare(s: HeightState<V>, m: PrePrepare<V>): void {
    if (m.round < s.round) return;
    if (m.round === s.round && (s.preparedSentRound === s.round || s.parked !== undefined)) return;
    const id = this.valueId(m.value);
    if (!justifyPrePrepare(this.ctx, m, id)) return;
    this.learnValue(s, id, m.value);
    if (s.decided !== undefined) return;
    if (m.round > 1) s.quorumSeenRound = Math.max(s.quorumSeenRound, m.round);
    if (m.round > s.round) {
      this.enterRound(s, m.round, false);
      if (s.decided !== undefined || s.round !== m.round || s.preparedSentRound === m.round) return;
    }
    const validity = s.validity.get(id);
    if (validity === true) {
      this.acceptPrePrepare(s, id);
    } else if (validity === undefined) {
      s.validity.set(id, 'pending');
      s.parked = { message: m, valueId: id };
      this.out.push({ kind: 'validate', height: s.height, valueId: id, value: m.value });
    } else if (validity === 'pending') {
      s.parked = { message: m, valueId: id };
    }
  }

  private acceptPrePrepare(s: HeightState<V>, valueId: string): void {
    s.preparedSentRound = s.round;
    this.armTimer(s);
    this.emit(s, { type: 'PREPARE', height: s.height, round: s.round, sender: this.self, valueId });
  }

  private uponPrepare(s: HeightState<V>, m: Prepare): void {
    if (m.round < s.round || m.round > s.round + MAX_ROUNDS_AHEAD) return;
    let bySender = s.prepares.get(m.round);
    if (bySender === undefined) s.prepares.set(m.round, (bySender = new Map()));
    if (bySender.has(m.sender)) return;
    bySender.set(m.sender, m);
    if (m.round === s.round) this.uponQuorumPrepares(s, m.valueId);
  }

  private uponQuorumPrepares(s: HeightState<V>, valueId: string): void {
    if (s.committedRound === s.round || (s.prepared !== undefined && s.prepared.round === s.round)) return;
    const quorum = collect(s.prepares.get(s.round), valueId, this.quorum);
    if (quorum === undefined) return;
    const value = s.values.get(valueId);
    if (value === undefined) return; // learnValue comes back here once the PRE-PREPARE arrives
    s.prepared = { round: s.round, value, prepares: quorum };
    this.dirty = true;
    s.committedRound = s.round;
    const signature = this.signCommit(s.height, s.round, value, valueId);
    this.emit(s, { type: 'COMMIT', height: s.height, round: s.round, sender: this.self, valueId, signature });
  }

  private uponCommit(s: HeightState<V>, m: Commit): void {
    if (m.round > s.round + MAX_ROUNDS_AHEAD) return;
    let bySender = s.commits.get(m.round);
    if (bySender === undefined) s.commits.set(m.round, (bySender = new Map()));
    if (bySender.has(m.sender)) return;
    bySender.set(m.sender, m);
    this.uponQuorumCommits(s, m.round, m.valueId);
  }

  private uponQuorumCommits(s: HeightState<V>, round: number, valueId: string): void {
    const quorum = collect(s.commits.get(round), valueId, this.quorum);
    if (quorum === undefined) return;
    const value = s.values.get(valueId);
    if (value === undefined) return; // learnValue comes back here
    this.decide(s, { height: s.height, round, value, valueId, commits: quorum });
  }

  /** A value and its id became known: quorums that waited for it may now complete. */
  private learnValue(s: HeightState<V>, valueId: string, value: V): void {
    if (s.values.has(valueId)) return;
    s.values.set(valueId, value);
    for (const round of s.commits.keys()) {
      this.uponQuorumCommits(s, round, valueId);
      if (s.decided !== undefined) return;
    }
    this.uponQuorumPrepares(s, valueId);
  }

  private decide(s: HeightState<V>, decision: Decision<V>): void {
    s.decided = decision;
    s.parked = undefined;
    this.out.push({ kind: 'decide', decision });
    this.retain({ type: 'DECIDED', height: s.height, round: decision.round, sender: this.self, value: decision.value, commits: decision.commits });
  }

  private retain(message: Decided<V>): void {
    this.decisions.set(message.height, message);
    if (this.decisions.size > RETAINED_DECISIONS) this.decisions.delete(this.decisions.keys().next().value!);
  }

  // ---- Algorithm 3: round change -----------------------------------------------------------------

  /**
   * Algorithm 3 upon timeout, with one addition: a node that asked for round r leaves it only once a
   * quorum (itself included) has asked for round r or later, or a justified PRE-PREPARE for r showed
   * one. Otherwise it stays, re-arms the timer and sends the same ROUND-CHANGE again. The paper always moves on; then a node that is alone ahead (it started
   * the height early, or was cut off) keeps running ahead at the pace of its own timer, and with the
   * linear timer the others never catch up: rounds last equally long for everyone, so the time lag
   * between them stays constant until a round outgrows it. Waiting for a quorum keeps honest nodes
   * within one round of each other after GST, and the repeated ROUND-CHANGE replaces those lost before
   * it. Safety does not depend on when rounds change; liveness holds because the lowest honest node
   * always sees a quorum (the n − f ≥ quorum honest nodes) at its round or above.
   */
  private uponTimeout(s: HeightState<V>): void {
    const sent = s.lastRoundChange;
    if (sent !== undefined && sent.round === s.round && s.quorumSeenRound < s.round && this.countRoundChangesFrom(s, s.round) < this.quorum) {
      this.armTimer(s);
      this.out.push({ kind: 'broadcast', message: sent }); // the same message: a lock taken since belongs to the next round's
      return;
    }
    this.enterRound(s, s.round + 1, true);
  }

  private countRoundChangesFrom(s: HeightState<V>, round: number): number {
    let count = 0;
    for (const rc of s.roundChanges.values()) if (rc.round >= round) count++;
    return count;
  }

  private uponRoundChange(s: HeightState<V>, m: RoundChange<V>): void {
    const previous = s.roundChanges.get(m.sender);
    if (previous !== undefined && previous.round >= m.round) return;
    if (!isValidRoundChange(this.ctx, m, s.height)) return;
    s.roundChanges.set(m.sender, m);
    if (m.prepared !== undefined) {
      this.learnValue(s, this.valueId(m.prepared.value), m.prepared.value);
      if (s.decided !== undefined) return;
    }
    this.uponFPlusOneRoundChanges(s);
    this.tryLead(s);
  }

  private uponFPlusOneRoundChanges(s: HeightState<V>): void {
    const rounds: number[] = [];
    for (const rc of s.roundChanges.values()) rounds.push(rc.round);
    const next = nextRoundFromRoundChanges(rounds, s.round, this.f);
    if (next > s.round) this.enterRound(s, next, true);
  }

  /** Algorithm 1 (round 1) and Algorithm 3 "upon a justified ROUND-CHANGE quorum": propose, if leading. */
  private tryLead(s: HeightState<V>): void {
    if (s.decided !== undefined || s.proposedRound === s.round) return;
    if (this.ctx.leader(s.height, s.round, this.nodes) !== this.self) return;
    if (s.round === 1) {
      if (s.inputValue === undefined) return this.requestValue(s);
      s.proposedRound = 1;
      this.emit(s, { type: 'PRE-PREPARE', height: s.height, round: 1, sender: this.self, value: s.inputValue });
      return;
    }
    const roundChanges: RoundChange<V>[] = [];
    for (const rc of s.roundChanges.values()) if (rc.round === s.round) roundChanges.push(rc);
    if (roundChanges.length < this.quorum) return;
    // Every stored ROUND-CHANGE passed isValidRoundChange, so the quorum is justified (Algorithm 4).
    const highest = highestPrepared(roundChanges);
    let value: V;
    if (highest !== undefined) {
      value = highest.value;
    } else if (s.inputValue !== undefined) {
      value = s.inputValue;
    } else {
      return this.requestValue(s);
    }
    s.proposedRound = s.round;
    this.emit(s, {
      type: 'PRE-PREPARE', height: s.height, round: s.round, sender: this.self, value,
      justification: { roundChanges, prepares: highest?.prepares ?? [] },
    });
  }

  private requestValue(s: HeightState<V>): void {
    if (s.valueRequested) return;
    s.valueRequested = true;
    this.out.push({ kind: 'need-value', height: s.height, round: s.round });
  }

  // ---- DECIDED: catching up --------------------------------------------------------------------

  private uponDecided(s: HeightState<V>, m: Decided<V>): void {
    const id = this.valueId(m.value);
    if (!isCommitQuorum(m.commits, s.height, m.round, id, this.quorum)) return;
    s.values.set(id, m.value);
    this.decide(s, { height: s.height, round: m.round, value: m.value, valueId: id, commits: m.commits });
  }

  private answerWithDecided(m: RoundChange<V>): void {
    const retained = this.decisions.get(m.height);
    if (retained === undefined || m.sender === this.self) return;
    this.out.push({ kind: 'send', to: m.sender, message: retained });
  }

  // ---- future heights --------------------------------------------------------------------------

  private bufferFuture(s: HeightState<V>, m: QbftMessage<V>): void {
    if (m.height > s.height + MAX_HEIGHTS_AHEAD) return;
    let queue = this.future.get(m.sender);
    if (queue === undefined) this.future.set(m.sender, (queue = []));
    queue.push(m);
    if (queue.length > MAX_FUTURE_MESSAGES_PER_SENDER) queue.shift();
  }

  private replayFuture(s: HeightState<V>): void {
    const due: QbftMessage<V>[] = [];
    for (const [sender, queue] of this.future) {
      const later = queue.filter((m) => m.height > s.height);
      for (const m of queue) if (m.height === s.height) due.push(m);
      if (later.length === 0) this.future.delete(sender);
      else this.future.set(sender, later);
    }
    for (const m of due) {
      if (this.state !== s) return;
      this.dispatch(m);
    }
  }
}

/** `commits` come from distinct senders, number at least `quorum`, and all sign (height, round, valueId). */
function isCommitQuorum(commits: readonly Commit[], height: number, round: number, valueId: string, quorum: number): boolean {
  if (commits.length < quorum) return false;
  const senders = new Set<number>();
  for (const c of commits) {
    if (c.type !== 'COMMIT' || c.height !== height || c.round !== round || c.valueId !== valueId || senders.has(c.sender)) return false;
    senders.add(c.sender);
  }
  return true;
}

/** The first `quorum` messages for `valueId` among one round's messages, or undefined if fewer. */
function collect<T extends { valueId: string }>(bySender: Map<number, T> | undefined, valueId: string, quorum: number): T[] | undefined {
  if (bySender === undefined || bySender.size < quorum) return undefined;
  const found: T[] = [];
  for (const m of bySender.values()) {
    if (m.valueId === valueId) {
      found.push(m);
      if (found.length === quorum) return found;
    }
  }
  return undefined;
}
