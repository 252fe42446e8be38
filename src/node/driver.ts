/**
 * The consensus driver (issue 19): runs the pure QBFT machine (src/consensus, Moniz arXiv 2002.03613)
 * for one height at a time and turns its outputs into effects, in order.
 *
 * - **Persist before send.** A `persist` output and the equivocation guard are queued as store writes;
 *   every message leaves the node only after every write queued before it is durable (`durable`).
 *   The guard (height, round) → block hash is written before this node's partial signature exists
 *   (`signCommit`), so a crash can never make it sign two blocks in one round. When a height starts,
 *   the state the machine persists before its first vote (round 1, nothing prepared) is already on
 *   disk: the previous block's commit wrote it (`nextHeightState`, ./storage.ts), so neither the
 *   leader's proposal nor a PREPARE waits for a flush; only a height without it (the first after
 *   genesis, or a database written before) writes it at once, while the proposal is on its way. A node
 *   restarting from it merely resumes in round 2 without having voted in round 1.
 * - **One call at a time.** Machine calls are queued; each call's outputs are acted on before the next
 *   call (a `propose` or `validated` an output asked for) runs.
 * - **Timers** on the injected clock: one round timer, re-armed by each `timer` output. Round r lasts
 *   r · T1, T1 fitted to the network (`AdaptiveRoundTimeout`, src/consensus/qbft/timer.ts): for each
 *   round that decided while this node was in it, the driver measures the longer of the round's two
 *   timed phases — entering it to accepting the proposal (its PREPARE), and that to the decision (the
 *   timer is re-armed in between, so each phase gets T1) — and hands the peers' ping round trips over
 *   at each height's start.
 *   A round whose leader this node has no connection to (a crashed process's connections close at
 *   once) is given `UNREACHABLE_LEADER_TIMEOUT_MS` instead, also when the leader's connection goes
 *   mid-round (checked every `LEADER_CHECK_MS`): its proposal cannot arrive here.
 * - **Leaders** from the `LeaderSchedule` (./leaders.ts): leader reputation over the stored chain.
 * - **Holding.** Before the first height and while sync runs, peers' messages are held (at most
 *   `MAX_HELD_MESSAGES`, oldest dropped) and delivered when the driver resumes.
 * - **Blocks checked this height** (built here or validated), with their senders, so the committer
 *   need not recover them again.
 *
 * What the outputs mean for the rest of the node — a value to propose, a block to validate, a
 * decision, a timeout, a failure — goes to the `DriverHooks`.
 */
import type { Logger } from 'pino';
import { hex } from '../bytes/index.js';
import type { Block, Transaction } from '../chain/index.js';
import { AdaptiveRoundTimeout, QbftMachine, type Commit, type Decision, type QbftMessage, type QbftOutput, type QbftPersistedState } from '../consensus/index.js';
import { BLOCK_DOMAIN, partialSign, signingRoot } from '../crypto/index.js';
import type { Clock, Timer } from './clock.js';
import type { NodeKey, SequencerMetrics, SequencerNetwork } from './options.js';
import type { StorageHealth } from './storage-health.js';
import { StorageUnavailable, type NodeStorage } from './storage.js';
import type { LeaderSchedule } from './leaders.js';
import type { HeightTimeline } from './timeline.js';

/** Peers' messages held while consensus is paused (before the first height, during sync), at most. */
const MAX_HELD_MESSAGES = 4_096;
/**
 * The round timer when the round's leader is not connected to this node: its proposal cannot reach
 * this node, so waiting the full timer only delays the round change. A failure detector for crashed
 * processes (their TCP connections close at once); a leader whose machine vanished without closing
 * them still costs the full timer, until the host notices (ping). A little grace only: the host's
 * first redial of a dropped connection comes after 250 ms anyway, so a leader whose connection merely
 * flapped loses its round, never safety. Only liveness depends on it: the round changes only once a
 * quorum asks.
 */
export const UNREACHABLE_LEADER_TIMEOUT_MS = 50;
/** How often a round's leader is checked for a lost connection while its round runs. */
const LEADER_CHECK_MS = 25;

export interface DriverHooks {
  /** This node leads `round`: its block and the block's transactions, or undefined if the height ended meanwhile. */
  propose(height: number, round: number): Promise<{ block: Block; transactions: Transaction[] } | undefined>;
  /** A block this node did not build: its transactions with senders when valid, undefined when not. */
  validate(block: Block): Promise<Transaction[] | undefined>;
  /** A COMMIT this node sends (its own partial). */
  ownCommit(commit: Commit): void;
  decided(decision: Decision<Block>): void;
  /** The round timer expired (before the machine hears of it): after `afterMs`, with or without the round's proposal accepted. */
  timedOut(height: number, round: number, detail: { afterMs: number; proposalAccepted: boolean }): void;
  /** Acting on an output failed: block production cannot go on. */
  failed(error: Error): void;
}

export interface DriverOptions {
  chainId: bigint;
  key: NodeKey;
  nodes: number;
  store: NodeStorage;
  clock: Clock;
  logger: Logger;
  timeline: HeightTimeline;
  hooks: DriverHooks;
  /** Who leads each round (leader reputation over the stored chain). */
  leaders: LeaderSchedule;
  /** Where a failed durable write is reported (messages that depend on it are never sent). */
  storage: StorageHealth;
  /** The network, absent for a single node (its messages go nowhere). */
  network?: SequencerNetwork;
  metrics?: SequencerMetrics;
  /** How many transactions the current height's block is expected to hold (the round timer allows for its work). */
  expectedBlockTransactions?: () => number;
}

export class ConsensusDriver {
  /** The round timer fitted to the network; `roundTimeout` is QBFT's input (and the proposer's). */
  readonly timer: AdaptiveRoundTimeout;
  readonly roundTimeout: (round: number) => number;
  private qbft: QbftMachine<Block>;
  private readonly calls: Array<() => QbftOutput<Block>[]> = [];
  private draining = false;
  private roundTimer: Timer | undefined;
  /** Resolves once every guard entry and QBFT state queued so far is durable. */
  private durableWrites: Promise<void> = Promise.resolve();
  /** A round-only QBFT state written ahead of the machine's own `persist` (see the module comment). */
  private persistedRoundOnly: QbftPersistedState<Block> | undefined;
  private held: Array<{ message: QbftMessage<Block>; from: number }> = [];
  private holding = true;
  private stopped = false;
  /** Blocks built or validated for the current height, by hash (hex), with their senders. */
  private readonly checked = new Map<string, Transaction[]>();
  /** The round the latest `timer` output was for, when this node entered it (the first such output) and sent its PREPARE in it. */
  private timedRound: { height: number; round: number; enteredAt: number; preparedAt?: number } = { height: 0, round: 0, enteredAt: 0 };

  constructor(private readonly options: DriverOptions) {
    this.timer = new AdaptiveRoundTimeout({}, options.expectedBlockTransactions);
    this.roundTimeout = this.timer.timeout;
    this.qbft = this.newMachine();
  }

  private newMachine(): QbftMachine<Block> {
    return new QbftMachine<Block>({
      self: this.options.key.share.index - 1,
      nodes: this.options.nodes,
      valueId: (block) => hex(block.hash),
      signCommit: (height, round, block) => this.signCommit(height, round, block),
      roundTimeout: this.roundTimeout,
      leader: (height, round) => this.options.leaders.leader(height, round),
    });
  }

  /** The machine's current round (0 before the first height). */
  get round(): number {
    return this.qbft.round;
  }

  /** The current height's decision, once made. */
  decisionAt(height: number): Decision<Block> | undefined {
    const decision = this.qbft.decision;
    return decision?.height === height ? decision : undefined;
  }

  /** The transactions of a block this node built or validated at the current height. */
  checkedTransactions(block: Block): Transaction[] | undefined {
    return this.checked.get(hex(block.hash));
  }

  /** Resolves once every write queued so far (guard, QBFT state) is durable. */
  get durable(): Promise<void> {
    return this.durableWrites;
  }

  /** Starts `height` (resuming from its persisted state, if given) and delivers the held messages. */
  begin(height: number, resume?: QbftPersistedState<Block>): void {
    this.checked.clear();
    const { network, metrics, leaders } = this.options;
    if (network) this.timer.observeRoundTrips(network.pingLatencies().values());
    metrics?.roundTimeout.set(this.timer.baseMs / 1000);
    metrics?.leaderSkipped.set(leaders.skipped(height));
    if (this.options.network && resume === undefined) {
      this.persistedRoundOnly = { height, round: 1 };
      // Normally the previous block's commit wrote it (nextHeightState), and that write was awaited.
      const stored = this.options.store.qbftState();
      const written = stored?.height === height && stored.round === 1 && stored.prepared === undefined;
      if (!written) this.awaitDurable(this.options.store.persistQbftState(this.persistedRoundOnly));
    }
    this.act(() => this.qbft.start(height, resume));
    this.resume();
  }

  /** A peer's authenticated message: delivered, or held while paused. */
  receive(message: QbftMessage<Block>, from: number): void {
    if (this.stopped) return;
    if (this.holding) {
      this.held.push({ message, from });
      if (this.held.length > MAX_HELD_MESSAGES) this.held.shift();
      return;
    }
    this.deliver(message, from);
  }

  /**
   * Adds this node's partial to a decision it reached without committing itself (a quorum of COMMITs
   * came before its own PREPARE quorum), when the decision's partials do not combine (one is a
   * Byzantine node's invalid partial): the guard, then a COMMIT for the decided value in the decided
   * round, broadcast. Safe: a quorum of COMMITs for (round, value) holds f + 1 honest ones, so the
   * value is decided in that round, and a partial over that round's signing root can only ever
   * complete its signature (docs/qbft.md).
   */
  commitDecided(decision: Decision<Block>): void {
    const { height, round, valueId, value } = decision;
    this.act(() => {
      const commit: Commit = { type: 'COMMIT', height, round, sender: this.options.key.share.index - 1, valueId, signature: this.signCommit(height, round, value) };
      return [{ kind: 'broadcast', message: commit }];
    });
  }

  /** Holds peers' messages until `resume` (sync is running). */
  pause(): void {
    this.holding = true;
  }

  get paused(): boolean {
    return this.holding;
  }

  resume(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const { message, from } of held) this.deliver(message, from);
  }

  /** The height was completed elsewhere (sync stored it): no more timeouts for it. */
  abandon(): void {
    this.roundTimer?.cancel();
  }

  /**
   * Drops the height in progress as a restart would (the disk refused a write): a fresh QBFT machine,
   * no timer, no queued calls, peers' messages held, and no failed write left for later messages to
   * wait on. The next `begin` resumes from what is durable.
   */
  reset(): void {
    this.qbft = this.newMachine();
    this.roundTimer?.cancel();
    this.calls.length = 0;
    this.checked.clear();
    this.persistedRoundOnly = undefined;
    this.durableWrites = Promise.resolve();
    this.holding = true;
    this.held = [];
  }

  stop(): void {
    this.stopped = true;
    this.roundTimer?.cancel();
  }

  private deliver(message: QbftMessage<Block>, from: number): void {
    const { logger } = this.options;
    if (logger.isLevelEnabled('debug')) logger.debug({ type: message.type, height: message.height, round: message.round, share: from + 1 }, 'consensus message received');
    this.act(() => {
      try {
        return this.qbft.receive(message);
      } catch (error) {
        // The codec checked the envelope; a message the machine still finds malformed is the peer's fault.
        if (!(error instanceof TypeError)) throw error;
        this.options.logger.warn({ share: from + 1, err: error.message }, 'malformed consensus message dropped');
        return [];
      }
    });
  }

  /** Queues a machine call; calls run one at a time, each call's outputs acted on in order. */
  private act(call: () => QbftOutput<Block>[]): void {
    this.calls.push(call);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.calls.shift(); next; next = this.calls.shift()) {
        for (const output of next()) this.handle(output);
      }
    } catch (error) {
      this.calls.length = 0;
      this.roundTimer?.cancel();
      this.options.hooks.failed(error as Error);
    } finally {
      this.draining = false;
    }
  }

  private handle(output: QbftOutput<Block>): void {
    const { hooks, timeline, store, metrics } = this.options;
    switch (output.kind) {
      case 'persist': {
        const { state } = output;
        const written = this.persistedRoundOnly;
        // Already written when the height started: no second write, no second wait.
        if (written !== undefined && state.prepared === undefined && state.height === written.height && state.round === written.round) return;
        this.persistedRoundOnly = undefined;
        this.awaitDurable(store.persistQbftState(state));
        return;
      }
      case 'timer': {
        this.roundTimer?.cancel();
        const { height, round } = output;
        if (this.timedRound.height !== height || this.timedRound.round !== round) this.timedRound = { height, round, enteredAt: this.options.clock.monotonic() };
        const leader = this.options.leaders.leader(height, round);
        metrics?.leader.set(leader + 1);
        this.roundTimer = this.armRound(height, round, output.afterMs, leader);
        return;
      }
      case 'need-value': {
        const { height, round } = output;
        void hooks.propose(height, round).then(
          (proposal) => {
            if (proposal === undefined || this.stopped) return;
            this.checked.set(hex(proposal.block.hash), proposal.transactions);
            timeline.mark('proposal');
            this.act(() => this.qbft.propose(height, proposal.block));
          },
          (error: Error) => hooks.failed(error),
        );
        return;
      }
      case 'validate': {
        const { height, valueId, value } = output;
        if (this.checked.has(valueId)) {
          this.act(() => this.qbft.validated(height, valueId, true));
          return;
        }
        // Validation recovers the senders it does not know on the worker pool; QBFT waits for the answer.
        void hooks.validate(value).then(
          (transactions) => {
            if (this.stopped) return;
            if (transactions !== undefined) {
              this.checked.set(valueId, transactions);
              timeline.mark('validated');
            }
            this.act(() => this.qbft.validated(height, valueId, transactions !== undefined));
          },
          (error: Error) => hooks.failed(error),
        );
        return;
      }
      case 'broadcast':
      case 'send': {
        const { message } = output;
        if (message.type === 'COMMIT') hooks.ownCommit(message);
        if (message.type === 'PRE-PREPARE') timeline.mark('proposal');
        const timed = this.timedRound;
        if (message.type === 'PREPARE' && timed.height === message.height && timed.round === message.round) timed.preparedAt ??= this.options.clock.monotonic();
        const network = this.options.network;
        if (network === undefined) return;
        // Sent only once the persisted state and guard the message depends on are durable.
        const to = output.kind === 'send' ? output.to : undefined;
        void this.durableWrites
          .then(() => {
            const { logger } = this.options;
            if (logger.isLevelEnabled('debug')) logger.debug({ type: message.type, height: message.height, round: message.round, to: to === undefined ? 'all' : to + 1 }, 'consensus message sent');
            return to === undefined ? network.broadcast(message) : network.send(to, message);
          })
          .catch((error: Error) => {
            // Not sent because a write it depends on failed: the storage health has said so, once.
            const level = error instanceof StorageUnavailable ? 'debug' : 'warn';
            this.options.logger[level]({ err: error.message, type: message.type }, 'sending a consensus message failed');
          });
        return;
      }
      case 'decide': {
        this.roundTimer?.cancel();
        // A round decided while this node was in it: how long each timed phase of a round with a live leader takes here.
        const { height, round } = output.decision;
        const { enteredAt, preparedAt } = this.timedRound;
        if (this.timedRound.height === height && this.timedRound.round === round) {
          const now = this.options.clock.monotonic();
          const phaseMs = preparedAt === undefined ? now - enteredAt : Math.max(preparedAt - enteredAt, now - preparedAt);
          this.timer.observeDecision(phaseMs, output.decision.value.transactionHashes.length);
          metrics?.roundTimeout.set(this.timer.baseMs / 1000);
        }
        timeline.mark('decided');
        hooks.decided(output.decision);
        return;
      }
    }
  }

  /**
   * The round timer: `afterMs`, cut to `UNREACHABLE_LEADER_TIMEOUT_MS` once the round's leader is found
   * not connected to this node — when armed, or at a check every `LEADER_CHECK_MS` (a leader that
   * crashed mid-round) — as long as its proposal has not arrived (this node has not PREPAREd in the
   * round: after that the others' votes decide the round, the leader's connection no longer matters).
   * Cancelling it cancels both timers.
   */
  private armRound(height: number, round: number, afterMs: number, leader: number): Timer {
    const { clock, network, hooks } = this.options;
    const armedAt = clock.monotonic();
    let main: Timer | undefined;
    let watch: Timer | undefined;
    const cancel = (): void => {
      main?.cancel();
      watch?.cancel();
    };
    const at = (ms: number, callback: () => void): void => {
      main?.cancel();
      main = clock.after(ms, callback);
    };
    const fire = (): void => {
      cancel();
      if (this.stopped) return;
      const timed = this.timedRound;
      const proposalAccepted = timed.height === height && timed.round === round && timed.preparedAt !== undefined;
      hooks.timedOut(height, round, { afterMs: clock.monotonic() - armedAt, proposalAccepted });
      this.act(() => this.qbft.timeout(height, round));
    };
    at(afterMs, fire);
    if (network === undefined || leader === this.options.key.share.index - 1 || afterMs <= UNREACHABLE_LEADER_TIMEOUT_MS) return { cancel };
    const awaitingProposal = (): boolean => {
      const timed = this.timedRound;
      return !(timed.height === height && timed.round === round && timed.preparedAt !== undefined);
    };
    const rest = (): number => armedAt + afterMs - clock.monotonic();
    const check = (): void => {
      if (awaitingProposal() && network.connectedPeers().includes(leader)) return;
      watch?.cancel();
      if (!awaitingProposal()) return;
      this.options.logger.info({ height, round, leader: leader + 1, afterMs: UNREACHABLE_LEADER_TIMEOUT_MS }, 'round leader not connected: round timer cut');
      at(Math.min(UNREACHABLE_LEADER_TIMEOUT_MS, rest()), () => (awaitingProposal() ? fire() : at(rest(), fire)));
    };
    watch = clock.every(LEADER_CHECK_MS, check);
    check();
    return { cancel };
  }

  /** The machine's `signCommit`: guard first (durable before anything that carries the partial), then the partial signature. */
  private signCommit(height: number, round: number, block: Block): Uint8Array {
    this.awaitDurable(this.options.store.guardSigning(height, round, block.hash));
    this.options.timeline.mark('signed');
    return partialSign(this.options.key.share, signingRoot(BLOCK_DOMAIN, this.options.chainId, round, block.hash)).signature;
  }

  /** Chains a write whose durability must precede whatever leaves the node next. */
  private awaitDurable(write: Promise<void>): void {
    write.catch((error: unknown) => error instanceof StorageUnavailable && this.options.storage.failed(error));
    const all = Promise.all([this.durableWrites, write]).then(() => undefined);
    // A failure is reported above and met by whoever waits for `durable`; a chain nobody waits on must not go unhandled.
    all.catch(() => {});
    this.durableWrites = all;
  }
}
