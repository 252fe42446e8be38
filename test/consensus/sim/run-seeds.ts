/**
 * Runs simulator scenarios for a range of seeds and reports the failures, each with its seed, its
 * scenario and a one-line command that replays it (with `QBFT_TRACE=1` to print every delivery and
 * output). Shared by the vitest suites and `npm run soak:qbft`.
 */
import { simulate, type SimReport } from './simulator.js';
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
} as const satisfies Record<string, readonly number[]>;
export type SuiteName = keyof typeof SUITES;

export function replayCommand(suite: SuiteName, seed: number): string {
  return `QBFT_SUITE=${suite} QBFT_SEED=${seed} npx tsx test/consensus/soak.ts`;
}

export function runSeed(suite: SuiteName, seed: number, trace?: (line: string) => void): { report: SimReport; failure?: SeedFailure } {
  const options = randomScenario(seed, SUITES[suite]);
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
