/**
 * The leader schedule (src/node/leaders.ts): the leader of each height from the stored chain, the same
 * whether the node saw every block committed (fed by `noteBlock`), restarted with the chain on disk,
 * or synced it (read from the store only) — what makes every honest node agree on the leader.
 */
import { describe, expect, it } from 'vitest';
import { leaderOrder, reputationAt } from '../../src/consensus/index.js';
import { LeaderSchedule } from '../../src/node/leaders.js';
import type { SignedBlock } from '../../src/node/types.js';

/** A chain of `length` blocks where operator 2 (share 3) never builds: each block by the first other operator in the order. */
function chainWithDeadOperator(length: number, nodes: number, window: number): SignedBlock[] {
  const proposers: number[] = [];
  for (let h = 1; h <= length; h++) {
    const order = leaderOrder(h, nodes, reputationAt(h, nodes, window, (k) => proposers[k - 1]!).suspects);
    proposers.push(order.find((i) => i !== 2)! + 1);
  }
  return proposers.map((proposer, k) => ({ block: { header: { number: k + 1, proposer } } }) as unknown as SignedBlock);
}

describe('LeaderSchedule', () => {
  it('names the same leaders fed block by block, restarted mid-chain, and from the store alone', () => {
    const nodes = 4;
    const window = 64;
    const chain = chainWithDeadOperator(200, nodes, window);
    const stored: SignedBlock[] = [];
    const store = { getBlock: (n: number) => stored[n - 1] };
    const live = new LeaderSchedule(store, nodes, window);
    const leaders: number[][] = [];
    for (let h = 1; h <= chain.length; h++) {
      leaders.push([1, 2, 3, 4, 5].map((r) => live.leader(h, r)));
      stored.push(chain[h - 1]!);
      live.noteBlock(chain[h - 1]!);
    }
    // Operator 2 leads round 1 once per window, and never again in it.
    const roundOne = leaders.map((rounds) => rounds[0]);
    for (let start = 1; start <= chain.length; start += window) {
      expect(roundOne.slice(start - 1, start - 1 + window).filter((leader) => leader === 2)).toHaveLength(1);
    }
    // A node that restarted (or synced everything) reads the same from the store, at any height.
    for (const h of [1, 2, 63, 64, 65, 66, 100, 128, 129, 150, 200]) {
      const fresh = new LeaderSchedule(store, nodes, window);
      expect([1, 2, 3, 4, 5].map((r) => fresh.leader(h, r)), `height ${h}`).toEqual(leaders[h - 1]);
      expect(fresh.skipped(h)).toBe(roundOne[h - 1] === 2 || h % window === 1 ? 0 : 1);
    }
  });

  it('refuses to guess a leader without the blocks below the height', () => {
    const schedule = new LeaderSchedule({ getBlock: () => undefined }, 4);
    expect(schedule.leader(1, 1)).toBe(2); // the first height of a window needs no block
    expect(() => schedule.leader(2, 1)).toThrow(/block 1 is not stored/);
  });
});
