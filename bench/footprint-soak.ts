/**
 * `npm run soak:footprint [-- --seconds N] [--sample-ms M]`: the footprint measurement of
 * bench/footprint.ts for 10 minutes by default (BENCH_FOOTPRINT_SECONDS or `--seconds`); exits 1 when
 * a node's RSS grew by more than 10 % over the last half, 0 when every node's stayed flat.
 */
import { MAX_RSS_GROWTH, measureFootprint } from './footprint.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const seconds = Number(flag('--seconds') ?? process.env.BENCH_FOOTPRINT_SECONDS ?? 600);
const sampleMs = Number(flag('--sample-ms') ?? process.env.BENCH_FOOTPRINT_SAMPLE_MS ?? 5_000);
if (!(seconds > 0) || !(sampleMs > 0)) {
  console.error('usage: npm run soak:footprint [-- --seconds N] [--sample-ms M]');
  process.exit(2);
}
const result = await measureFootprint({ seconds, sampleMs, warmupSeconds: 30 });
if (!result.flat) {
  console.error(`soak:footprint FAILED: RSS grew by more than ${100 * MAX_RSS_GROWTH} % over the last half`);
  process.exit(1);
}
console.log(`soak:footprint: RSS flat on every node (growth ≤ ${100 * MAX_RSS_GROWTH} % over the last half)`);
