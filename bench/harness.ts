/**
 * Shared benchmark harness: runs a subject and its peers in one `benchmark` suite, on the same
 * inputs in the same process, and prints each one's speed and the subject's ratio against each peer
 * with the target it is held to. Figures are ratios because these machines are shared and noisy:
 * the absolute numbers move, the ratio measured in one run is what a target is checked against.
 */
import Benchmark from 'benchmark';

export interface BenchCase {
  /** Short label, e.g. "dst wasm" or "hash-wasm". */
  name: string;
  /** One operation; must do the whole measured work synchronously. */
  fn: () => unknown;
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
  const cases = [comparison.subject, ...comparison.peers];
  const results: CaseResult[] = [];
  const suite = new Benchmark.Suite(comparison.title);
  for (const c of cases) {
    suite.add(c.name, c.fn, { minTime: comparison.minSeconds ?? 1, maxTime: 10 });
  }
  suite.on('cycle', (event: Benchmark.Event) => {
    const b = event.target as unknown as Benchmark;
    if (b.error) throw b.error;
    results.push({
      name: String(b.name),
      opsPerSecond: b.hz ?? 0,
      meanMs: (b.stats?.mean ?? 0) * 1000,
      rmePercent: b.stats?.rme ?? 0,
    });
  });
  suite.run({ async: false });
  return summarize(comparison, results);
}

/** An asynchronous case: one operation, whose promise settles when the measured work is done. */
export interface AsyncBenchCase {
  name: string;
  fn: () => Promise<unknown>;
}

/**
 * `compare` for asynchronous work (e.g. a worker pool): benchmark.js deferred cases, run one after
 * another as in `compare`, so subject and peers are still measured in the same run.
 */
export async function compareAsync(
  comparison: Omit<Comparison, 'subject' | 'peers'> & { subject: AsyncBenchCase; peers: Array<AsyncBenchCase & { target?: number }> },
): Promise<ComparisonResult> {
  const results: CaseResult[] = [];
  for (const c of [comparison.subject, ...comparison.peers]) {
    results.push(await new Promise<CaseResult>((resolve, reject) => {
      const bench = new Benchmark(c.name, {
        defer: true,
        minTime: comparison.minSeconds ?? 1,
        maxTime: 10,
        fn: (deferred: { resolve(): void }) => c.fn().then(() => deferred.resolve(), reject),
        onComplete: () => resolve({
          name: c.name,
          opsPerSecond: bench.hz,
          meanMs: bench.stats.mean * 1000,
          rmePercent: bench.stats.rme,
        }),
      });
      bench.run({ async: true });
    }));
  }
  return summarize(comparison, results);
}

function summarize(comparison: { title: string; peers: Array<{ target?: number }> }, results: CaseResult[]): ComparisonResult {
  const [subject, ...peerResults] = results as [CaseResult, ...CaseResult[]];
  const out: ComparisonResult = {
    title: comparison.title,
    subject,
    peers: peerResults.map((r, i) => {
      const target = comparison.peers[i]!.target;
      const speedup = subject.opsPerSecond / r.opsPerSecond;
      return { ...r, speedup, target, met: target === undefined ? undefined : speedup >= target };
    }),
  };
  print(out);
  return out;
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
