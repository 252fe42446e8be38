/**
 * The sequencer node's pipeline (issues 6 and 7; DESIGN.md §3): one height at a time,
 *
 *   the height starts → the round's leader builds the block from its pool, the others validate it
 *   (src/chain/validation.ts) before they PREPARE → QBFT (src/consensus) → on a PREPARE quorum the
 *   equivocation guard, durable in LMDB → COMMIT carrying the partial signature over the round's
 *   signing root → on a COMMIT quorum, optimistic combine of every partial of that round (one bad
 *   partial never stalls a block while t good ones exist) and one verification against the group key
 *   → store block, index and pool removal in one LMDB transaction → publish (`onBlock`) → drop what the
 *   block made obsolete from the pool.
 *
 * When a height starts. A node starts height head + 1 once the block time since the head has passed
 * and its pool holds a transaction the block can include, or as soon as a peer's consensus message for
 * that height arrives (transactions are gossiped, so every node usually has them; the first message
 * pulls in a node that has not). An idle cluster therefore signs no empty blocks and runs no round
 * timers. A leader asked for a value waits for the block time and, in a cluster, for transactions at
 * most a quarter of the round's timeout; then it proposes what its pool has, possibly nothing.
 *
 * A cluster (n > 1) adds the network (src/p2p's ClusterHost): QBFT messages go out only after the
 * state and guard they depend on are on disk (`durable`); transactions accepted over RPC are gossiped
 * in batches, gossiped ones are admitted after one batched sender recovery on the worker pool. Sync
 * (./sync.ts): at start-up, and whenever a peer's message shows this node two or more heights behind,
 * consensus pauses (peers' messages are held), signed blocks are fetched, checked, batch-verified and
 * stored, and the node joins consensus at the new head; a height that sync completed is abandoned.
 *
 * Restart: the pool is reloaded from LMDB in arrival order, the head from the stored chain, and the
 * QBFT state of an undecided height is handed back to the machine (`start(height, state)`), which
 * resumes in the next round and keeps reporting its lock; the guard (height, round) → hash refuses to
 * sign another hash in a round this node already signed in. The guard is per round, not per height as
 * DESIGN.md §3 first had it: partial signatures cover the round (docs/qbft.md), so one per round is
 * all safety needs, and a per-height rule could stall a height forever.
 */
import type { Logger } from 'pino';
import {
  buildBlock,
  decodeTransaction,
  genesisBlock,
  hex,
  Mempool,
  parseTransaction,
  recoverSenders,
  TransactionRejected,
  validateProposal,
  type Block,
  type BlockLimits,
  type DecodedTransaction,
  type MempoolLimits,
  type Transaction,
  type TransactionRules,
} from '../chain/index.js';
import {
  linearRoundTimeout,
  faultTolerance,
  QbftMachine,
  quorumSize,
  roundRobinLeader,
  type Decision,
  type QbftMessage,
  type QbftOutput,
  type QbftPersistedState,
} from '../consensus/index.js';
import {
  BLOCK_DOMAIN,
  optimisticCombine,
  partialSign,
  signingRoot,
  type CryptoExecutor,
  type KeyShare,
  type PublicShare,
} from '../crypto/index.js';
import type { ClusterHost } from '../p2p/index.js';
import type { NodeStore, StoredPoolEntry } from './store.js';
import { catchUp, serveBlocks } from './sync.js';
import type { ClusterInfo, NodeHealth, SequencerView, SignedBlock, TransactionRecord } from './types.js';

/** The key material of this node: its share and what verifies the cluster's signatures. */
export interface NodeKey {
  share: KeyShare;
  publicShares: PublicShare[];
  groupPublicKey: Uint8Array;
  threshold: number;
}

interface CounterLike {
  inc(value?: number): void;
}
interface LabelledCounterLike<L extends string> {
  inc(labels: Partial<Record<L, string>>, value?: number): void;
}
interface HistogramLike {
  observe(value: number): void;
}
interface GaugeLike {
  set(value: number): void;
}

/** What the node reports to a metrics registry (src/api/metrics.ts `DstMetrics` fits). */
export interface SequencerMetrics {
  blocks: CounterLike;
  transactionsIncluded: CounterLike;
  blockProduction: HistogramLike;
  signing: HistogramLike;
  transactionsAccepted: LabelledCounterLike<'source'>;
  transactionsRejected: LabelledCounterLike<'reason' | 'source'>;
  consensusDuration: HistogramLike;
  consensusRounds: HistogramLike;
  roundTimeouts: CounterLike;
  leader: GaugeLike;
  peersConnected: GaugeLike;
  peerPing: { set(labels: Partial<Record<'peer', string>>, value: number): void; reset(): void };
  partialsReceived: CounterLike;
  partialsInvalid: LabelledCounterLike<'peer'>;
  syncTarget: GaugeLike;
  syncBlocks: CounterLike;
}

/** What a node of a cluster uses of its libp2p host (src/p2p/host.ts). */
export type SequencerNetwork = Pick<
  ClusterHost<Block>,
  | 'self'
  | 'limits'
  | 'connectedPeers'
  | 'pingLatencies'
  | 'send'
  | 'broadcast'
  | 'onConsensusMessage'
  | 'gossipTransactions'
  | 'onTransactions'
  | 'provideBlocks'
  | 'requestBlocks'
>;

export interface SequencerOptions {
  store: NodeStore;
  chainId: bigint;
  key: NodeKey;
  /** Cluster size n; the key's shares are 1..n. */
  nodes: number;
  /** Least spacing between blocks in milliseconds; 0 = as fast as the pipeline goes. */
  blockTimeMs: number;
  pool: MempoolLimits;
  block: BlockLimits;
  /** Largest raw transaction accepted, in bytes. */
  maxTransactionBytes: number;
  /** How far a proposal's timestamp may be ahead of this node's clock. */
  maxFutureDriftMs: number;
  logger: Logger;
  /** Where batch crypto runs (senders of proposed blocks and gossip, sync's signatures): the worker pool. */
  executor: CryptoExecutor;
  /** The peers, required when nodes > 1. */
  network?: SequencerNetwork;
  metrics?: SequencerMetrics;
  /** Unix milliseconds; injectable for tests. */
  now?: () => number;
}

/** How long a node waits at start-up for a quorum of peers before it syncs with whoever is there. */
const STARTUP_PEER_WAIT_MS = 5_000;
/** Least time between two syncs, so that a peer far ahead that cannot serve does not make sync spin. */
const MIN_SYNC_INTERVAL_MS = 1_000;
/** A peer's message this many heights above the head means this node missed blocks: sync. One height
 * ahead is normal (peers decided the height this node is finishing); two ahead means they stored a
 * block this node does not have. */
const SYNC_LAG_HEIGHTS = 3n;
/** Peers' messages held while consensus is paused (before the first height, during sync), at most. */
const MAX_HELD_MESSAGES = 4_096;
/** COMMITs are collected for heights up to this far above the head, rounds up to this far above the current one. */
const COMMIT_HEIGHTS_AHEAD = 3n;
const COMMIT_ROUNDS_AHEAD = 8;
/** How often the peer gauges are refreshed. */
const PEER_METRICS_INTERVAL_MS = 1_000;

type Outcome = Decision<Block> | 'sync' | 'stopped';

/** One round's COMMIT partials of a height, by sender: the first COMMIT of each sender counts. */
type RoundCommits = Map<number, { valueId: string; signature: Uint8Array }>;

export class Sequencer implements SequencerView {
  readonly chainId: bigint;
  private readonly store: NodeStore;
  private readonly pool: Mempool;
  private readonly rules: TransactionRules;
  private readonly genesis: Block;
  private readonly qbft: QbftMachine<Block>;
  private readonly network: SequencerNetwork | undefined;
  private readonly quorum: number;
  private readonly roundTimeout = linearRoundTimeout();
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly listeners = new Set<(block: SignedBlock) => void>();
  /** Pool database sequence number of every pending transaction, by hash (hex). */
  private readonly poolSequence = new Map<string, number>();
  /** Blocks this node built or validated for the current height, by hash (hex), with their senders. */
  private readonly checkedProposals = new Map<string, Transaction[]>();
  /** COMMIT partials seen, by `${height}/${round}`. */
  private readonly commits = new Map<string, RoundCommits>();
  /** Share indices whose partial failed verification, by height (logged and counted once). */
  private readonly invalidPartials = new Map<number, Set<number>>();
  /** Work that reads the store off the production loop (gossip admissions, validations), until settled. */
  private readonly background = new Set<Promise<void>>();
  /** Peers' messages waiting for consensus to resume. */
  private held: Array<{ message: QbftMessage<Block>; from: number }> = [];
  private holding = true;
  /** Waiters woken by `notify()`: new transactions, a peer starting a height, a COMMIT, sync, stop. */
  private waiters = new Set<() => void>();
  private nextSequence = 0;
  private head: Block;
  private running = false;
  private fatal: Error | undefined;
  private roundTimer: NodeJS.Timeout | undefined;
  private peerMetricsTimer: NodeJS.Timeout | undefined;
  private pendingDecision: { height: number; resolve: (outcome: Outcome) => void; reject: (e: Error) => void } | undefined;
  /** A round-only QBFT state written ahead of the machine's own `persist` (see `decide`). */
  private persistedRoundOnly: QbftPersistedState<Block> | undefined;
  /** A decision the machine made while nobody waited for it (during sync). */
  private lateDecision: Decision<Block> | undefined;
  private loop: Promise<void> | undefined;
  /** When the current height reached each stage (performance.now(), 0 = not yet): logged with its block. */
  private timeline = emptyTimeline();
  /** The next height, once peers have started it (see `notePeerStart`). */
  private peerStartedHeight = 0n;
  /** Peers seen working on the next height, by height (only head + 1 is kept). */
  private peersOnNextHeight = new Map<bigint, Set<number>>();
  private syncRequested = false;
  private syncing = false;
  private joined = false;
  private lastSyncAt = -Infinity;
  private highestPeerHeight = 0n;
  private readonly calls: Array<() => QbftOutput<Block>[]> = [];
  private draining = false;
  /** Resolves once every guard entry and QBFT state queued so far is on disk. */
  private durable: Promise<void> = Promise.resolve();

  constructor(private readonly options: SequencerOptions) {
    const { nodes, key, network } = options;
    if (!Number.isSafeInteger(nodes) || nodes < 1) throw new RangeError(`Sequencer: nodes must be a positive integer, got ${nodes}`);
    this.quorum = quorumSize(nodes);
    if (key.threshold < this.quorum || key.threshold > nodes) {
      throw new RangeError(`Sequencer: threshold must be in ${this.quorum}..${nodes} (the quorum of ${nodes} nodes up to n), got ${key.threshold}`);
    }
    if (key.publicShares.length !== nodes) throw new RangeError(`Sequencer: expected ${nodes} public shares, got ${key.publicShares.length}`);
    if (nodes > 1 && network === undefined) throw new RangeError(`Sequencer: a cluster of ${nodes} nodes needs a network`);
    if (network !== undefined && network.self !== key.share.index - 1) {
      throw new RangeError(`Sequencer: the network's operator index ${network.self} is not that of share ${key.share.index} (expected ${key.share.index - 1})`);
    }
    if (!Number.isSafeInteger(options.blockTimeMs) || options.blockTimeMs < 0) {
      throw new RangeError(`Sequencer: blockTimeMs must be a non-negative integer, got ${options.blockTimeMs}`);
    }
    this.chainId = options.chainId;
    this.store = options.store;
    this.network = nodes > 1 ? network : undefined;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.rules = { chainId: options.chainId, maxBytes: options.maxTransactionBytes };
    this.pool = new Mempool(options.pool, this.store);
    this.genesis = genesisBlock(options.chainId);
    this.head = this.storedHead();
    this.qbft = new QbftMachine<Block>({
      self: key.share.index - 1,
      nodes,
      valueId: (block) => hex(block.hash),
      signCommit: (height, round, block) => this.signCommit(height, round, block),
      roundTimeout: this.roundTimeout,
    });
  }

  /** Reloads the pool, connects to the network and starts producing blocks (after a first sync in a cluster). */
  async start(): Promise<void> {
    await this.restorePool();
    this.running = true;
    const { network, metrics } = this.options;
    if (this.network && network) {
      network.onConsensusMessage((message, from) => this.onConsensusMessage(message, from));
      network.onTransactions((transactions) => {
        if (!this.running) return;
        this.track(this.admitGossip(transactions).catch((error: Error) => this.logger.error({ err: error }, 'admitting gossiped transactions failed')));
      });
      serveBlocks(network, this.store);
      if (metrics) this.peerMetricsTimer = setInterval(() => this.updatePeerMetrics(), PEER_METRICS_INTERVAL_MS);
    }
    this.loop = this.produce().catch((error: Error) => {
      this.fatal = error;
      this.logger.fatal({ err: error }, 'block production stopped');
    });
    this.logger.info(
      { head: this.head.header.number.toString(), pending: this.pool.size, nodes: this.options.nodes, self: this.options.key.share.index },
      'sequencer started',
    );
  }

  /** Stops after the block in progress (if any) is stored; the store stays open for the caller to close. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    this.pendingDecision?.resolve('stopped');
    await this.loop;
    // Admissions and validations in flight finish (or see `running` false) before the caller closes the store.
    await Promise.all(this.background);
    clearTimeout(this.roundTimer);
    clearInterval(this.peerMetricsTimer);
  }

  /** Set when block production has stopped because of an error (for the process to exit). */
  get failure(): Error | undefined {
    return this.fatal;
  }

  headNumber(): bigint {
    return this.head.header.number;
  }

  async submitTransaction(raw: Uint8Array): Promise<Uint8Array> {
    if (this.fatal) throw new Error(`node is not sequencing: ${this.fatal.message}`);
    const tx = parseTransaction(raw, this.rules);
    const write = this.store.addPendingMany([this.addToPool(tx)]);
    this.network?.gossipTransactions([tx.raw]);
    await write;
    return tx.hash;
  }

  getBlockByNumber(number: bigint): SignedBlock | undefined {
    if (number === 0n) return this.genesisSigned();
    return this.store.getBlock(number);
  }

  getBlockByHash(hash: Uint8Array): SignedBlock | undefined {
    if (hex(hash) === hex(this.genesis.hash)) return this.genesisSigned();
    const number = this.store.blockNumberOf(hash);
    return number === undefined ? undefined : this.store.getBlock(number);
  }

  getTransaction(hash: Uint8Array): TransactionRecord | undefined {
    const pending = this.pool.get(hex(hash));
    if (pending) return { tx: pending.tx };
    const included = this.store.includedTransaction(hash);
    if (included === undefined) return undefined;
    // Stored transactions passed these checks when they were accepted (the size limit may have changed
    // since); their sender was recorded then, so no signature is recovered again.
    const tx = decodeTransaction(Uint8Array.from(included.raw), { chainId: this.chainId, maxBytes: Number.MAX_SAFE_INTEGER });
    return { tx: { ...tx, sender: Uint8Array.from(included.sender) }, location: included.location };
  }

  nextNonce(address: Uint8Array, pending: boolean): bigint {
    const sender = hex(address);
    const last = this.store.lastIncludedNonce(sender);
    const latest = last === undefined ? 0n : last + 1n;
    return pending ? this.pool.nextPendingNonce(sender, latest) : latest;
  }

  onBlock(listener: (block: SignedBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clusterInfo(): ClusterInfo {
    const { key } = this.options;
    return {
      chainId: this.chainId,
      groupPublicKey: key.groupPublicKey,
      nodes: this.options.nodes,
      threshold: key.threshold,
      self: key.share.index,
      blockTimeMs: this.options.blockTimeMs,
    };
  }

  /** Ready: producing, and in a cluster a quorum connected (this node included) and not behind its peers. */
  health(): NodeHealth {
    const reasons: string[] = [];
    if (!this.running) reasons.push('block production is not running');
    if (this.fatal) reasons.push(`block production failed: ${this.fatal.message}`);
    if (this.network) {
      const connected = this.network.connectedPeers().length;
      if (connected + 1 < this.quorum) {
        reasons.push(`${connected} of ${this.options.nodes - 1} peers connected: a quorum of ${this.quorum} nodes needs ${this.quorum - 1}`);
      }
      if (!this.joined) reasons.push('syncing with peers before joining consensus');
      else if (this.syncing || this.syncRequested) reasons.push(`behind: peers are at height ${this.highestPeerHeight}, this node's head is ${this.head.header.number}; syncing`);
    }
    return { live: this.fatal === undefined, ready: reasons.length === 0, head: this.headNumber(), mempoolSize: this.pool.size, reasons };
  }

  private genesisSigned(): SignedBlock {
    return { block: this.genesis, round: 0, signingRoot: new Uint8Array(0), signature: new Uint8Array(0) };
  }

  private storedHead(): Block {
    const number = this.store.headNumber();
    return number === 0n ? this.genesis : this.store.getBlock(number)!.block;
  }

  // ---- transactions ------------------------------------------------------------------------------

  /** Adds a checked transaction to the pool (throws `TransactionRejected`); returns its pool database entry. */
  private addToPool(tx: Transaction): StoredPoolEntry {
    const pooled = this.pool.add(tx);
    const sequence = this.nextSequence++;
    this.poolSequence.set(pooled.hash, sequence);
    this.notify();
    return { sequence, raw: tx.raw };
  }

  /** Transactions gossiped by a peer: new ones decoded, their senders recovered in one batch on the pool, admitted. */
  private async admitGossip(raws: readonly Uint8Array[]): Promise<void> {
    const metrics = this.options.metrics;
    const rejected = (error: TransactionRejected): void => {
      // A transaction the pool already has or a block already includes is the normal echo of gossip.
      if (error.reason === 'already-known' || error.reason === 'already-included') return;
      metrics?.transactionsRejected.inc({ reason: error.reason, source: 'gossip' });
    };
    const fresh: DecodedTransaction[] = [];
    for (const raw of raws) {
      try {
        const tx = decodeTransaction(raw, this.rules);
        const hash = hex(tx.hash);
        if (!this.pool.has(hash) && !this.store.isIncluded(hash)) fresh.push(tx);
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        rejected(error);
      }
    }
    if (fresh.length === 0 || !this.running) return;
    const recovered = await recoverSenders(fresh, this.options.executor);
    if (!this.running) return;
    const entries: StoredPoolEntry[] = [];
    for (const tx of recovered) {
      try {
        if (tx instanceof TransactionRejected) throw tx;
        entries.push(this.addToPool(tx));
        metrics?.transactionsAccepted.inc({ source: 'gossip' });
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        rejected(error);
      }
    }
    await this.store.addPendingMany(entries);
  }

  private async restorePool(): Promise<void> {
    const obsolete: number[] = [];
    for (const { sequence, raw } of this.store.pendingTransactions()) {
      this.nextSequence = sequence + 1;
      try {
        const pooled = this.pool.add(parseTransaction(Uint8Array.from(raw), this.rules));
        this.poolSequence.set(pooled.hash, sequence);
      } catch (error) {
        if (!(error instanceof TransactionRejected)) throw error;
        // Included in a block since (its removal raced the block's commit) or no longer valid under this configuration.
        this.logger.warn({ reason: error.reason, sequence }, `dropping a stored pending transaction: ${error.message}`);
        obsolete.push(sequence);
      }
    }
    await this.store.removePending(obsolete);
  }

  /**
   * A round passed without a proposal: perhaps the leader lacks the transactions this node started the
   * height for (gossip lost while a peer was disconnected or restarting). Gossip them again, a block's
   * worth; peers skip what they already have.
   */
  private regossipIncludable(): void {
    if (this.network === undefined) return;
    const transactions = this.pool.selectForBlock(this.options.block).map((tx) => tx.raw);
    if (transactions.length === 0) return;
    this.logger.debug({ transactions: transactions.length }, 'gossiping pending transactions again');
    this.network.gossipTransactions(transactions);
  }

  private hasIncludable(): boolean {
    return this.pool.hasIncludable(this.options.block.maxBytes);
  }

  // ---- waiting -----------------------------------------------------------------------------------

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next `notify()` or after `timeoutMs` (never, if undefined). */
  private nextChange(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.waiters.delete(wake);
        resolve();
      }, Math.max(0, timeoutMs));
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  /** Milliseconds until the block time since the head has passed (≤ 0: it has). */
  private blockTimeRemaining(): number {
    if (this.head === this.genesis) return 0;
    return Number(this.head.header.timestampMs) + this.options.blockTimeMs - this.now();
  }

  /**
   * Waits until the next height should start: the block time has passed and an includable transaction
   * is pooled, or a peer started the height. False when stopped or a sync is due first.
   */
  private async waitForNextHeight(): Promise<boolean> {
    const next = this.head.header.number + 1n;
    while (this.running && !this.syncRequested) {
      if (this.peerStartedHeight >= next) return true;
      const remaining = this.blockTimeRemaining();
      if (this.hasIncludable() && remaining <= 0) return true;
      await this.nextChange(this.hasIncludable() ? remaining : undefined);
    }
    return false;
  }

  /**
   * The leader's value for `height`: after the block time, the pool's best transactions — in a cluster
   * waiting for some at most a quarter of the round's timeout, then possibly none. Undefined if the
   * height is over meanwhile.
   */
  private async proposal(height: number, round: number): Promise<Block | undefined> {
    const current = (): boolean => this.running && this.head.header.number + 1n === BigInt(height) && this.qbft.decision === undefined;
    while (current() && this.blockTimeRemaining() > 0) await this.nextChange(this.blockTimeRemaining());
    const deadline = performance.now() + this.roundTimeout(round) / 4;
    while (current() && !this.hasIncludable()) {
      if (this.network) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        await this.nextChange(left);
      } else {
        await this.nextChange();
      }
    }
    if (!current()) return undefined;
    this.logger.debug({ height, round, pending: this.pool.size }, 'proposing');
    const block = buildBlock(this.head, this.pool, {
      proposer: this.options.key.share.index,
      nowMs: BigInt(this.now()),
      limits: this.options.block,
    });
    this.checkedProposals.set(hex(block.hash), block.transactionHashes.map((hash) => this.pool.get(hex(hash))!.tx));
    this.timeline.proposal ||= performance.now();
    return block;
  }

  // ---- the production loop -----------------------------------------------------------------------

  private async produce(): Promise<void> {
    if (this.network) await this.joinCluster();
    const persisted = this.store.qbftState();
    let resume = persisted !== undefined && BigInt(persisted.height) === this.head.header.number + 1n ? persisted : undefined;
    while (this.running) {
      if (this.syncRequested) {
        await this.sync();
        resume = undefined;
        continue;
      }
      if (!resume && !(await this.waitForNextHeight())) continue;
      const height = Number(this.head.header.number + 1n);
      const startedAt = performance.now();
      this.logger.debug({ height, resume: resume !== undefined, peerStarted: this.peerStartedHeight >= BigInt(height), pending: this.pool.size }, 'height started');
      const decision = await this.decide(height, resume);
      resume = undefined;
      if (decision === undefined) continue;
      this.options.metrics?.consensusDuration.observe((performance.now() - startedAt) / 1000);
      this.options.metrics?.consensusRounds.observe(decision.round);
      const signed = await this.combine(decision);
      if (signed === undefined) continue;
      await this.durable;
      await this.storeAndPublish(signed);
      this.options.metrics?.blockProduction.observe((performance.now() - startedAt) / 1000);
    }
  }

  /** Start-up in a cluster: wait (briefly) for a quorum of peers, then sync before taking part in consensus. */
  private async joinCluster(): Promise<void> {
    const network = this.network!;
    const deadline = performance.now() + STARTUP_PEER_WAIT_MS;
    while (this.running && network.connectedPeers().length + 1 < this.quorum && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!this.running) return;
    await this.sync();
    this.joined = true;
    // Transactions restored from disk may never have reached the peers (a crash before the gossip
    // batch left): offer them again; peers skip what they have.
    const pending = this.pool.pending().map(({ tx }) => tx.raw);
    if (pending.length > 0) network.gossipTransactions(pending);
  }

  /**
   * Runs QBFT for one height until it decides; undefined if the node stopped, or a sync stored the
   * height meanwhile. A sync requested during the height pauses it (peers' messages held) and, if the
   * head did not move past the height, resumes it.
   */
  private async decide(height: number, resume: QbftPersistedState<Block> | undefined): Promise<Decision<Block> | undefined> {
    this.checkedProposals.clear();
    this.lateDecision = undefined;
    if (this.network && resume === undefined) {
      // The state the machine persists before its first vote of the height, written now, while the
      // proposal is on its way, so that the PREPARE need not wait for a disk flush. Safe: a node that
      // restarts from it merely resumes in round 2 without having voted in round 1.
      this.persistedRoundOnly = { height, round: 1 };
      this.awaitDurable(this.store.persistQbftState(this.persistedRoundOnly));
    }
    let outcome = await this.awaitOutcome(height, () => {
      this.act(() => this.qbft.start(height, resume));
      this.releaseHeld();
    });
    while (outcome === 'sync') {
      await this.sync();
      if (this.head.header.number >= BigInt(height)) {
        clearTimeout(this.roundTimer);
        this.timeline = emptyTimeline();
        return undefined;
      }
      const late = this.lateDecision as Decision<Block> | undefined;
      outcome = late?.height === height ? late : await this.awaitOutcome(height, () => this.releaseHeld());
    }
    return outcome === 'stopped' ? undefined : outcome;
  }

  private awaitOutcome(height: number, begin: () => void): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      if (!this.running) return resolve('stopped');
      this.pendingDecision = { height, resolve, reject };
      begin();
    }).finally(() => {
      this.pendingDecision = undefined;
    });
  }

  /**
   * Queues a machine call. Calls run one at a time, each call's outputs acted on in order before the
   * next call (a `propose` or `validated` an output asks for) runs; any failure ends the height's promise.
   */
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
      clearTimeout(this.roundTimer);
      if (this.pendingDecision) this.pendingDecision.reject(error as Error);
      else this.fail(error as Error);
    } finally {
      this.draining = false;
    }
  }

  private fail(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    this.running = false;
    this.notify();
    this.logger.fatal({ err: error }, 'block production stopped');
  }

  private handle(output: QbftOutput<Block>): void {
    switch (output.kind) {
      case 'persist': {
        const { state } = output;
        const written = this.persistedRoundOnly;
        // Already written when the height started (see `decide`): no second write, no second wait.
        if (written !== undefined && state.prepared === undefined && state.height === written.height && state.round === written.round) return;
        this.persistedRoundOnly = undefined;
        this.awaitDurable(this.store.persistQbftState(state));
        return;
      }
      case 'timer': {
        clearTimeout(this.roundTimer);
        const { height, round } = output;
        this.options.metrics?.leader.set(roundRobinLeader(height, round, this.options.nodes) + 1);
        this.roundTimer = setTimeout(() => {
          this.options.metrics?.roundTimeouts.inc();
          this.logger.info({ height, round }, 'round timeout');
          if (this.timeline.proposal === 0) this.regossipIncludable();
          this.act(() => this.qbft.timeout(height, round));
        }, output.afterMs);
        return;
      }
      case 'need-value': {
        const { height, round } = output;
        void this.proposal(height, round).then(
          (block) => block && this.act(() => this.qbft.propose(height, block)),
          (error: Error) => this.pendingDecision?.reject(error),
        );
        return;
      }
      case 'validate': {
        const { height, valueId, value } = output;
        if (this.checkedProposals.has(valueId)) {
          this.act(() => this.qbft.validated(height, valueId, true));
          return;
        }
        // Validation recovers the senders it does not know on the worker pool; QBFT waits for the answer.
        this.track(
          this.validateForeign(value).then((valid) => {
            if (this.running) this.act(() => this.qbft.validated(height, valueId, valid));
          }),
        );
        return;
      }
      case 'broadcast':
      case 'send': {
        const { message } = output;
        if (message.type === 'COMMIT') this.recordCommit(message.height, message.round, message.sender, message.valueId, message.signature);
        if (message.type === 'PRE-PREPARE') this.timeline.proposal ||= performance.now();
        const network = this.network;
        if (network === undefined) return;
        // Sent only once the persisted state and guard the message depends on are on disk.
        const to = output.kind === 'send' ? output.to : undefined;
        void this.durable
          .then(() => (to === undefined ? network.broadcast(message) : network.send(to, message)))
          .catch((error: Error) => this.logger.warn({ err: error.message, type: message.type }, 'sending a consensus message failed'));
        return;
      }
      case 'decide': {
        clearTimeout(this.roundTimer);
        this.timeline.decided ||= performance.now();
        const pending = this.pendingDecision;
        if (pending?.height === output.decision.height) pending.resolve(output.decision);
        else this.lateDecision = output.decision;
        return;
      }
    }
  }

  private track(work: Promise<void>): void {
    const settled = work.finally(() => this.background.delete(settled));
    this.background.add(settled);
  }

  /** A value this node did not build (a restored lock, or a peer's proposal): the checks of src/chain/validation.ts. */
  private async validateForeign(block: Block): Promise<boolean> {
    const parent = this.head;
    try {
      const { transactions } = await validateProposal(block.header, block.transactions, {
        parent,
        chain: this.store,
        transactionRules: this.rules,
        limits: this.options.block,
        nowMs: BigInt(this.now()),
        maxFutureDriftMs: BigInt(this.options.maxFutureDriftMs),
        executor: this.options.executor,
        knownSender: (hash) => this.pool.get(hash)?.tx.sender,
      });
      this.checkedProposals.set(hex(block.hash), transactions);
      this.timeline.validated ||= performance.now();
      return true;
    } catch (error) {
      // Checked against a head that has moved meanwhile (the height was decided without this node): moot.
      if (this.head !== parent) return false;
      this.logger.warn({ err: error, height: block.header.number.toString() }, 'rejected a proposed block');
      return false;
    }
  }

  /** The machine's `signCommit`: guard first (durable), then the partial signature over the round's signing root. */
  private signCommit(height: number, round: number, block: Block): Uint8Array {
    this.awaitDurable(this.store.guardSigning(height, round, block.hash));
    this.timeline.signed = performance.now();
    return partialSign(this.options.key.share, signingRoot(BLOCK_DOMAIN, this.chainId, round, block.hash)).signature;
  }

  /** Chains a write whose durability must precede whatever leaves the node next. */
  private awaitDurable(write: Promise<void>): void {
    this.durable = Promise.all([this.durable, write]).then(() => undefined);
  }

  // ---- peers' consensus messages -------------------------------------------------------------------

  private onConsensusMessage(message: QbftMessage<Block>, from: number): void {
    if (!this.running) return;
    const height = BigInt(message.height);
    if (height > this.highestPeerHeight) this.highestPeerHeight = height;
    if (message.type === 'COMMIT') {
      this.options.metrics?.partialsReceived.inc();
      this.recordCommit(message.height, message.round, message.sender, message.valueId, message.signature);
    } else if (message.type === 'DECIDED') {
      for (const c of message.commits) this.recordCommit(c.height, c.round, c.sender, c.valueId, c.signature);
    }
    const head = this.head.header.number;
    if (height >= head + SYNC_LAG_HEIGHTS && !this.syncing) this.requestSync();
    if (message.type === 'PRE-PREPARE' && height === head + 1n) this.timeline.proposal ||= performance.now();
    if (height > head) this.notePeerStart(message, from);
    if (this.holding) {
      if (height <= head) return; // a laggard's message: answered once consensus runs again
      this.held.push({ message, from });
      if (this.held.length > MAX_HELD_MESSAGES) this.held.shift();
      return;
    }
    this.deliver(message, from);
  }

  /**
   * Starts the next height for peers that have: on a PRE-PREPARE from the leader its round names, or
   * once f + 1 peers (at least one honest) sent anything of a later height. Never more than the next
   * height (later ones are sync's business), and no single other node can make this one start heights
   * (and sign empty blocks) at will — except a leader, once per round it leads.
   */
  private notePeerStart(message: QbftMessage<Block>, from: number): void {
    const next = this.head.header.number + 1n;
    if (this.peerStartedHeight >= next) return;
    const { nodes } = this.options;
    const byLeader = message.type === 'PRE-PREPARE' && BigInt(message.height) === next && roundRobinLeader(message.height, message.round, nodes) === from;
    let peers = this.peersOnNextHeight.get(next);
    if (peers === undefined) this.peersOnNextHeight = new Map([[next, (peers = new Set())]]);
    peers.add(from);
    if (byLeader || peers.size >= faultTolerance(nodes) + 1) {
      this.peerStartedHeight = next;
      this.notify();
    }
  }

  private deliver(message: QbftMessage<Block>, from: number): void {
    this.act(() => {
      try {
        return this.qbft.receive(message);
      } catch (error) {
        // The codec checked the envelope; a message the machine still finds malformed is the peer's fault.
        if (!(error instanceof TypeError)) throw error;
        this.logger.warn({ from, err: error.message }, 'malformed consensus message dropped');
        return [];
      }
    });
  }

  private releaseHeld(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const { message, from } of held) this.deliver(message, from);
  }

  private requestSync(): void {
    if (this.syncRequested) return;
    this.syncRequested = true;
    this.holding = true;
    this.notify();
    this.pendingDecision?.resolve('sync');
  }

  /** Fetches and stores the signed blocks peers have beyond the head (./sync.ts); consensus is paused meanwhile. */
  private async sync(): Promise<void> {
    const network = this.network;
    this.syncRequested = false;
    if (network === undefined) return;
    this.syncing = true;
    this.holding = true;
    const wait = this.lastSyncAt + MIN_SYNC_INTERVAL_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      const { metrics } = this.options;
      const result = await catchUp({
        host: network,
        store: this.store,
        executor: this.options.executor,
        groupPublicKey: this.options.key.groupPublicKey,
        chainId: this.chainId,
        logger: this.logger,
        onProgress: ({ target }) => metrics?.syncTarget.set(Number(target)),
      });
      metrics?.syncTarget.set(0);
      if (result.stored > 0) {
        metrics?.syncBlocks.inc(result.stored);
        this.head = this.storedHead();
        await this.dropIncludedAfterSync();
        this.pruneCommits();
      }
    } catch (error) {
      this.logger.error({ err: error }, 'sync failed; consensus continues from the stored head');
    } finally {
      this.lastSyncAt = performance.now();
      this.syncing = false;
    }
  }

  /** Synced blocks included some pooled transactions: remove them (and what they made obsolete) from the pool. */
  private async dropIncludedAfterSync(): Promise<void> {
    const included = this.pool.pending().filter(({ hash, sender, tx }) => {
      const last = this.store.lastIncludedNonce(sender);
      return this.store.isIncluded(hash) || (last !== undefined && tx.nonce <= last);
    });
    this.pool.removeIncluded(included.map(({ tx }) => tx));
    await this.dropObsoletePending();
  }

  // ---- combining -----------------------------------------------------------------------------------

  private recordCommit(height: number, round: number, sender: number, valueId: string, signature: Uint8Array): void {
    const head = this.head.header.number;
    if (BigInt(height) <= head || BigInt(height) > head + COMMIT_HEIGHTS_AHEAD) return;
    if (round > Math.max(this.qbft.round, 1) + COMMIT_ROUNDS_AHEAD) return;
    const key = `${height}/${round}`;
    let byRound = this.commits.get(key);
    if (byRound === undefined) this.commits.set(key, (byRound = new Map()));
    if (byRound.has(sender)) return;
    byRound.set(sender, { valueId, signature });
    this.notify();
  }

  private pruneCommits(): void {
    const head = this.head.header.number;
    for (const key of this.commits.keys()) if (BigInt(key.split('/')[0]!) <= head) this.commits.delete(key);
    for (const height of this.invalidPartials.keys()) if (BigInt(height) <= head) this.invalidPartials.delete(height);
  }

  /**
   * Combines the decision round's partials into the group signature, verified against the group key.
   * The decision's COMMIT quorum comes first, then any other COMMIT of that round for the value; if
   * fewer than t of them are valid, it waits for more (or for a sync that brings the signed block).
   * Undefined if the node stopped or sync stored the height.
   */
  private async combine(decision: Decision<Block>): Promise<SignedBlock | undefined> {
    const { key, metrics } = this.options;
    const { height, round, valueId } = decision;
    const root = signingRoot(BLOCK_DOMAIN, this.chainId, round, decision.value.hash);
    let invalid = this.invalidPartials.get(height);
    if (invalid === undefined) this.invalidPartials.set(height, (invalid = new Set()));
    for (;;) {
      const partials = new Map<number, Uint8Array>();
      for (const commit of decision.commits) partials.set(commit.sender + 1, commit.signature);
      for (const [sender, commit] of this.commits.get(`${height}/${round}`) ?? []) {
        if (commit.valueId === valueId && !partials.has(sender + 1)) partials.set(sender + 1, commit.signature);
      }
      for (const index of invalid) partials.delete(index);
      if (partials.size >= key.threshold) {
        const { signature, invalidIndices } = optimisticCombine({
          threshold: key.threshold,
          groupPublicKey: key.groupPublicKey,
          publicShares: key.publicShares,
          message: root,
          partials: [...partials].map(([index, signature]) => ({ index, signature })),
        });
        for (const index of invalidIndices) {
          invalid.add(index);
          metrics?.partialsInvalid.inc({ peer: String(index) });
          this.logger.warn({ height, round, share: index }, 'invalid partial signature: its node signed something else or is faulty');
        }
        if (signature !== undefined) {
          this.timeline.combined = performance.now();
          if (this.timeline.signed) metrics?.signing.observe((this.timeline.combined - this.timeline.signed) / 1000);
          return { block: decision.value, round, signingRoot: root, signature };
        }
      }
      if (this.network === undefined) {
        throw new Error(`height ${height}: the COMMIT quorum's partial signatures do not combine into a valid group signature (invalid shares: ${[...invalid].join(', ')})`);
      }
      this.logger.warn({ height, round, valid: partials.size, threshold: key.threshold }, 'waiting for more partial signatures of the decided round');
      await this.nextChange();
      if (!this.running) return undefined;
      if (this.syncRequested) {
        await this.sync();
        if (this.head.header.number >= BigInt(height)) return undefined;
      }
    }
  }

  private async storeAndPublish(signed: SignedBlock): Promise<void> {
    const { block } = signed;
    const transactions = await this.includedTransactions(block);
    const included = new Set(block.transactionHashes.map((hash) => hex(hash)));
    const sequences: number[] = [];
    for (const hash of included) {
      const sequence = this.poolSequence.get(hash);
      if (sequence !== undefined) sequences.push(sequence);
    }
    await this.store.commitBlock(signed, transactions, sequences);
    this.timeline.stored = performance.now();
    this.head = block;
    this.pruneCommits();
    for (const hash of included) this.poolSequence.delete(hash);
    this.pool.removeIncluded(transactions);
    await this.dropObsoletePending();
    this.options.metrics?.blocks.inc();
    this.options.metrics?.transactionsIncluded.inc(transactions.length);
    this.logger.info(
      {
        number: block.header.number.toString(),
        hash: `0x${hex(block.hash)}`,
        round: signed.round,
        transactions: transactions.length,
        proposer: block.header.proposer,
        pending: this.pool.size,
        ...timelineFields(this.timeline),
      },
      'block signed and stored',
    );
    this.timeline = emptyTimeline();
    for (const listener of this.listeners) {
      try {
        listener(signed);
      } catch (error) {
        this.logger.error({ err: error }, 'a block listener threw');
      }
    }
  }

  /**
   * The block's transactions with their senders: from validation or this node's own proposal, else from
   * the pool, else (a block learnt from a DECIDED) recovered in one batch on the executor.
   */
  private async includedTransactions(block: Block): Promise<Transaction[]> {
    const checked = this.checkedProposals.get(hex(block.hash));
    if (checked !== undefined) return checked;
    const known = block.transactionHashes.map((hash) => this.pool.get(hex(hash))?.tx);
    const missing = block.transactions.flatMap((raw, i) => (known[i] ? [] : [decodeTransaction(raw, { chainId: this.chainId, maxBytes: Number.MAX_SAFE_INTEGER })]));
    const recovered = await recoverSenders(missing, this.options.executor);
    let next = 0;
    return known.map((tx) => {
      if (tx) return tx;
      const result = recovered[next++]!;
      if (result instanceof TransactionRejected) throw new Error(`a decided block holds a transaction whose sender does not recover: ${result.message}`);
      return result;
    });
  }

  /**
   * Pending transactions the pool dropped because a block made them obsolete without including them
   * (another transaction of the same sender and nonce was included: only possible with blocks proposed
   * by peers) are removed from the pool database too.
   */
  private async dropObsoletePending(): Promise<void> {
    if (this.poolSequence.size === this.pool.size) return;
    const obsolete: number[] = [];
    for (const [hash, sequence] of this.poolSequence) {
      if (!this.pool.has(hash)) {
        obsolete.push(sequence);
        this.poolSequence.delete(hash);
      }
    }
    await this.store.removePending(obsolete);
  }

  private updatePeerMetrics(): void {
    const { metrics } = this.options;
    const network = this.network;
    if (!metrics || !network) return;
    metrics.peersConnected.set(network.connectedPeers().length);
    metrics.peerPing.reset();
    for (const [peer, ms] of network.pingLatencies()) metrics.peerPing.set({ peer: String(peer + 1) }, ms / 1000);
  }
}

interface Timeline {
  proposal: number;
  validated: number;
  signed: number;
  decided: number;
  combined: number;
  stored: number;
}

function emptyTimeline(): Timeline {
  return { proposal: 0, validated: 0, signed: 0, decided: 0, combined: 0, stored: 0 };
}

/**
 * A height's timeline for its log line: `timeToSignatureMs` from the proposal (built here, or first
 * received) to the verified group signature, and `stagesMs`, each stage's end relative to the proposal
 * (validated: a peer's block checked; signed: PREPARE quorum, guard, partial; decided: COMMIT quorum;
 * combined; stored). Absent stages (a block learnt from DECIDED) are null.
 */
function timelineFields(t: Timeline): { timeToSignatureMs: number | null; stagesMs: Record<string, number | null> } {
  const since = (at: number): number | null => (t.proposal === 0 || at === 0 ? null : Math.round((at - t.proposal) * 100) / 100);
  return {
    timeToSignatureMs: since(t.combined),
    stagesMs: { validated: since(t.validated), signed: since(t.signed), decided: since(t.decided), combined: since(t.combined), stored: since(t.stored) },
  };
}
