/**
 * Deterministic simulation of QBFT clusters of sizes {1, 4, 7} (test/consensus/sim): seeded
 * networks with delays, drops, duplicates, reordering, a partition healing at GST, crashes and
 * restarts, and up to f Byzantine nodes, checked for agreement, validity, one vote per round, at
 * most one signable value per height, the lock lemma and termination after GST (a stalled height is
 * a failure). A failure prints its seed and the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { runSeeds } from './sim/run-seeds.js';

const SEEDS_PER_BATCH = 1500;
const BATCHES = 4;

describe('QBFT simulation, small clusters', () => {
  for (let batch = 0; batch < BATCHES; batch++) {
    const first = 1 + batch * SEEDS_PER_BATCH;
    it(`seeds ${first}..${first + SEEDS_PER_BATCH - 1} keep every invariant`, () => {
      const failures = runSeeds('small', first, SEEDS_PER_BATCH);
      expect(failures.map((f) => f.text)).toEqual([]);
    });
  }
});
