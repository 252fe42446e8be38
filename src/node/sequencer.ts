/**
 * The sequencer node's production loop (issues 6, 7 and 19; DESIGN.md §3), wiring the parts that own
 * the node's state (src/node/README.md has the diagram):
 *
 *   Admission (./admission.ts)        the pool: RPC and gossip admission, restore, block selection
 *   ConsensusDriver (./driver.ts)     one QBFT height: persist-before-send, the guard, timers, holding
 *   PartialAggregator (./aggregator.ts) COMMIT partials by (height, round, sender), optimistic combine
 *   BlockCommitter (./committer.ts)   the one path that stores a signed block and publishes it; the head
 *   PeerTracker (./peers.ts)          peers' heights: when the next height starts, when to sync
 *   SyncRunner (./sync.ts)            catch-up sync through the committer
 *   Clock (./clock.ts)                all time and timers, real or virtual
 *
 * One height: it starts → the round's leader builds the block from its pool, the others validate it
 * (src/chain/validation.ts) → QBFT → on a PREPARE quorum the guard, durable → COMMIT with the partial
 * signature over the round's signing root → on a COMMIT quorum the partials combine into the group
 * signature, verified once → the committer stores and publishes the block.
 *
 * When a height starts. A node starts height head + 1 once the block time since the head has passed
 * and its pool holds a transaction the block can include, or as soon as peers have started it (see
 * ./peers.ts). An idle cluster therefore signs no empty blocks and runs no round timers. A leader asked
 * for a value waits for the block time and, in a cluster, for transactions at most a quarter of the
 * round's timeout; then it proposes what its pool has, possibly nothing.
 *
 * Sync: at start-up (after waiting briefly for a quorum of peers) and whenever a peer's message shows
 * this node behind, consensus pauses (the driver holds peers' messages), signed blocks are fetched,
 * checked, batch-verified and stored through the committer, and the node carries on at the new head; a
 * height that sync completed is abandoned.
 *
 * Restart: the pool is reloaded from the store in arrival order, the head from the stored chain, and
 * the QBFT state of an undecided height is handed back to the machine, which resumes in the next round
 * and keeps reporting its lock; the guard refuses to sign another hash in a round this node signed in.
 * The guard is per round, not per height as DESIGN.md §3 first had it (docs/qbft.md).
 */
import type { Logger } from 'pino';
import { decodeTransaction, genesisBlock, hex, validateProposal, type Block, type Transaction, type TransactionRules } from '../chain/index.js';
import { quorumSize, type Decision, type QbftMessage, type QbftPersistedState } from '../consensus/index.js';
import { Admission } from './admission.js';
import { PartialAggregator } from './aggregator.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { BlockCommitter } from './committer.js';
import { ConsensusDriver } from './driver.js';
import type { SequencerNetwork, SequencerOptions } from './options.js';
import { PeerTracker } from './peers.js';
import { ChangeSignal } from './signal.js';
import { serveBlocks, SyncRunner } from './sync.js';
import { HeightTimeline } from './timeline.js';
import type { ClusterInfo, NodeHealth, SequencerView, SignedBlock, TransactionRecord } from './types.js';

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
  private readonly genesis: Block;
  private readonly quorum: number;
  private readonly network: SequencerNetwork | undefined;
  private readonly signal: ChangeSignal;
  private readonly timeline: HeightTimeline;
  private readonly admission: Admission;
  private readonly committer: BlockCommitter;
  private readonly aggregator: PartialAggregator;
  private readonly driver: ConsensusDriver;
  private readonly peers: PeerTracker | undefined;
  private readonly syncer: SyncRunner | undefined;
  private phase: Phase = 'created';
  private fatal: Error | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: SequencerOptions) {
    checkOptions(options);
    const { store, key, logger, metrics, executor } = options;
    this.chainId = options.chainId;
    this.clock = options.clock ?? systemClock;
    this.logger = logger;
    this.network = options.nodes > 1 ? options.network : undefined;
    this.quorum = quorumSize(options.nodes);
    this.rules = { chainId: options.chainId, maxBytes: options.maxTransactionBytes };
    this.genesis = genesisBlock(options.chainId);
    this.signal = new ChangeSignal(this.clock);
    this.timeline = new HeightTimeline(this.clock);
    const network = this.network;
    this.admission = new Admission({
      store,
      rules: this.rules,
      pool: options.pool,
      block: options.block,
      executor,
      logger,
      metrics,
      gossip: network && ((transactions) => network.gossipTransactions(transactions)),
      onPooled: () => this.signal.notify(),
    });
    this.committer = new BlockCommitter(store, this.admission, options.chainId, logger, metrics);
    this.aggregator = new PartialAggregator(options.chainId, key, logger, metrics);
    this.driver = new ConsensusDriver({
      chainId: options.chainId,
      key,
      nodes: options.nodes,
      store,
      clock: this.clock,
      logger,
      timeline: this.timeline,
      network,
      metrics,
      hooks: {
        propose: (height, round) => this.proposal(height, round),
        validate: (block) => this.validate(block),
        ownCommit: (commit) => this.recordCommit(commit),
        decided: () => this.signal.notify(),
        timedOut: (height, round) => this.roundTimedOut(height, round),
        failed: (error) => this.fail(error),
      },
    });
    if (network) {
      this.peers = new PeerTracker(options.nodes, network);
      this.syncer = new SyncRunner({
        network,
        executor,
        groupPublicKey: key.groupPublicKey,
        chainId: options.chainId,
        clock: this.clock,
        logger,
        metrics,
        head: () => this.committer.head,
        commit: (signed, transactions) => this.committer.commit(signed, transactions, 'sync'),
      });
    }
  }

  /** Reloads the pool, connects to the network and starts producing blocks (after a first sync in a cluster). */
  async start(): Promise<void> {
    await this.admission.restore();
    this.phase = this.network ? 'joining' : 'running';
    const network = this.network;
    if (network) {
      network.onConsensusMessage((message, from) => this.onConsensusMessage(message, from));
      network.onTransactions((transactions) => this.producing && this.admission.admitGossip(transactions));
      serveBlocks(network, this.options.store);
      if (this.options.metrics) this.peers!.startMetrics(this.clock, this.options.metrics);
    }
    this.loop = this.produce().catch((error: Error) => this.fail(error));
    this.logger.info(
      { head: this.headNumber().toString(), pending: this.admission.size, nodes: this.options.nodes, self: this.options.key.share.index },
      'sequencer started',
    );
  }

  /** Stops after the block in progress (if any) is stored; the store stays open for the caller to close. */
  async stop(): Promise<void> {
    if (this.phase !== 'failed') this.phase = 'stopped';
    this.signal.notify();
    await this.loop;
    // Admissions in flight finish before the caller closes the store.
    await this.admission.close();
    this.driver.stop();
    this.peers?.stop();
  }

  /** Set when block production has stopped because of an error (for the process to exit). */
  get failure(): Error | undefined {
    return this.fatal;
  }

  // ---- SequencerView -----------------------------------------------------------------------------

  headNumber(): bigint {
    return this.committer.head.header.number;
  }

  async submitTransaction(raw: Uint8Array): Promise<Uint8Array> {
    if (this.fatal) throw new Error(`node is not sequencing: ${this.fatal.message}`);
    return this.admission.submit(raw);
  }

  getBlockByNumber(number: bigint): SignedBlock | undefined {
    if (number === 0n) return this.genesisSigned();
    return this.options.store.getBlock(number);
  }

  getBlockByHash(hash: Uint8Array): SignedBlock | undefined {
    if (hex(hash) === hex(this.genesis.hash)) return this.genesisSigned();
    const number = this.options.store.blockNumberOf(hash);
    return number === undefined ? undefined : this.options.store.getBlock(number);
  }

  getTransaction(hash: Uint8Array): TransactionRecord | undefined {
    const pending = this.admission.get(hex(hash));
    if (pending) return { tx: pending.tx };
    const included = this.options.store.includedTransaction(hash);
    if (included === undefined) return undefined;
    // Stored transactions passed these checks when they were accepted (the size limit may have changed
    // since); their sender was recorded then, so no signature is recovered again.
    const tx = decodeTransaction(Uint8Array.from(included.raw), { chainId: this.chainId, maxBytes: Number.MAX_SAFE_INTEGER });
    return { tx: { ...tx, sender: Uint8Array.from(included.sender) }, location: included.location };
  }

  nextNonce(address: Uint8Array, pending: boolean): bigint {
    const sender = hex(address);
    const last = this.options.store.lastIncludedNonce(sender);
    return this.admission.nextNonce(sender, last === undefined ? 0n : last + 1n, pending);
  }

  onBlock(listener: (block: SignedBlock) => void): () => void {
    return this.committer.onBlock(listener);
  }

  clusterInfo(): ClusterInfo {
    const { key } = this.options;
    return { chainId: this.chainId, groupPublicKey: key.groupPublicKey, nodes: this.options.nodes, threshold: key.threshold, self: key.share.index, blockTimeMs: this.options.blockTimeMs };
  }

  /** Ready: producing, and in a cluster a quorum connected (this node included) and not behind its peers. */
  health(): NodeHealth {
    const reasons: string[] = [];
    if (this.phase !== 'running' && this.phase !== 'joining') reasons.push('block production is not running');
    if (this.fatal) reasons.push(`block production failed: ${this.fatal.message}`);
    if (this.peers) {
      const connected = this.peers.connectedPeers();
      if (connected + 1 < this.quorum) {
        reasons.push(`${connected} of ${this.options.nodes - 1} peers connected: a quorum of ${this.quorum} nodes needs ${this.quorum - 1}`);
      }
      if (this.phase === 'joining') reasons.push('syncing with peers before joining consensus');
      else if (this.syncer!.active) reasons.push(`behind: peers are at height ${this.peers.highestPeerHeight}, this node's head is ${this.headNumber()}; syncing`);
    }
    return { live: this.fatal === undefined, ready: reasons.length === 0, head: this.headNumber(), mempoolSize: this.admission.size, reasons };
  }

  // ---- the loop ----------------------------------------------------------------------------------

  private get producing(): boolean {
    return this.phase === 'running' || this.phase === 'joining';
  }

  private async produce(): Promise<void> {
    if (this.network) await this.joinCluster();
    const persisted = this.options.store.qbftState();
    let resume = persisted !== undefined && BigInt(persisted.height) === this.headNumber() + 1n ? persisted : undefined;
    while (this.producing) {
      if (this.syncer?.due) {
        await this.runSync();
        resume = undefined;
        continue;
      }
      if (!resume && !(await this.waitForNextHeight())) continue;
      await this.runHeight(resume);
      resume = undefined;
    }
  }

  /** Start-up in a cluster: wait (briefly) for a quorum of peers, then sync before taking part in consensus. */
  private async joinCluster(): Promise<void> {
    const deadline = this.clock.monotonic() + STARTUP_PEER_WAIT_MS;
    while (this.producing && this.peers!.connectedPeers() + 1 < this.quorum && this.clock.monotonic() < deadline) {
      await sleep(this.clock, STARTUP_PEER_POLL_MS);
    }
    if (!this.producing) return;
    await this.runSync();
    if (this.phase === 'joining') this.phase = 'running';
    // Transactions restored from disk may never have reached the peers (a crash before the gossip
    // batch left): offer them again; peers skip what they have.
    const pending = this.admission.pendingRaw();
    if (pending.length > 0) this.network!.gossipTransactions(pending);
  }

  /** Waits until the next height should start; false when stopped or a sync is due first. */
  private async waitForNextHeight(): Promise<boolean> {
    const next = this.headNumber() + 1n;
    while (this.producing && !this.syncer?.due) {
      if (this.peers?.peerStarted(next)) return true;
      const remaining = this.blockTimeRemaining();
      const includable = this.admission.hasIncludable();
      if (includable && remaining <= 0) return true;
      await this.signal.wait(includable ? remaining : undefined);
    }
    return false;
  }

  /** One height: QBFT until it decides, the group signature, the commit. Returns early if stopped or sync stored the height. */
  private async runHeight(resume: QbftPersistedState<Block> | undefined): Promise<void> {
    const height = Number(this.headNumber() + 1n);
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
    this.timeline.reset();
    this.aggregator.prune(this.headNumber());
    metrics?.blockProduction.observe((this.clock.monotonic() - startedAt) / 1000);
  }

  private async awaitDecision(height: number): Promise<Decision<Block> | undefined> {
    for (;;) {
      if (!this.producing) return undefined;
      const decision = this.driver.decisionAt(height);
      if (decision) return decision;
      if (this.syncer?.due) {
        await this.runSync();
        if (this.headNumber() >= BigInt(height)) {
          this.driver.abandon();
          this.timeline.reset();
          return undefined;
        }
        this.driver.resume();
        continue;
      }
      await this.signal.wait();
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
      if (!this.producing) return undefined;
      if (this.clock.monotonic() - waitedSince >= PARTIALS_WAIT_MS) this.requestSync();
      if (this.syncer?.due) {
        await this.runSync();
        if (this.headNumber() >= BigInt(height)) return undefined;
        // Still this height: the machine answers peers' ROUND-CHANGEs with the DECIDED they need.
        this.driver.resume();
      }
    }
  }

  private async runSync(): Promise<void> {
    this.driver.pause();
    const stored = await this.syncer!.run();
    if (stored > 0) this.aggregator.prune(this.headNumber());
  }

  private requestSync(): void {
    if (!this.syncer!.request()) return;
    this.driver.pause();
    this.signal.notify();
  }

  private fail(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    this.phase = 'failed';
    this.signal.notify();
    this.logger.fatal({ err: error }, 'block production stopped');
  }

  // ---- what the driver asks ----------------------------------------------------------------------

  /** Milliseconds until the block time since the head has passed (≤ 0: it has). */
  private blockTimeRemaining(): number {
    const head = this.committer.head;
    if (head.header.number === 0n) return 0;
    return Number(head.header.timestampMs) + this.options.blockTimeMs - this.clock.now();
  }

  /** The leader's value: after the block time, the pool's best transactions (waiting a little for some in a cluster). */
  private async proposal(height: number, round: number): Promise<{ block: Block; transactions: Transaction[] } | undefined> {
    const current = (): boolean => this.producing && this.headNumber() + 1n === BigInt(height) && this.driver.decisionAt(height) === undefined;
    while (current() && this.blockTimeRemaining() > 0) await this.signal.wait(this.blockTimeRemaining());
    const deadline = this.clock.monotonic() + this.driver.roundTimeout(round) / 4;
    while (current() && !this.admission.hasIncludable()) {
      if (this.network === undefined) {
        await this.signal.wait();
        continue;
      }
      const left = deadline - this.clock.monotonic();
      if (left <= 0) break;
      await this.signal.wait(left);
    }
    if (!current()) return undefined;
    this.logger.debug({ height, round, pending: this.admission.size }, 'proposing');
    return this.admission.proposalFor(this.committer.head, this.options.key.share.index, BigInt(this.clock.now()));
  }

  /** A block this node did not build (a restored lock, or a peer's proposal): the checks of src/chain/validation.ts. */
  private async validate(block: Block): Promise<Transaction[] | undefined> {
    const parent = this.committer.head;
    try {
      const { transactions } = await validateProposal(block.header, block.transactions, {
        parent,
        chain: this.options.store,
        transactionRules: this.rules,
        limits: this.options.block,
        nowMs: BigInt(this.clock.now()),
        maxFutureDriftMs: BigInt(this.options.maxFutureDriftMs),
        executor: this.options.executor,
        knownSender: (hash) => this.admission.knownSender(hash),
      });
      return transactions;
    } catch (error) {
      // Checked against a head that has moved meanwhile (the height was decided without this node): moot.
      if (this.committer.head === parent) this.logger.warn({ err: error, height: block.header.number.toString() }, 'rejected a proposed block');
      return undefined;
    }
  }

  /**
   * A round passed without a decision. Perhaps the peers have stored this height already and moved on
   * (this node missed the decision while partitioned or restarting, and an idle cluster sends nothing
   * that would show it behind): ask them, with a sync (at most one a second; cheap when there is
   * nothing to fetch). And if no proposal came, perhaps the leader lacks the transactions this node
   * started the height for (gossip lost): gossip them again, a block's worth; peers skip what they have.
   */
  private roundTimedOut(height: number, round: number): void {
    this.options.metrics?.roundTimeouts.inc();
    this.logger.info({ height, round }, 'round timeout');
    if (this.network === undefined) return;
    this.requestSync();
    if (this.timeline.has('proposal')) return;
    const transactions = this.admission.includableRaw();
    if (transactions.length === 0) return;
    this.logger.debug({ transactions: transactions.length }, 'gossiping pending transactions again');
    this.network.gossipTransactions(transactions);
  }

  // ---- peers' messages ---------------------------------------------------------------------------

  private onConsensusMessage(message: QbftMessage<Block>, from: number): void {
    if (!this.producing) return;
    const head = this.headNumber();
    if (message.type === 'COMMIT') {
      this.options.metrics?.partialsReceived.inc();
      this.recordCommit(message);
    } else if (message.type === 'DECIDED') {
      for (const commit of message.commits) this.recordCommit(commit);
    }
    const { syncDue, startedNext } = this.peers!.observe(message, from, head);
    if (syncDue) this.requestSync();
    if (message.type === 'PRE-PREPARE' && BigInt(message.height) === head + 1n) this.timeline.mark('proposal');
    if (startedNext) this.signal.notify();
    // While paused, a laggard's message is dropped: it is answered once consensus runs again.
    if (this.driver.paused && BigInt(message.height) <= head) return;
    this.driver.receive(message, from);
  }

  private recordCommit(commit: { height: number; round: number; sender: number; valueId: string; signature: Uint8Array }): void {
    if (this.aggregator.record(this.headNumber(), this.driver.round, commit)) this.signal.notify();
  }

  private genesisSigned(): SignedBlock {
    return { block: this.genesis, round: 0, signingRoot: new Uint8Array(0), signature: new Uint8Array(0) };
  }
}

function checkOptions(options: SequencerOptions): void {
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
