/**
 * The leader schedule (issue 18): who leads each round of a height, by leader reputation over the
 * stored chain (src/consensus/qbft/reputation.ts, after Carousel, Cohen et al., FC 2022) — the round-1
 * leader skips operators that failed as round-1 leader earlier in the current window of
 * `DEFAULT_REPUTATION_WINDOW` heights (docs/qbft.md "Leader choice").
 *
 * The leader of height h depends only on the headers' proposers of the blocks of h's window below h.
 * Every honest node has the same blocks there once it works on h (agreement; a synced block is the same
 * block), so every one computes the same leader, however its blocks came. Those proposers are kept as
 * blocks are committed (consensus and sync both go through the committer, which calls `noteBlock`)
 * and read from the store otherwise (after a restart: at most one window's blocks, once).
 *
 * Asked about height h only when the chain reaches h − 1: by the driver for the height it runs and by the
 * peer tracker for head + 1.
 */
import { DEFAULT_REPUTATION_WINDOW, LeaderReputation, reputationWindowStart } from '../consensus/index.js';
import type { NodeStorage } from './storage.js';
import type { SignedBlock } from './types.js';

export class LeaderSchedule {
  private readonly reputation: LeaderReputation;
  /** Height → the header's proposer (1-based), for the stored blocks of the recent windows. */
  private readonly proposers = new Map<number, number>();

  constructor(
    private readonly store: Pick<NodeStorage, 'getBlock'>,
    private readonly nodes: number,
    readonly window: number = DEFAULT_REPUTATION_WINDOW,
  ) {
    this.reputation = new LeaderReputation(nodes, window, (height) => this.proposerAt(height));
  }

  /** The 0-based operator index leading (height, round). */
  leader(height: number, round: number): number {
    return this.nodes === 1 ? 0 : this.reputation.leader(height, round);
  }

  /** How many operators the round-1 leader of `height` skips (a metric). */
  skipped(height: number): number {
    return this.nodes === 1 ? 0 : this.reputation.at(height).suspects.size;
  }

  /** A block was stored (the committer's listener). */
  noteBlock(signed: SignedBlock): void {
    const { number, proposer } = signed.block.header;
    this.proposers.set(number, proposer);
    // Blocks before the previous window are never asked for again.
    const keepFrom = reputationWindowStart(number, this.window) - this.window;
    for (const height of this.proposers.keys()) {
      if (height >= keepFrom) break;
      this.proposers.delete(height);
    }
  }

  private proposerAt(height: number): number {
    const known = this.proposers.get(height);
    if (known !== undefined) return known;
    const signed = this.store.getBlock(height);
    if (signed === undefined) throw new Error(`leader schedule: block ${height} is not stored (the leader of a height needs the blocks of its window below it)`);
    return signed.block.header.proposer;
  }
}
