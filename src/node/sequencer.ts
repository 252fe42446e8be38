/**
 * The sequencer node's pipeline (issue 6; DESIGN.md §3): one height at a time,
 *
 *   wait for the block time and an includable transaction → build the block from the pool → QBFT
 *   (src/consensus; a cluster of one decides alone) → equivocation guard, durable in LMDB → partial
 *   signature over the round's signing root → combine the decision's COMMIT quorum (optimistic
 *   combine: combine, then verify once against the group key) → store block, index and pool removal in
 *   one LMDB transaction → publish (`onBlock`) → drop what the block made obsolete from the pool.
 *
 * An empty pool gives no block: the node waits for a transaction rather than signing empty blocks (a
 * chain that grows only with content; block time 0 would otherwise spin). The block time is the least
 * spacing between block timestamps.
 *
 * Restart: the pool is reloaded from LMDB in arrival order, the head from the stored chain, and the
 * QBFT state of an undecided height is handed back to the machine (`start(height, state)`), which
 * resumes in the next round and keeps reporting its lock; the guard (height, round) → hash refuses to
 * sign another hash in a round this node already signed in. The guard is per round, not per height as
 * DESIGN.md §3 first had it: partial signatures cover the round (docs/qbft.md), so one per round is
 * all safety needs, and a per-height rule could stall a height forever.
 *
 * Only n = 1 runs here; the consensus calls, the COMMIT quorum's partials and the combine are already
 * those of n nodes, and the cluster issue adds the transport that carries `broadcast`/`send`.
 */
import type { Logger } from 'pino';
import {
  buildBlock,
  decodeTransaction,
  genesisBlock,
  hex,
  Mempool,
  parseTransaction,
  TransactionRejected,
  validateProposal,
  type Block,
  type BlockLimits,
  type MempoolLimits,
  type Transaction,
  type TransactionRules,
} from '../chain/index.js';
import { QbftMachine, type Decision, type QbftOutput } from '../consensus/index.js';
import {
  BLOCK_DOMAIN,
  optimisticCombine,
  partialSign,
  signingRoot,
  type CryptoExecutor,
  type KeyShare,
  type PublicShare,
} from '../crypto/index.js';
import type { NodeStore } from './store.js';
import type { ClusterInfo, NodeHealth, SequencerView, SignedBlock, TransactionRecord } from './types.js';

/** The key material of this node: its share and what verifies the cluster's signatures. */
export interface NodeKey {
  share: KeyShare;
  publicShares: PublicShare[];
  groupPublicKey: Uint8Array;
  threshold: number;
}

/** What the node reports to a metrics registry (src/api/metrics.ts `DstMetrics` fits). */
export interface SequencerMetrics {
  blocks: { inc(value?: number): void };
  transactionsIncluded: { inc(value?: number): void };
  blockProduction: { observe(seconds: number): void };
  signing: { observe(seconds: number): void };
}

export interface SequencerOptions {
  store: NodeStore;
  chainId: bigint;
  key: NodeKey;
  /** Cluster size; only 1 is supported until the cluster issue. */
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
  /** Where batch crypto runs (the senders of a proposed block): the worker pool in the process. */
  executor: CryptoExecutor;
  metrics?: SequencerMetrics;
  /** Unix milliseconds; injectable for tests. */
  now?: () => number;
}

export class Sequencer implements SequencerView {
  readonly chainId: bigint;
  private readonly store: NodeStore;
  private readonly pool: Mempool;
  private readonly rules: TransactionRules;
  private readonly genesis: Block;
  private readonly qbft: QbftMachine<Block>;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly listeners = new Set<(block: SignedBlock) => void>();
  /** Pool database sequence number of every pending transaction, by hash (hex). */
  private readonly poolSequence = new Map<string, number>();
  /** Blocks this node built for the current height, by hash (hex): they need no re-validation. */
  private readonly ownProposals = new Map<string, Block>();
  private nextSequence = 0;
  private head: Block;
  private running = false;
  private fatal: Error | undefined;
  private wakeUp: (() => void) | undefined;
  private roundTimer: NodeJS.Timeout | undefined;
  private blockTimer: NodeJS.Timeout | undefined;
  private pendingDecision: { height: number; resolve: (d: Decision<Block>) => void; reject: (e: Error) => void } | undefined;
  private loop: Promise<void> | undefined;
  private partialSignedAt = 0;
  private readonly calls: Array<() => QbftOutput<Block>[]> = [];
  private draining = false;
  /** Resolves once every guard entry and QBFT state queued so far is on disk. */
  private durable: Promise<void> = Promise.resolve();

  constructor(private readonly options: SequencerOptions) {
    if (options.nodes !== 1 || options.key.threshold !== 1) {
      throw new RangeError(`Sequencer: only a single node (n = 1, t = 1) runs until the cluster issue; got n = ${options.nodes}, t = ${options.key.threshold}`);
    }
    if (!Number.isSafeInteger(options.blockTimeMs) || options.blockTimeMs < 0) {
      throw new RangeError(`Sequencer: blockTimeMs must be a non-negative integer, got ${options.blockTimeMs}`);
    }
    this.chainId = options.chainId;
    this.store = options.store;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.rules = { chainId: options.chainId, maxBytes: options.maxTransactionBytes };
    this.pool = new Mempool(options.pool, this.store);
    this.genesis = genesisBlock(options.chainId);
    const headNumber = this.store.headNumber();
    this.head = headNumber === 0n ? this.genesis : this.store.getBlock(headNumber)!.block;
    const self = options.key.share.index - 1;
    this.qbft = new QbftMachine<Block>({
      self,
      nodes: options.nodes,
      valueId: (block) => hex(block.hash),
      signCommit: (height, round, block) => this.signCommit(height, round, block),
    });
  }

  /** Reloads the pool and starts producing blocks. */
  async start(): Promise<void> {
    await this.restorePool();
    this.running = true;
    this.loop = this.produce().catch((error: Error) => {
      this.fatal = error;
      this.logger.fatal({ err: error }, 'block production stopped');
    });
    this.logger.info({ head: this.head.header.number.toString(), pending: this.pool.size }, 'sequencer started');
  }

  /** Stops after the block in progress (if any) is stored; the store stays open for the caller to close. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.blockTimer);
    this.wakeUp?.();
    await this.loop;
    clearTimeout(this.roundTimer);
  }

  /** Resolves when block production has stopped because of an error (for the process to exit). */
  get failure(): Error | undefined {
    return this.fatal;
  }

  headNumber(): bigint {
    return this.head.header.number;
  }

  async submitTransaction(raw: Uint8Array): Promise<Uint8Array> {
    if (this.fatal) throw new Error(`node is not sequencing: ${this.fatal.message}`);
    const tx = parseTransaction(raw, this.rules);
    const pooled = this.pool.add(tx);
    const sequence = this.nextSequence++;
    this.poolSequence.set(pooled.hash, sequence);
    this.wakeUp?.();
    await this.store.addPending(sequence, tx.raw);
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

  health(): NodeHealth {
    const reasons: string[] = [];
    if (!this.running) reasons.push('block production is not running');
    if (this.fatal) reasons.push(`block production failed: ${this.fatal.message}`);
    return { live: this.fatal === undefined, ready: reasons.length === 0, head: this.headNumber(), mempoolSize: this.pool.size, reasons };
  }

  private genesisSigned(): SignedBlock {
    return { block: this.genesis, round: 0, signingRoot: new Uint8Array(0), signature: new Uint8Array(0) };
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

  /** The production loop: one height after another until stopped. */
  private async produce(): Promise<void> {
    const persisted = this.store.qbftState();
    let resume = persisted !== undefined && BigInt(persisted.height) === this.head.header.number + 1n ? persisted : undefined;
    while (this.running) {
      if (!resume) {
        await this.waitForBlockTime();
        if (!this.running) return;
        if (!(await this.waitForTransactions())) return;
      }
      const height = Number(this.head.header.number + 1n);
      const startedAt = performance.now();
      const decision = await this.decide(height, resume);
      resume = undefined;
      const signed = this.combine(decision);
      await this.durable;
      await this.storeAndPublish(signed);
      this.options.metrics?.blockProduction.observe((performance.now() - startedAt) / 1000);
    }
  }

  private waitForBlockTime(): Promise<void> {
    const due = Number(this.head.header.timestampMs) + this.options.blockTimeMs - this.now();
    if (this.head === this.genesis || due <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.blockTimer = setTimeout(resolve, due);
      this.wakeUp = () => {
        if (!this.running) {
          clearTimeout(this.blockTimer);
          resolve();
        }
      };
    });
  }

  /** Waits until the pool holds a transaction the next block can include; false when stopped. */
  private async waitForTransactions(): Promise<boolean> {
    while (this.running) {
      if (this.pool.size > 0 && this.pool.selectForBlock({ maxTransactions: 1, maxBytes: this.options.block.maxBytes }).length > 0) return true;
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
    }
    return false;
  }

  /** Runs QBFT for one height until it decides. */
  private decide(height: number, resume: Parameters<QbftMachine<Block>['start']>[1]): Promise<Decision<Block>> {
    this.ownProposals.clear();
    return new Promise((resolve, reject) => {
      this.pendingDecision = { height, resolve, reject };
      this.act(() => this.qbft.start(height, resume));
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
      const pending = this.pendingDecision;
      this.pendingDecision = undefined;
      clearTimeout(this.roundTimer);
      pending?.reject(error as Error);
    } finally {
      this.draining = false;
    }
  }

  private handle(output: QbftOutput<Block>): void {
    switch (output.kind) {
      case 'persist':
        this.awaitDurable(this.store.persistQbftState(output.state));
        return;
      case 'timer': {
        clearTimeout(this.roundTimer);
        const { height, round } = output;
        this.roundTimer = setTimeout(() => this.act(() => this.qbft.timeout(height, round)), output.afterMs);
        return;
      }
      case 'need-value': {
        const block = buildBlock(this.head, this.pool, {
          proposer: this.options.key.share.index,
          nowMs: BigInt(this.now()),
          limits: this.options.block,
        });
        this.ownProposals.set(hex(block.hash), block);
        this.act(() => this.qbft.propose(output.height, block));
        return;
      }
      case 'validate': {
        const { height, valueId, value } = output;
        if (this.ownProposals.has(valueId)) {
          this.act(() => this.qbft.validated(height, valueId, true));
          return;
        }
        // Validation recovers the block's senders on the worker pool; QBFT waits for the answer.
        void this.validateForeign(value).then((valid) => {
          if (this.running) this.act(() => this.qbft.validated(height, valueId, valid));
        });
        return;
      }
      case 'broadcast':
      case 'send':
        // A cluster of one has no peers to send to. The cluster issue adds the transport, which must
        // send only after `this.durable` (the persisted state and guard the message depends on).
        return;
      case 'decide': {
        clearTimeout(this.roundTimer);
        const pending = this.pendingDecision;
        this.pendingDecision = undefined;
        if (pending?.height === output.decision.height) pending.resolve(output.decision);
        return;
      }
    }
  }

  /** A value this node did not build (a restored lock, or a peer's proposal): the checks of src/chain/validation.ts. */
  private async validateForeign(block: Block): Promise<boolean> {
    try {
      await validateProposal(block.header, block.transactions, {
        parent: this.head,
        chain: this.store,
        transactionRules: this.rules,
        limits: this.options.block,
        nowMs: BigInt(this.now()),
        maxFutureDriftMs: BigInt(this.options.maxFutureDriftMs),
        executor: this.options.executor,
      });
      return true;
    } catch (error) {
      this.logger.warn({ err: error, height: block.header.number.toString() }, 'rejected a proposed block');
      return false;
    }
  }

  /** The machine's `signCommit`: guard first (durable), then the partial signature over the round's signing root. */
  private signCommit(height: number, round: number, block: Block): Uint8Array {
    this.awaitDurable(this.store.guardSigning(height, round, block.hash));
    this.partialSignedAt = performance.now();
    return partialSign(this.options.key.share, signingRoot(BLOCK_DOMAIN, this.chainId, round, block.hash)).signature;
  }

  /** Chains a write whose durability must precede whatever leaves the node next. */
  private awaitDurable(write: Promise<void>): void {
    this.durable = Promise.all([this.durable, write]).then(() => undefined);
  }

  /** Combines the decision's COMMIT quorum into the group signature, verified against the group key. */
  private combine(decision: Decision<Block>): SignedBlock {
    const { key } = this.options;
    const root = signingRoot(BLOCK_DOMAIN, this.chainId, decision.round, decision.value.hash);
    const partials = decision.commits.map((commit) => ({ index: commit.sender + 1, signature: commit.signature }));
    const { signature, invalidIndices } = optimisticCombine({
      threshold: key.threshold,
      groupPublicKey: key.groupPublicKey,
      publicShares: key.publicShares,
      message: root,
      partials,
    });
    if (signature === undefined) {
      throw new Error(`height ${decision.height}: the COMMIT quorum's partial signatures do not combine into a valid group signature (invalid shares: ${invalidIndices.join(', ')})`);
    }
    this.options.metrics?.signing.observe((performance.now() - this.partialSignedAt) / 1000);
    return { block: decision.value, round: decision.round, signingRoot: root, signature };
  }

  private async storeAndPublish(signed: SignedBlock): Promise<void> {
    const { block } = signed;
    const transactions = block.transactions.map((raw, index) => this.decodedForStorage(raw, index, block));
    const included = new Set(block.transactionHashes.map((hash) => hex(hash)));
    const sequences: number[] = [];
    for (const hash of included) {
      const sequence = this.poolSequence.get(hash);
      if (sequence !== undefined) sequences.push(sequence);
    }
    await this.store.commitBlock(signed, transactions, sequences);
    this.head = block;
    for (const hash of included) this.poolSequence.delete(hash);
    this.pool.removeIncluded(transactions);
    await this.dropObsoletePending();
    this.options.metrics?.blocks.inc();
    this.options.metrics?.transactionsIncluded.inc(transactions.length);
    this.logger.info(
      { number: block.header.number.toString(), hash: `0x${hex(block.hash)}`, round: signed.round, transactions: transactions.length, pending: this.pool.size },
      'block signed and stored',
    );
    for (const listener of this.listeners) {
      try {
        listener(signed);
      } catch (error) {
        this.logger.error({ err: error }, 'a block listener threw');
      }
    }
  }

  /** The decoded transaction: from the pool when it is there (already parsed), else parsed again. */
  private decodedForStorage(raw: Uint8Array, index: number, block: Block): Transaction {
    const pooled = this.pool.get(hex(block.transactionHashes[index]!));
    return pooled ? pooled.tx : parseTransaction(raw, { chainId: this.chainId, maxBytes: Number.MAX_SAFE_INTEGER });
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
}
