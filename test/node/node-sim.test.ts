/**
 * The whole-node simulator (test/node/sim/): real node pipelines on a virtual clock and an in-memory
 * network with seeded faults, crashes and Byzantine peers, every run checked for agreement, verifying
 * blocks, exactly-once inclusion of every acknowledged transaction, `onBlock` publication of every
 * stored block in order, and liveness after healing. A failure prints its seed and the command that
 * replays it (`npm run soak:node` runs many more seeds).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { failingSeeds, makeFixtures, runSeed } from './sim/scenario.js';
import { simulate, type Fixtures, type Scenario } from './sim/simulator.js';

/** Seeds run here; node-sim.long.test.ts runs 101..400 and `npm run soak:node` many more. */
const SEEDS = 100;

describe('whole-node simulation', () => {
  let fixtures: Fixtures;
  beforeAll(async () => {
    fixtures = await makeFixtures();
  });

  it('a node that was down syncs the blocks it missed and publishes each of them to onBlock (newHeads), in order', async () => {
    // Node 4 is down while the others sign blocks; when it comes back, sync brings those blocks.
    const scenario: Scenario = {
      seed: 7,
      nodes: 4,
      faults: { dropRate: 0, duplicateRate: 0, maxDelayMs: 5 },
      chaosMs: 3_000,
      crashes: [{ node: 3, atMs: 0, downMs: 2_500 }],
      submissions: [0, 1, 2, 3, 4].map((sender) => ({ sender, nonce: 0, node: sender % 3, atMs: 200 + sender * 450 })),
      blockTimeMs: 0,
    };
    const result = await simulate(scenario, fixtures);
    expect(result.violations).toEqual([]);
    const [first, second] = result.incarnations[3]!;
    expect(first!.endHead).toBe(0);
    const back = second!;
    expect(back.startHead).toBe(0);
    // The others had signed blocks meanwhile: the restarted node could only get them by sync.
    expect(back.clusterHeadAtBoot).toBeGreaterThanOrEqual(3);
    const synced = Array.from({ length: back.clusterHeadAtBoot }, (_, i) => i + 1);
    expect(back.seen.slice(0, synced.length)).toEqual(synced);
    expect(back.seen).toEqual(Array.from({ length: back.endHead }, (_, i) => i + 1));
  });

  it('replays a seed exactly: the same seed gives the same run', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const { result } = await runSeed(117, fixtures);
      runs.push(JSON.stringify(result));
    }
    expect(runs[1]).toBe(runs[0]);
  });

  it(`seeds 1..${SEEDS} keep every invariant`, async () => {
    expect(await failingSeeds(1, SEEDS, fixtures)).toEqual([]);
  });
});
