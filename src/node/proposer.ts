/**
 * The block proposer (issue 19): the two questions QBFT asks about values (docs/architecture.md §3).
 *
 * - `propose` — this node leads a round: after the block time since the head, the pool's best
 *   transactions (src/chain/mempool.ts ordering); in a cluster it waits for some at most a quarter of
 *   the round's timeout, then proposes what it has, possibly nothing (a single node waits for one).
 * - `validate` — a block this node did not build (a peer's proposal, a restored lock): the checks of
 *   src/chain/validation.ts against the current head, senders known to the pool not recovered again.
 */
import type { Logger } from 'pino';
import { validateProposal, type Block, type BlockLimits, type Transaction, type TransactionRules } from '../chain/index.js';
import type { CryptoExecutor } from '../crypto/index.js';
import type { Admission } from './admission.js';
import type { Clock } from './clock.js';
import type { BlockCommitter } from './committer.js';
import type { NodeStorage } from './storage.js';
import type { ChangeSignal } from './signal.js';

export interface ProposerOptions {
  admission: Admission;
  committer: BlockCommitter;
  store: NodeStorage;
  clock: Clock;
  signal: ChangeSignal;
  executor: CryptoExecutor;
  logger: Logger;
  rules: TransactionRules;
  block: BlockLimits;
  blockTimeMs: number;
  maxFutureDriftMs: number;
  /** This node's share index, the `proposer` of the blocks it builds. */
  proposer: number;
  /** Whether peers exist to send transactions (a cluster) — a single node waits for one. */
  cluster: boolean;
  roundTimeout: (round: number) => number;
}

export class BlockProposer {
  constructor(private readonly options: ProposerOptions) {}

  /** Milliseconds until the block time since the head has passed (≤ 0: it has). */
  blockTimeRemaining(): number {
    const head = this.options.committer.head;
    if (head.header.number === 0) return 0;
    return Number(head.header.timestampMs) + this.options.blockTimeMs - this.options.clock.now();
  }

  /** This node's block for `round`; undefined once `current()` says the height is over. */
  async propose(height: number, round: number, current: () => boolean): Promise<{ block: Block; transactions: Transaction[] } | undefined> {
    const { admission, clock, signal } = this.options;
    while (current() && this.blockTimeRemaining() > 0) await signal.wait(this.blockTimeRemaining());
    const deadline = clock.monotonic() + this.options.roundTimeout(round) / 4;
    while (current() && !admission.hasIncludable()) {
      if (!this.options.cluster) {
        await signal.wait();
        continue;
      }
      const left = deadline - clock.monotonic();
      if (left <= 0) break;
      await signal.wait(left);
    }
    if (!current()) return undefined;
    this.options.logger.debug({ height, round, pending: admission.size }, 'proposing');
    return admission.proposalFor(this.options.committer.head, this.options.proposer, BigInt(clock.now()));
  }

  /** The block's transactions with their senders when it is valid on the head, undefined when not. */
  async validate(block: Block): Promise<Transaction[] | undefined> {
    const { committer, admission } = this.options;
    const parent = committer.head;
    try {
      const { transactions } = await validateProposal(block.header, block.transactions, {
        parent,
        chain: this.options.store,
        transactionRules: this.options.rules,
        limits: this.options.block,
        nowMs: BigInt(this.options.clock.now()),
        maxFutureDriftMs: BigInt(this.options.maxFutureDriftMs),
        executor: this.options.executor,
        knownTransaction: (hash) => admission.knownTransaction(hash),
      });
      return transactions;
    } catch (error) {
      // Checked against a head that has moved meanwhile (the height was decided without this node): moot.
      if (committer.head === parent) this.options.logger.warn({ err: error, height: block.header.number }, 'rejected a proposed block');
      return undefined;
    }
  }
}
