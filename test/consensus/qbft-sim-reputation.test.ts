/**
 * Deterministic simulation of QBFT with leader reputation (src/consensus/qbft/reputation.ts) as the
 * leader function: the small suite's faults (delays, drops, duplicates, reordering, a partition healing
 * at GST, crashes and restarts, up to f Byzantine nodes) plus, in most runs, one node muted for a while
 * before GST, over n + 2..2n + 4 heights with a window of n + 1 or 2n (test/consensus/sim/run-seeds.ts
 * `suiteScenario`), checked for every invariant of the simulator: agreement, validity, one vote per
 * round, at most one signable value per height, the lock lemma and termination after GST. About half
 * the runs have a round-1 leader other than round-robin's somewhere. A failure prints its seed and the
 * command that replays it (`QBFT_SUITE=reputation`).
 */
import { describe, expect, it } from 'vitest';
import { runSeeds } from './sim/run-seeds.js';

const SEEDS_PER_BATCH = 500;
const BATCHES = 2;

describe('QBFT simulation with leader reputation', () => {
  for (let batch = 0; batch < BATCHES; batch++) {
    const first = 1 + batch * SEEDS_PER_BATCH;
    it(`seeds ${first}..${first + SEEDS_PER_BATCH - 1} keep every invariant`, () => {
      const failures = runSeeds('reputation', first, SEEDS_PER_BATCH);
      expect(failures.map((f) => f.text)).toEqual([]);
    });
  }
});
