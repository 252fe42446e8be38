/**
 * Leader reputation (src/consensus/qbft/reputation.ts): the rule as a pure function, and in the QBFT
 * simulator (test/consensus/sim) the liveness it buys — a dead operator costs at most one round-1
 * timeout per window, a recovered one gets its turns back, a flapping or slow one costs at most one per
 * window, a healed partition leaves nobody skipped for long — with every safety invariant of the
 * simulator checked in every run (agreement, one vote per round, one signable value per height, the
 * lock lemma, termination). Each scenario also runs with plain round-robin, to show what the test would
 * see without the rule (the same assertion fails there). Safety under the rule across random faults is
 * the `reputation` suite of the seeded simulator (qbft-sim-reputation.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  leaderInOrder, leaderOrder, LeaderReputation, nextReputation, reputationAt, reputationWindowStart, roundRobinLeader,
} from '../../src/consensus/index.js';
import { proposerOf, simulate, type SimOptions, type SimReport } from './sim/simulator.js';

describe('leader reputation: the rule', () => {
  it('is round-robin while nobody is suspected, and moves suspects to the end of the order', () => {
    for (let h = 1; h <= 8; h++) {
      for (let r = 1; r <= 9; r++) expect(leaderInOrder(leaderOrder(h, 4, new Set()), r)).toBe(roundRobinLeader(h, r, 4));
    }
    // Height 7: round-robin starts at (7 + 1) mod 4 = 0.
    expect(leaderOrder(7, 4, new Set([0]))).toEqual([1, 2, 3, 0]);
    expect(leaderOrder(7, 4, new Set([0, 2]))).toEqual([1, 3, 0, 2]);
    // Every operator leads once in any n consecutive rounds.
    const order = leaderOrder(7, 4, new Set([1]));
    expect(new Set([1, 2, 3, 4].map((r) => leaderInOrder(order, r)))).toEqual(new Set([0, 1, 2, 3]));
    // Fallback: all suspected, nobody skipped.
    expect(leaderOrder(7, 4, new Set([0, 1, 2, 3]))).toEqual([0, 1, 2, 3]);
  });

  it('suspects a round-1 leader whose value was not decided, clears an operator that got one through, forgets at a window start', () => {
    const W = 8;
    expect(reputationWindowStart(1, W)).toBe(1);
    expect(reputationWindowStart(8, W)).toBe(1);
    expect(reputationWindowStart(9, W)).toBe(9);
    // Height 2's round-1 leader is 3 (0-based); operator 1 (share 2) built the block instead: 3 is suspected.
    let state = nextReputation({ height: 2, suspects: new Set() }, 4, W, 1);
    expect([...state.suspects]).toEqual([3]);
    // Height 3's round-1 leader is 0; it succeeds (share 1): nothing changes.
    state = nextReputation(state, 4, W, 1);
    expect([...state.suspects]).toEqual([3]);
    // A block by share 4 (operator 3, leading a later round at height 4) clears it; height 4's round-1 leader 1 is suspected.
    state = nextReputation(state, 4, W, 4);
    expect([...state.suspects]).toEqual([1]);
    // A proposer outside 1..n is no operator: the round-1 leader (2 at height 5) is suspected, nobody cleared.
    state = nextReputation(state, 4, W, 0);
    expect([...state.suspects].sort()).toEqual([1, 2]);
    // Height 9 starts a window: nobody suspected.
    state = nextReputation({ height: 8, suspects: new Set([0, 1]) }, 4, W, 2);
    expect(state).toEqual({ height: 9, suspects: new Set() });
  });

  it('replaying the window gives the state the incremental cache reaches, at every height', () => {
    const W = 6;
    // A chain where operator 2 (share 3) never builds: each height's proposer is the first non-dead one in the order.
    const proposers = new Map<number, number>();
    const rolling = new LeaderReputation(4, W, (k) => proposers.get(k)!);
    for (let h = 1; h <= 30; h++) {
      const order = rolling.order(h);
      const replayed = reputationAt(h, 4, W, (k) => proposers.get(k)!);
      expect(leaderOrder(h, 4, replayed.suspects)).toEqual([...order]);
      proposers.set(h, order.find((i) => i !== 2)! + 1);
    }
    // Within a window, operator 2 led round 1 once (its first turn), and never after.
    for (let start = 1; start <= 30; start += W) {
      const turns = [...Array(W).keys()].map((k) => start + k).filter((h) => h <= 30 && leaderOrder(h, 4, reputationAt(h, 4, W, (k) => proposers.get(k)!).suspects)[0] === 2);
      expect(turns.length, `window from ${start}`).toBeLessThanOrEqual(1);
    }
  });
});

const W = 16;
const WINDOWS = 4;
const HEIGHTS = W * WINDOWS;

/** n = 4, steady links (0–20 ms), no drops, 64 heights; `extra` adds the fault. */
function run(extra: Partial<SimOptions>, reputation: boolean): SimReport {
  return simulate({ seed: 18, nodes: 4, heights: HEIGHTS, maxLinkDelayMs: 20, gstMs: 0, ...(reputation ? { reputationWindow: W } : {}), ...extra });
}

/** Per window, the heights that needed a round after the first (each cost one round-1 timeout or more). */
function lateHeightsPerWindow(report: SimReport): number[] {
  const counts = new Array<number>(WINDOWS).fill(0);
  for (const [height, round] of report.decidedRound) if (round > 1) counts[Math.floor((height - 1) / W)]!++;
  return counts;
}

/** The decided chain's builders (0-based), from an honest node that decided every height. */
function builders(report: SimReport, node: number): number[] {
  const chain = report.decisions.get(node)!;
  return Array.from({ length: HEIGHTS }, (_, k) => proposerOf(chain.get(k + 1)!));
}

describe('leader reputation in the QBFT simulator (n = 4, window 16, 64 heights)', () => {
  it('a permanently dead operator costs exactly one round-1 timeout per window (round-robin: one per turn)', () => {
    const dead = { byzantine: new Map([[1, ['silent' as const]]]) };
    const report = run(dead, true);
    expect(report.violations).toEqual([]);
    // Tried once in every window (its turn comes back), skipped for the rest of it.
    expect(lateHeightsPerWindow(report)).toEqual([1, 1, 1, 1]);
    const plain = run(dead, false);
    expect(plain.violations).toEqual([]);
    expect(lateHeightsPerWindow(plain)).toEqual([4, 4, 4, 4]);
  });

  it('a recovered operator gets its turns back: every one of them in the windows after it came back', () => {
    // Operator 1's messages are lost for the first 3 s (it follows the chain, but cannot lead), then it is fine.
    const recovering = { mute: [{ node: 1, fromMs: 0, toMs: 3_000 }] };
    const report = run(recovering, true);
    expect(report.violations).toEqual([]);
    const built = builders(report, 0);
    const late = lateHeightsPerWindow(report);
    // While muted: at most one timeout per window, and it built nothing.
    const lastMutedWindow = late.findIndex((count, k) => count === 0 && k > 0) - 1;
    expect(lastMutedWindow).toBeGreaterThanOrEqual(0);
    for (let k = 0; k <= lastMutedWindow; k++) expect(late[k]).toBeLessThanOrEqual(1);
    // The last window: no timeout, and operator 1 built exactly its round-robin turns (W / n of them).
    expect(late[WINDOWS - 1]).toBe(0);
    const lastWindow = built.slice(HEIGHTS - W);
    expect(lastWindow.filter((b) => b === 1)).toHaveLength(W / 4);
    lastWindow.forEach((b, k) => expect(b, `height ${HEIGHTS - W + k + 1}`).toBe(roundRobinLeader(HEIGHTS - W + k + 1, 1, 4)));
  });

  it('a flapping operator (dead 700 ms, alive 700 ms, …) costs at most one timeout per window', () => {
    const mute = Array.from({ length: 20 }, (_, k) => ({ node: 2, fromMs: k * 1_400, toMs: k * 1_400 + 700 }));
    const report = run({ mute }, true);
    expect(report.violations).toEqual([]);
    for (const count of lateHeightsPerWindow(report)) expect(count).toBeLessThanOrEqual(1);
    // It still builds blocks (whenever its turn finds it alive).
    expect(builders(report, 0).filter((b) => b === 2).length).toBeGreaterThan(0);
    const plain = run({ mute }, false);
    expect(plain.violations).toEqual([]);
    expect(lateHeightsPerWindow(plain).some((count) => count > 1)).toBe(true);
  });

  it('a slow operator (every message 1,010 ms late, just over the 1 s round-1 timer) costs one timeout per window', () => {
    const slow = { slow: new Map([[3, 1_010]]) };
    const report = run(slow, true);
    expect(report.violations).toEqual([]);
    expect(lateHeightsPerWindow(report)).toEqual([1, 1, 1, 1]);
    const plain = run(slow, false);
    expect(plain.violations).toEqual([]);
    expect(lateHeightsPerWindow(plain)).toEqual([4, 4, 4, 4]);
  });

  it('a partition that heals (2 | 2 for 5 s): after the first height, every height in round 1, every operator building', () => {
    const report = run({ partition: [0, 1], gstMs: 5_000 }, true);
    expect(report.violations).toEqual([]);
    const late = [...report.decidedRound].filter(([height, round]) => height > 1 && round > 1);
    expect(late).toEqual([]);
    const built = builders(report, 0);
    for (let operator = 0; operator < 4; operator++) expect(built.slice(HEIGHTS - W).filter((b) => b === operator).length).toBeGreaterThan(0);
  });

  it('one node cut off for 0.4 s and healed: safety, and it takes part again', () => {
    // Short: the QBFT simulator has no block sync, and a node more than RETAINED_DECISIONS behind cannot catch up.
    const report = run({ partition: [3], gstMs: 400 }, true);
    expect(report.violations).toEqual([]);
    expect(builders(report, 0).slice(HEIGHTS - W).filter((b) => b === 3).length).toBeGreaterThan(0);
  });
});
