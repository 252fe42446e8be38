/**
 * Interleaved sampling for the quick CI subset (bench/harness.ts `setSampling`): instead of measuring
 * the subject for a while and then each peer (benchmark.js's way, where a burst of other work on a
 * shared machine lands on one case and skews the ratio), every round runs each case for one short
 * slice in turn, and a ratio is the median over rounds of that round's ratio. Work from elsewhere
 * then slows both sides of most rounds alike. A case's speed is its median slice's.
 *
 * Each case is first warmed up until its speed stops improving (JIT and WebAssembly tier-up), which
 * also calibrates how many operations fill a slice. Rounds go on until `seconds` per case have passed and at least
 * `MIN_ROUNDS` rounds ran.
 */

export interface SampledCase {
  fn: () => unknown;
  async?: boolean;
}

export interface Sampled {
  /** Per case: seconds per operation, its median slice's. */
  secondsPerOp: number[];
  /** Per case: the median absolute deviation of its slices, as a percentage of the median. */
  spreadPercent: number[];
  /** Per peer (cases[1..]): the median over rounds of subject speed ÷ peer speed. */
  speedups: number[];
}

const SLICE_MS = 40;
/** Warm-up chunks: at least MIN_WARM_UP_MS, then until a chunk is no faster than the best by WARM_GAIN, at most MAX_WARM_UP_MS. */
const WARM_CHUNK_MS = 100;
const MIN_WARM_UP_MS = 300;
const MAX_WARM_UP_MS = 3_000;
const WARM_GAIN = 0.9;
const MIN_ROUNDS = 7;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `fn` `count` times (awaiting each when async); returns the seconds it took. */
async function timed(c: SampledCase, count: number): Promise<number> {
  const start = performance.now();
  if (c.async) for (let i = 0; i < count; i++) await c.fn();
  else for (let i = 0; i < count; i++) c.fn();
  return (performance.now() - start) / 1000;
}

/**
 * Warms a case up — until its speed stops improving, so that the JIT and WebAssembly tier-up (which
 * compiles in the background, slowly on a loaded machine) are done — and returns how many operations
 * fill a slice.
 */
async function calibrate(c: SampledCase): Promise<number> {
  const start = performance.now();
  let best = Infinity;
  for (;;) {
    let ops = 0;
    const chunkStart = performance.now();
    do {
      await timed(c, 1);
      ops++;
    } while (performance.now() - chunkStart < WARM_CHUNK_MS);
    const perOpMs = (performance.now() - chunkStart) / ops;
    const improving = perOpMs < best * WARM_GAIN;
    best = Math.min(best, perOpMs);
    const elapsed = performance.now() - start;
    if (elapsed >= MAX_WARM_UP_MS || (elapsed >= MIN_WARM_UP_MS && !improving)) return Math.max(1, Math.round(SLICE_MS / best));
  }
}

/** Samples `cases` (the subject first) interleaved, about `seconds` per case (see the module comment). */
export async function sampleInterleaved(cases: readonly SampledCase[], seconds: number): Promise<Sampled> {
  const counts: number[] = [];
  for (const c of cases) counts.push(await calibrate(c));
  const times: number[][] = cases.map(() => []);
  const started = performance.now();
  while (times[0]!.length < MIN_ROUNDS || performance.now() - started < seconds * cases.length * 1000) {
    for (const [i, c] of cases.entries()) times[i]!.push((await timed(c, counts[i]!)) / counts[i]!);
  }
  const secondsPerOp = times.map((t) => median(t));
  const spreadPercent = times.map((t, i) => (median(t.map((x) => Math.abs(x - secondsPerOp[i]!))) / secondsPerOp[i]!) * 100);
  const rounds = times[0]!.length;
  const speedups = cases.slice(1).map((_, p) => median(Array.from({ length: rounds }, (_, r) => times[p + 1]![r]! / times[0]![r]!)));
  return { secondsPerOp, spreadPercent, speedups };
}
