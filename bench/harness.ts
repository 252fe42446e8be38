/**
 * Shared benchmark harness: runs a subject and its peers in one `benchmark` suite, on the same
 * inputs in the same process, and prints each one's speed and the subject's ratio against each peer
 * with the target it is held to. Figures are ratios because these machines are shared and noisy:
 * the absolute numbers move, the ratio measured in one run is what a target is checked against.
 *
 * Every figure a bench file reports goes through here: `compare`/`compareAsync` record theirs, and
 * figures measured otherwise (a cluster's blocks per second, a batch's µs per signature) are reported
 * with `figure`. `recordedFigures()` is what bench/index.ts writes with `--json` and bench/ci.ts gates
 * (the format: bench/figures.ts, bench/README.md).
 */
import Benchmark from 'benchmark';
import { withVerdict, type Figure } from './figures.js';
import { sampleInterleaved } from './interleaved.js';

const recorded: Figure[] = [];
/** Quick sampling (bench/ci.ts); undefined: benchmark.js, each sample ≥ the comparison's `minSeconds` (default 1 s), each case ~10 s. */
let sampling: { maxSeconds: number } | undefined;

/** Every figure reported so far in this process, in order. */
export function recordedFigures(): readonly Figure[] {
  return recorded;
}

/**
 * Quick sampling for every later comparison (the CI subset, bench/ci.ts): the cases are measured
 * interleaved, about `maxSeconds` each (bench/interleaved.ts), and a ratio is the median of the
 * rounds' ratios; `meanMs` is then the median slice's time per op and `rmePercent` its slices' median
 * deviation. Comparisons must then go through `compareAsync` (the bench files the subset runs do).
 */
export function setSampling(options: { maxSeconds: number }): void {
  sampling = { ...options };
}

/**
 * Reports one figure measured outside `compare`: records it and prints one line ("name: value unit",
 * with the ratio and target verdict when it has them). `met` is derived from the target.
 */
export function figure(f: Omit<Figure, 'met'>): Figure {
  const out = withVerdict(f);
  recorded.push(out);
  const value = `${out.value >= 100 ? Math.round(out.value).toLocaleString('en-US') : out.value.toFixed(2)} ${out.unit}`;
  const ratio = out.ratio === undefined ? '' : `; ${out.ratio.toFixed(2)}x ${out.peer}`;
  const sign = out.ratio !== undefined || out.better !== 'lower' ? '≥' : '≤';
  const target = out.target === undefined ? '' : `  (target ${sign} ${out.target}${out.ratio === undefined ? '' : 'x'}: ${out.met ? 'met' : 'NOT MET'})`;
  console.log(`  ${out.name}: ${value}${ratio}${target}`);
  return out;
}

/** The q-quantile (0..1) of `sorted` (ascending), nearest rank. */
export const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

export interface BenchCase {
  /** Short label, e.g. "dst wasm" or "hash-wasm". */
  name: string;
  /** One operation; must do the whole measured work synchronously (with `async`: before its promise resolves). */
  fn: () => unknown;
  /** `fn` returns a promise and the operation ends when it resolves (for peers with only an async API); needs `compareAsync`. */
  async?: boolean;
}

export interface Comparison {
  title: string;
  subject: BenchCase;
  peers: Array<BenchCase & {
    /** Target speed-up of the subject over this peer (subject ops/s ÷ peer ops/s), if any. */
    target?: number;
  }>;
  /** Minimum seconds each case is sampled (benchmark.js `minTime`); default 1. */
  minSeconds?: number;
}

export interface CaseResult {
  name: string;
  opsPerSecond: number;
  meanMs: number;
  rmePercent: number;
}

export interface ComparisonResult {
  title: string;
  subject: CaseResult;
  peers: Array<CaseResult & { speedup: number; target?: number; met?: boolean }>;
}

/** Runs one comparison and prints it; returns the figures. */
export function compare(comparison: Comparison): ComparisonResult {
  if ([comparison.subject, ...comparison.peers].some((c) => c.async)) {
    throw new Error(`${comparison.title}: a case is async; run it with compareAsync`);
  }
  if (sampling !== undefined) {
    throw new Error(`${comparison.title}: quick sampling measures cases interleaved, asynchronously; run it with compareAsync`);
  }
  const { suite, results } = buildSuite(comparison);
  suite.run({ async: false });
  return report(comparison, results);
}

/** `compare` for comparisons where some case is `async`; synchronous cases are measured as in `compare`. */
export function compareAsync(comparison: Comparison): Promise<ComparisonResult> {
  if (sampling !== undefined) return compareInterleaved(comparison, sampling.maxSeconds);
  const { suite, results, failure } = buildSuite(comparison);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      try {
        const error = failure();
        if (error !== undefined) throw error;
        resolve(report(comparison, results));
      } catch (error) {
        reject(error);
      }
    };
    suite.on('complete', finish);
    suite.on('abort', finish);
    suite.run({ async: true });
  });
}

function buildSuite(comparison: Comparison): { suite: Benchmark.Suite; results: CaseResult[]; failure: () => unknown } {
  const cases = [comparison.subject, ...comparison.peers];
  const results: CaseResult[] = [];
  const suite = new Benchmark.Suite(comparison.title);
  const options = { minTime: comparison.minSeconds ?? 1, maxTime: 10 };
  // A rejected async case must end the run with its error, not leave benchmark.js waiting forever.
  let failure: unknown;
  for (const c of cases) {
    if (c.async) {
      const run = (deferred: Benchmark.Deferred) =>
        void (c.fn() as Promise<unknown>).then(
          () => deferred.resolve(),
          (error: unknown) => {
            failure ??= new Error(`${comparison.title}: ${c.name} failed`, { cause: error });
            suite.abort();
            deferred.resolve();
          },
        );
      suite.add(c.name, run, { ...options, defer: true });
    } else {
      suite.add(c.name, c.fn, options);
    }
  }
  suite.on('cycle', (event: Benchmark.Event) => {
    const b = event.target as unknown as Benchmark;
    if (b.error) throw b.error;
    const seconds = b.stats?.mean ?? 0;
    results.push({
      name: String(b.name),
      opsPerSecond: seconds > 0 ? 1 / seconds : 0,
      meanMs: seconds * 1000,
      rmePercent: b.stats?.rme ?? 0,
    });
  });
  return { suite, results, failure: () => failure };
}

/** Quick sampling (bench/interleaved.ts): ratios are medians of per-round ratios. */
async function compareInterleaved(comparison: Comparison, seconds: number): Promise<ComparisonResult> {
  const cases = [comparison.subject, ...comparison.peers];
  const sampled = await sampleInterleaved(cases, seconds);
  const results = cases.map((c, i) => ({ name: c.name, opsPerSecond: 1 / sampled.secondsPerOp[i]!, meanMs: sampled.secondsPerOp[i]! * 1000, rmePercent: sampled.spreadPercent[i]! }));
  return report(comparison, results, sampled.speedups);
}

function report(comparison: Comparison, results: CaseResult[], speedups?: number[]): ComparisonResult {
  const [subject, ...peerResults] = results as [CaseResult, ...CaseResult[]];
  const out: ComparisonResult = {
    title: comparison.title,
    subject,
    peers: peerResults.map((r, i) => {
      const target = comparison.peers[i]!.target;
      const speedup = speedups?.[i] ?? subject.opsPerSecond / r.opsPerSecond;
      return { ...r, speedup, target, met: target === undefined ? undefined : speedup >= target };
    }),
  };
  print(out);
  recordComparison(out);
  return out;
}

/** The comparison's figures: each case's speed, the subject's once per peer with the ratio. */
function recordComparison(r: ComparisonResult): void {
  const name = (c: CaseResult) => `${r.title}: ${c.name}`;
  if (r.peers.length === 0) recorded.push({ name: name(r.subject), value: r.subject.opsPerSecond, unit: 'ops/s' });
  for (const p of r.peers) {
    recorded.push(withVerdict({ name: name(r.subject), value: r.subject.opsPerSecond, unit: 'ops/s', peer: p.name, ratio: p.speedup, target: p.target }));
  }
  for (const p of r.peers) recorded.push({ name: name(p), value: p.opsPerSecond, unit: 'ops/s' });
}

function formatCase(r: CaseResult): string {
  return `${r.name.padEnd(28)} ${formatOps(r.opsPerSecond).padStart(12)} ops/s  ${formatMs(r.meanMs).padStart(11)}/op  ±${r.rmePercent.toFixed(1)}%`;
}

function formatOps(hz: number): string {
  return hz >= 100 ? Math.round(hz).toLocaleString('en-US') : hz.toFixed(2);
}

function formatMs(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}

function print(r: ComparisonResult): void {
  console.log(`\n${r.title}`);
  console.log(`  ${formatCase(r.subject)}`);
  for (const p of r.peers) {
    console.log(`  ${formatCase(p)}`);
  }
  for (const p of r.peers) {
    const verdict = p.target === undefined ? '' : `  (target ≥ ${p.target}x: ${p.met ? 'met' : 'NOT MET'})`;
    console.log(`  -> ${r.subject.name} is ${p.speedup.toFixed(2)}x ${p.name}${verdict}`);
  }
}
