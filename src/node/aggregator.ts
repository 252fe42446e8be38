/**
 * The partial aggregator (issue 19; docs/architecture.md §3–§4): records every COMMIT partial signature this node
 * sees — its own, peers' COMMITs, those inside a DECIDED — by (height, round, sender), and turns a QBFT
 * decision into the cluster's signature.
 *
 * Combining is optimistic (src/crypto/optimistic.ts): the decision's COMMIT quorum first, then any other
 * COMMIT of that round for the value; t partials are combined by Lagrange interpolation at 0 and the
 * result verified once against the group key, and only when that fails are the partials checked one by
 * one. A partial found invalid is logged and counted once per height and left out of later attempts, so
 * one bad partial never stalls a block while t good ones exist. Partials combine only within one round:
 * they sign the round's signing root.
 *
 * Bounds: COMMITs are kept for heights up to `COMMIT_HEIGHTS_AHEAD` above the head and rounds up to
 * `COMMIT_ROUNDS_AHEAD` above the current one, one per sender per (height, round); `prune(head)` drops
 * everything at or below a new head.
 */
import type { Logger } from 'pino';
import type { Decision } from '../consensus/index.js';
import { BLOCK_DOMAIN, optimisticCombine, signingRoot } from '../crypto/index.js';
import type { Block } from '../chain/index.js';
import type { NodeKey, SequencerMetrics } from './options.js';
import type { SignedBlock } from './types.js';

/** COMMITs are collected for heights up to this far above the head, rounds up to this far above the current one. */
const COMMIT_HEIGHTS_AHEAD = 3;
const COMMIT_ROUNDS_AHEAD = 8;

/** One round's COMMIT partials of a height, by sender: the first COMMIT of each sender counts. */
type RoundCommits = Map<number, { valueId: string; signature: Uint8Array }>;

export interface CombineAttempt {
  /** The block with the group signature, when t valid partials combined. */
  signed?: SignedBlock;
  /** Partials of the round for the value not known to be invalid (when `signed` is absent: fewer than t valid). */
  candidates: number;
}

export class PartialAggregator {
  /** COMMIT partials seen, by height, then round. */
  private readonly commits = new Map<number, Map<number, RoundCommits>>();
  /** Share indices whose partial failed verification, by height (logged and counted once). */
  private readonly invalid = new Map<number, Set<number>>();

  constructor(
    private readonly chainId: bigint,
    private readonly key: NodeKey,
    private readonly logger: Logger,
    private readonly metrics?: SequencerMetrics,
  ) {}

  /** Records a COMMIT partial; true if it is new and within the bounds (the loop may be waiting for it). */
  record(head: number, currentRound: number, commit: { height: number; round: number; sender: number; valueId: string; signature: Uint8Array }): boolean {
    const { height, round, sender } = commit;
    if (height <= head || height > head + COMMIT_HEIGHTS_AHEAD) return false;
    if (round > Math.max(currentRound, 1) + COMMIT_ROUNDS_AHEAD) return false;
    let byRound = this.commits.get(height);
    if (byRound === undefined) this.commits.set(height, (byRound = new Map()));
    let bySender = byRound.get(round);
    if (bySender === undefined) byRound.set(round, (bySender = new Map()));
    if (bySender.has(sender)) return false;
    bySender.set(sender, { valueId: commit.valueId, signature: commit.signature });
    return true;
  }

  /** Combines the decision round's partials into the group signature, verified against the group key. */
  combine(decision: Decision<Block>): CombineAttempt {
    const { key } = this;
    const { height, round, valueId } = decision;
    const root = signingRoot(BLOCK_DOMAIN, this.chainId, round, decision.value.hash);
    let invalid = this.invalid.get(height);
    if (invalid === undefined) this.invalid.set(height, (invalid = new Set()));
    const partials = new Map<number, Uint8Array>();
    for (const commit of decision.commits) partials.set(commit.sender + 1, commit.signature);
    for (const [sender, commit] of this.commits.get(height)?.get(round) ?? []) {
      if (commit.valueId === valueId && !partials.has(sender + 1)) partials.set(sender + 1, commit.signature);
    }
    for (const index of invalid) partials.delete(index);
    if (partials.size < key.threshold) return { candidates: partials.size };
    const { signature, invalidIndices } = optimisticCombine({
      threshold: key.threshold,
      groupPublicKey: key.groupPublicKey,
      publicShares: key.publicShares,
      message: root,
      partials: [...partials].map(([index, signature]) => ({ index, signature })),
    });
    for (const index of invalidIndices) {
      invalid.add(index);
      this.metrics?.partialsInvalid.inc({ peer: String(index) });
      this.logger.warn({ height, round, share: index }, 'invalid partial signature: its node signed something else or is faulty');
    }
    if (signature === undefined) return { candidates: partials.size - invalidIndices.length };
    return { signed: { block: decision.value, round, signingRoot: root, signature }, candidates: partials.size - invalidIndices.length };
  }

  /** Whether a COMMIT partial of `sender` (0-based) is recorded for (height, round). */
  has(height: number, round: number, sender: number): boolean {
    return this.commits.get(height)?.get(round)?.has(sender) ?? false;
  }

  /** Share indices found invalid at `height`. */
  invalidAt(height: number): number[] {
    return [...(this.invalid.get(height) ?? [])];
  }

  /** Forgets everything at or below `head`. */
  prune(head: number): void {
    for (const height of this.commits.keys()) if (height <= head) this.commits.delete(height);
    for (const height of this.invalid.keys()) if (height <= head) this.invalid.delete(height);
  }
}
