/**
 * Runs simulator scenarios for a range of seeds and reports the failures, each with its seed, its
 * scenario and a one-line command that replays it (with `QBFT_TRACE=1` to print every delivery and
 * output). Shared by the vitest suites and `npm run soak:qbft`.
 */
import { Prng } from './prng.js';
import { simulate, type SimOptions, type SimReport } from './simulator.js';
import { describeScenario, randomScenario } from './scenario.js';

export interface SeedFailure {
  seed: number;
  text: string;
}

/** Cluster sizes of each named suite; the name is part of the replay command. */
export const SUITES = {
  small: [1, 4, 4, 4, 7],
  large: [7, 10, 13],
  all: [1, 4, 4, 4, 4, 7, 7, 10, 13],
  /** The small suite's clusters with leader reputation (a short window) over more heights. */
  reputation: [4, 4, 4, 7],
} as const satisfies Record<string, readonly number[]>;
export type SuiteName = keyof typeof SUITES;

export function replayCommand(suite: SuiteName, seed: number): string {
  return `QBFT_SUITE=${suite} QBFT_SEED=${seed} npx tsx test/consensus/soak.ts`;
}

/**
 * A seed's scenario in a suite: the random scenario, and for `reputation` the leader rule with a window
 * of n + 1 or 2n heights over n + 2..2n + 4 heights (so that an operator suspected in a window is due to
 * lead again in it, and windows start again within one run),
 * and in most runs with a GST one node muted (what it sends is lost) for a while before GST, so that
 * round-1 leaders fail and are skipped.
 */
export function suiteScenario(suite: SuiteName, seed: number): SimOptions {
  const options = randomScenario(seed, SUITES[suite]);
  if (suite !== 'reputation') return options;
  const rng = new Prng(seed ^ 0x1ead);
  const gst = options.gstMs ?? 0;
  const fromMs = rng.int(0, Math.max(0, gst - 1));
  const mute = gst > 0 && rng.chance(0.8) ? [{ node: rng.int(0, options.nodes - 1), fromMs, toMs: rng.int(fromMs, gst) }] : undefined;
  const n = options.nodes;
  return { ...options, heights: rng.int(n + 2, 2 * n + 4), reputationWindow: rng.pick([n + 1, 2 * n]), mute };
}

export function runSeed(suite: SuiteName, seed: number, trace?: (line: string) => void): { report: SimReport; failure?: SeedFailure } {
  const options = suiteScenario(suite, seed);
  const report = simulate({ ...options, trace });
  if (report.violations.length === 0) return { report };
  const text = `seed ${seed} [${describeScenario(options)}]\n    ${report.violations.slice(0, 5).join('\n    ')}\n    replay: ${replayCommand(suite, seed)}`;
  return { report, failure: { seed, text } };
}

/** The failures among `count` seeds from `first`. */
export function runSeeds(suite: SuiteName, first: number, count: number): SeedFailure[] {
  const failures: SeedFailure[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const { failure } = runSeed(suite, seed);
    if (failure !== undefined) failures.push(failure);
  }
  return failures;
}
