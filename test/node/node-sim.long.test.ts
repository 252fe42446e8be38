/**
 * The whole-node simulator's longer seed run (seeds 101..400, about 30 s on 2 cores; node-sim.test.ts
 * runs seeds 1..100 in `npm test`): every seed keeps agreement, verifying blocks, exactly-once
 * inclusion, in-order publication and liveness after healing. A failure prints its seed and replay command.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { failingSeeds, makeFixtures } from './sim/scenario.js';
import type { Fixtures } from './sim/simulator.js';

const SEEDS_PER_BATCH = 100;

describe('whole-node simulation, seeds 101..400', () => {
  let fixtures: Fixtures;
  beforeAll(async () => {
    fixtures = await makeFixtures();
  });
  for (const first of [101, 201, 301]) {
    it(`seeds ${first}..${first + SEEDS_PER_BATCH - 1} keep every invariant`, async () => {
      expect(await failingSeeds(first, SEEDS_PER_BATCH, fixtures)).toEqual([]);
    });
  }
});
