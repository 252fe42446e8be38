/**
 * The sequencer node (issues 6, 7 and 19; docs/architecture.md §3): the production loop and the `SequencerView`
 * the API serves, wiring the parts that own the node's state (src/node/README.md: the diagram, who owns
 * what, the rules for when a height starts and when a node syncs).
 *
 * One height: wait until it should start (block time passed and an includable transaction pooled, or
 * peers started it) → QBFT until it decides (ConsensusDriver, values from BlockProposer) → the decision
 * round's partials combined into the group signature (PartialAggregator; this node's own partial added
 * if the decision came without it; peers asked for the block when partials are missing) → the commit
 * (BlockCommitter). Sync (SyncRunner, through the committer; consensus pauses while it stores blocks)
 * runs at start-up, when a peer shows this node behind, when a round times out, while a decided height
 * lacks partials.
 */
import type { Logger } from 'pino';
import type { Block, Transaction, TransactionRules } from '../chain/index.js';
import { quorumSize, type Decision, type QbftPersistedState } from '../consensus/index.js';
import { ActivityLog, type NodeActivity } from './activity.js';
import { Admission } from './admission.js';
import { PartialAggregator } from './aggregator.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { BlockCommitter } from './committer.js';
import { ConsensusDriver } from './driver.js';
import { checkOptions, type SequencerNetwork, type SequencerOptions } from './options.js';
import { GossipIntake } from './gossip-intake.js';
import { LeaderSchedule } from './leaders.js';
import { pendingReason, readinessReasons } from './health.js';
import { PeerTracker } from './peers.js';
import { BlockProposer } from './proposer.js';
import { ConsensusInbox } from './inbox.js';
import { ChainQueries } from './queries.js';
import { ChangeSignal } from './signal.js';
import { StorageHealth } from './storage-health.js';
import { StorageUnavailable } from './storage.js';
import { serveBlocks, SyncRunner } from './sync.js';
import { HeightTimeline } from './timeline.js';
import type { ClusterInfo, NodeHealth, SequencerView, SignedBlock, TransactionRecord, TransactionStatus } from './types.js';

export type { NodeKey, SequencerMetrics, SequencerNetwork, SequencerOptions } from './options.js';

/** How long a node waits at start-up for a quorum of peers before it syncs with whoever is there. */
const STARTUP_PEER_WAIT_MS = 5_000;
const STARTUP_PEER_POLL_MS = 50;
/** A decided height still without t valid partials asks its peers for the signed block this often. */
const PARTIALS_WAIT_MS = 1_000;

type Phase = 'created' | 'joining' | 'running' | 'stopped' | 'failed';

export class Sequencer implements SequencerView {
  readonly chainId: bigint;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly rules: TransactionRules;
  private readonly quorum: number;
  private readonly network: SequencerNetwork | undefined;
  private readonly signal: ChangeSignal;
  private readonly storage: StorageHealth;
  private readonly timeline: HeightTimeline;
  private readonly admission: Admission;
  private readonly committer: BlockCommitter;
  private readonly queries: ChainQueries;
  private readonly aggregator: PartialAggregator;
  private readonly driver: ConsensusDriver;
  private readonly proposer: BlockProposer;
  private readonly peers: PeerTracker | undefined;
  private readonly syncer: SyncRunner | undefined;
  private readonly inbox: ConsensusInbox | undefined;
  private readonly gossipIntake: GossipIntake | undefined;
  /** What the dashboard shows that nothing else holds (./activity.ts). */
  private readonly activityLog: ActivityLog;
  private phase: Phase = 'created';
  private fatal: Error | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SequencerOptions) {
    checkOptions(options);
    const { store, key, logger, metrics } = options;
    this.chainId = options.chainId;
    this.clock = options.clock ?? systemClock;
    this.logger = logger;
    this.network = options.nodes > 1 ? options.network : undefined;
    this.quorum = quorumSize(options.nodes);
    this.rules = { chainId: options.chainId, maxBytes: options.maxTransactionBytes };
    this.signal = new ChangeSignal(this.clock);
    this.timeline = new HeightTimeline(this.clock);
    this.activityLog = new ActivityLog(options.nodes, key.share.index - 1, this.clock);
    this.storage = new StorageHealth(store, this.clock, this.signal, logger);
    const network = this.network;
    // What several parts take; each picks its own options from it.
    const shared = { ...options, clock: this.clock, rules: this.rules, signal: this.signal, timeline: this.timeline, storage: this.storage, network };
    const gossip = network && ((transactions: readonly Uint8Array[]) => network.gossipTransactions(transactions));
    this.admission = new Admission({ ...shared, gossip, onPooled: () => this.signal.notify() });
    this.queries = new ChainQueries(options, this.admission);
    this.committer = new BlockCommitter(store, this.admission, options.chainId, logger, this.clock, metrics);
    const leaders = new LeaderSchedule(store, options.nodes);
    this.committer.onBlock((signed) => leaders.noteBlock(signed));
    this.aggregator = new PartialAggregator(options.chainId, key, logger, metrics);
    const isCurrent = (height: number) => (): boolean => this.producing && this.headNumber() + 1 === height && this.driver.decisionAt(height) === undefined;
    this.driver = new ConsensusDriver({
      ...shared,
      leaders,
      // The pool is what the leader builds from: a round of a full block gets the time its work takes.
      expectedBlockTransactions: () => Math.min(this.admission.size, options.block.maxTransactions),
      hooks: {
        propose: (height, round) => this.proposer.propose(height, round, isCurrent(height)),
        validate: (block) => this.proposer.validate(block),
        ownCommit: (commit) => this.recordCommit(commit),
        decided: () => this.signal.notify(),
        timedOut: (height, round, detail) => this.roundTimedOut(height, round, detail),
        failed: (error) => this.fail(error),
      },
    });
    const { admission, committer } = this;
    this.proposer = new BlockProposer({ ...shared, admission, committer, proposer: key.share.index, cluster: network !== undefined, roundTimeout: this.driver.roundTimeout });
    if (network) {
      this.peers = new PeerTracker(options.nodes, network, options.maxFutureDriftMs, logger, (height, round) => leaders.leader(height, round));
      this.gossipIntake = new GossipIntake({ ...shared, admission: this.admission });
      const commit = (signed: SignedBlock, transactions: Parameters<BlockCommitter['commit']>[1]): Promise<void> => {
        this.driver.pause();
        return this.committer.commit(signed, transactions, 'sync');
      };
      this.syncer = new SyncRunner({ ...shared, network, groupPublicKey: key.groupPublicKey, head: () => this.committer.head, commit });
      const head = (): number => this.headNumber();
      this.inbox = new ConsensusInbox({ ...shared, driver: this.driver, peers: this.peers, head, requestSync: () => this.requestSync(), recordCommit: (c) => this.recordCommit(c) });
    }
  }

  /** Reloads the pool, connects to the network and starts producing blocks (after a first sync in a cluster). */
  async start(): Promise<void> {
    this.phase = this.network ? 'joining' : 'running';
    const network = this.network;
    if (network) {
      network.onConsensusMessage((message, from) => this.producing && this.inbox!.receive(message, from));
      network.onTransactions((transactions, from) => this.producing && this.gossipIntake!.receive(transactions, from));
      serveBlocks(network, this.options.store);
      if (this.options.metrics) this.peers!.startMetrics(this.clock, this.options.metrics);
      this.peers!.startQuorumWatch(this.clock, this.quorum);
    }
    // The pool reloads while the node already answers RPC; the loop waits for it.
    const restored = this.admission.restore();
    this.loop = restored.then(() => this.produce()).catch((error: Error) => this.fail(error));
    this.logger.info({ head: this.headNumber(), nodes: this.options.nodes, self: this.options.key.share.index }, 'sequencer started');
  }

  /** Stops after the block in progress (if any) is stored; the store stays open for the caller to close. */
  async stop(): Promise<void> {
    if (this.phase !== 'failed') this.phase = 'stopped';
    this.signal.notify();
    // Admission stops (a pool reload in progress too); gossip in flight finishes before the caller closes the store.
    this.admission.close();
    const closing = this.gossipIntake?.close();
    await this.loop;
    await closing;
    this.driver.stop();
    this.peers?.stop();
  }

  /** Set when block production has stopped because of an error (for the process to exit). */
  get failure(): Error | undefined {
    return this.fatal;
  }

  // ---- SequencerView -----------------------------------------------------------------------------

  headNumber(): number {
    return this.committer.head.header.number;
  }

  async submitTransaction(raw: Uint8Array, client: string): Promise<Uint8Array> {
    if (this.fatal) throw new Error(`node is not sequencing: ${this.fatal.message}`);
    return this.admission.submit(raw, client);
  }

  getBlockByNumber = (number: number): SignedBlock | undefined => this.queries.getBlockByNumber(number);
  getBlockByHash = (hash: Uint8Array): SignedBlock | undefined => this.queries.getBlockByHash(hash);
  getTransaction = (hash: Uint8Array): TransactionRecord | undefined => this.queries.getTransaction(hash);
  transactionStatus = (hash: Uint8Array): TransactionStatus => this.queries.transactionStatus(hash);
  nextNonce = (address: Uint8Array, pending: boolean): bigint => this.queries.nextNonce(address, pending);
  blockTransactions = (signed: SignedBlock): Transaction[] => this.queries.blockTransactions(signed);

  onBlock(listener: (block: SignedBlock) => void): () => void {
    return this.committer.onBlock(listener);
  }

  clusterInfo = (): ClusterInfo => this.queries.clusterInfo();

  /** For the dashboard: operators' last COMMITs and the network's view of them, recent signature times. */
  activity(): NodeActivity {
    return this.activityLog.snapshot(this.network, this.peers?.highestPeerHeight ?? 0, this.syncer?.active ?? false);
  }

  /** Ready when it can take part (./health.ts says when); the reasons when not. */
  health(): NodeHealth {
    const { storage, admission, committer, quorum, peers, syncer, fatal, producing } = this;
    const reasons = readinessReasons({ producing, joining: this.phase === 'joining', fatal, storage, admission, committer, quorum, peers, syncer });
    const oldestPendingAgeMs = admission.oldestPendingAgeMs();
    // Transactions are still accepted (kept and gossiped) while the node cannot sign: say so.
    if (reasons.length > 0 && oldestPendingAgeMs !== undefined) reasons.push(pendingReason(admission.size, oldestPendingAgeMs));
    return { live: fatal === undefined, ready: reasons.length === 0, head: this.headNumber(), mempoolSize: admission.size, oldestPendingAgeMs, reasons };
  }

  // ---- the loop ----------------------------------------------------------------------------------

  private get producing(): boolean {
    return this.phase === 'running' || this.phase === 'joining';
  }

  private async produce(): Promise<void> {
    if (this.network) await this.joinCluster();
    let resume = this.persistedHeight();
    while (this.producing) {
      try {
        if (this.storage.failing) {
          // The height in progress is dropped as by a restart (nothing that depends on a failed write
          // has left the node); once the disk takes writes, the loop resumes from what is durable.
          this.driver.reset();
          this.timeline.reset();
          await this.storage.untilWritable(() => this.producing);
          resume = this.persistedHeight();
        } else if (this.syncer?.due) {
          await this.runSync();
          resume = undefined;
        } else if (resume || (await this.waitForNextHeight())) {
          await this.runHeight(resume);
          resume = undefined;
        }
      } catch (error) {
        if (!(error instanceof StorageUnavailable)) throw error;
        this.storage.failed(error);
      }
    }
  }

  /** The QBFT state persisted for the next height, if any (a height to resume). */
  private persistedHeight(): QbftPersistedState<Block> | undefined {
    const persisted = this.options.store.qbftState();
    return persisted?.height === this.headNumber() + 1 ? persisted : undefined;
  }

  /** Start-up in a cluster: wait (briefly) for a quorum of peers, then sync before taking part in consensus. */
  private async joinCluster(): Promise<void> {
    const deadline = this.clock.monotonic() + STARTUP_PEER_WAIT_MS;
    while (this.producing && this.peers!.connectedPeers() + 1 < this.quorum && this.clock.monotonic() < deadline) {
      await sleep(this.clock, STARTUP_PEER_POLL_MS);
    }
    if (!this.producing) return;
    await this.runSync();
    this.committer.forgetSynced();
    if (this.phase === 'joining') this.phase = 'running';
    this.admission.offerPending();
  }

  /** Waits until the next height should start; false when stopped or a sync is due first. */
  private async waitForNextHeight(): Promise<boolean> {
    const next = this.headNumber() + 1;
    while (this.producing && !this.syncer?.due && !this.storage.failing) {
      if (this.peers?.peerStarted(next)) return true;
      const remaining = this.proposer.blockTimeRemaining();
      const includable = this.admission.hasIncludable();
      if (includable && remaining <= 0) return true;
      await this.signal.wait(includable ? remaining : undefined);
    }
    return false;
  }

  /** One height: QBFT until it decides, the group signature, the commit. Returns early if stopped or sync stored the height. */
  private async runHeight(resume: QbftPersistedState<Block> | undefined): Promise<void> {
    const height = this.headNumber() + 1;
    const startedAt = this.clock.monotonic();
    const { metrics } = this.options;
    this.logger.debug({ height, resume: resume !== undefined, pending: this.admission.size }, 'height started');
    this.driver.begin(height, resume);
    const decision = await this.awaitDecision(height);
    if (decision === undefined) return;
    metrics?.consensusDuration.observe((this.clock.monotonic() - startedAt) / 1000);
    metrics?.consensusRounds.observe(decision.round);
    const signed = await this.awaitSignature(decision);
    if (signed === undefined) return;
    await this.driver.durable;
    const transactions = this.driver.checkedTransactions(signed.block) ?? (await this.admission.transactionsOf(signed.block));
    await this.committer.commit(signed, transactions, 'consensus', () => {
      this.timeline.mark('stored');
      return this.timeline.fields();
    });
    this.activityLog.noteSigned(height, signed.round, signed.block.transactions.length, this.timeline.between('proposal', 'combined'));
    this.timeline.reset();
    this.aggregator.prune(this.headNumber());
    metrics?.blockProduction.observe((this.clock.monotonic() - startedAt) / 1000);
  }

  private async awaitDecision(height: number): Promise<Decision<Block> | undefined> {
    for (;;) {
      if (!this.producing || this.storage.failing) return undefined;
      const decision = this.driver.decisionAt(height);
      if (decision) return decision;
      // No await between the check above and the wait: a decision's notify must not fall in between.
      if (!this.syncer?.due) await this.signal.wait();
      else if (await this.syncCompleted(height)) {
        this.driver.abandon();
        this.timeline.reset();
        return undefined;
      }
    }
  }

  /**
   * The decision's group signature. While fewer than t valid partials are known: add this node's own
   * if the decision came without it (`commitDecided`), wait for more, and every `PARTIALS_WAIT_MS`
   * without news ask peers for the signed block (a sync), in case they combined it from partials that
   * never reached this node.
   */
  private async awaitSignature(decision: Decision<Block>): Promise<SignedBlock | undefined> {
    const { height, round } = decision;
    const self = this.options.key.share.index - 1;
    let committedHere = false;
    for (let attempts = 0; ; attempts++) {
      const attempt = this.aggregator.combine(decision);
      if (attempt.signed) {
        this.timeline.mark('combined');
        const ms = this.timeline.between('signed', 'combined');
        if (ms !== undefined) this.options.metrics?.signing.observe(ms / 1000);
        return attempt.signed;
      }
      if (this.network === undefined) {
        throw new Error(`height ${height}: the COMMIT quorum's partial signatures do not combine into a valid group signature (invalid shares: ${this.aggregator.invalidAt(height).join(', ')})`);
      }
      if (!committedHere && !this.aggregator.has(height, round, self)) {
        committedHere = true;
        this.driver.commitDecided(decision);
        continue;
      }
      if (attempts === 0 || attempts % 10 === 0) {
        this.logger.warn({ height, round, valid: attempt.candidates, threshold: this.options.key.threshold }, 'waiting for more partial signatures of the decided round');
      }
      const waitedSince = this.clock.monotonic();
      await this.signal.wait(PARTIALS_WAIT_MS);
      if (!this.producing || this.storage.failing) return undefined;
      if (this.clock.monotonic() - waitedSince >= PARTIALS_WAIT_MS) this.requestSync();
      if (await this.syncCompleted(height)) return undefined;
    }
  }

  /**
   * Runs a sync if one is due; true if it stored `height`. Otherwise consensus resumes on the height
   * (a decided machine answers peers' ROUND-CHANGEs with the DECIDED they need).
   */
  private async syncCompleted(height: number): Promise<boolean> {
    if (!this.syncer?.due) return false;
    await this.runSync();
    if (this.headNumber() >= height) return true;
    this.driver.resume();
    return false;
  }

  /**
   * Runs a sync. Consensus pauses (peers' messages held) only once sync stores a block, so a sync that
   * finds nothing to fetch — the usual case after a round timeout — costs consensus nothing.
   */
  private async runSync(): Promise<void> {
    const stored = await this.syncer!.run();
    if (stored > 0) this.aggregator.prune(this.headNumber());
  }

  private requestSync(): void {
    if (this.syncer!.request()) this.signal.notify();
  }

  private fail(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    this.phase = 'failed';
    this.signal.notify();
    this.logger.fatal({ err: error }, 'block production stopped');
  }

  // ---- what the driver asks ----------------------------------------------------------------------

  /**
   * A round passed without a decision. Perhaps the peers have stored this height already and moved on
   * (this node missed the decision while partitioned or restarting, and an idle cluster sends nothing
   * that would show it behind): ask them, with a sync (at most one a second; cheap when there is
   * nothing to fetch). And if no proposal came, perhaps the leader lacks the transactions this node
   * started the height for (gossip lost): gossip them again, a block's worth; peers skip what they have.
   */
  private roundTimedOut(height: number, round: number, detail: { afterMs: number; proposalAccepted: boolean }): void {
    this.options.metrics?.roundTimeouts.inc();
    this.logger.info({ height, round, afterMs: Math.round(detail.afterMs), proposalAccepted: detail.proposalAccepted }, 'round timeout');
    if (this.network === undefined) return;
    this.requestSync();
    if (!this.timeline.has('proposal')) this.admission.offerIncludable();
  }

  private recordCommit(commit: { height: number; round: number; sender: number; valueId: string; signature: Uint8Array }): void {
    this.activityLog.noteCommit(commit.sender, commit.height, commit.round);
    if (this.aggregator.record(this.headNumber(), this.driver.round, commit)) this.signal.notify();
  }
}
