/**
 * `npm run soak:qbft [-- runs [first-seed]]`: the QBFT simulator over many more seeds than `npm test`
 * runs (default 100,000 from seed 1,000,000, clusters of every size), printing each failure with its
 * replay command and a summary. Exits non-zero on any failure.
 *
 * Replay one seed: `QBFT_SUITE=<suite> QBFT_SEED=<seed> npx tsx test/consensus/soak.ts`, with
 * `QBFT_TRACE=1` to print every delivery and every output of every node.
 */
import { runSeed, SUITES, type SuiteName } from './sim/run-seeds.js';

const suite = (process.env.QBFT_SUITE ?? 'all') as SuiteName;
if (!(suite in SUITES)) throw new Error(`QBFT_SUITE: expected one of ${Object.keys(SUITES).join(', ')}, got ${suite}`);

if (process.env.QBFT_SEED !== undefined) {
  const seed = Number(process.env.QBFT_SEED);
  const { report, failure } = runSeed(suite, seed, process.env.QBFT_TRACE ? (line) => console.log(line) : undefined);
  console.log(failure?.text ?? `seed ${seed}: no violation (${report.delivered} deliveries, ${report.endMs} ms virtual)`);
  process.exit(failure ? 1 : 0);
}

const runs = Number(process.argv[2] ?? 100_000);
const first = Number(process.argv[3] ?? 1_000_000);
const started = Date.now();
let failures = 0;
for (let seed = first; seed < first + runs; seed++) {
  const { failure } = runSeed(suite, seed);
  if (failure !== undefined) {
    failures++;
    console.log(failure.text);
  }
  if ((seed - first + 1) % 10_000 === 0) console.log(`${seed - first + 1} runs, ${failures} failures, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
console.log(`soak: ${runs} runs (seeds ${first}..${first + runs - 1}, suite ${suite}), ${failures} failures (a stalled height is one)`);
process.exit(failures > 0 ? 1 : 0);
