/**
 * `npm run bench -- footprint`: the footprint of a node at 4 blocks/s with 20 tx/s (bench/footprint.ts)
 * for BENCH_FOOTPRINT_SECONDS (default 120 s), a sample every BENCH_FOOTPRINT_SAMPLE_MS (default
 * 2,000); BENCH_FOOTPRINT_PROFILE=1 (or a directory to keep the profiles in) also prints node 1's CPU
 * by stage from a `--cpu-prof` profile. The figures are reported against issue 16's targets; RSS growth is reported, not failed on
 * (the soak script, bench/footprint-soak.ts, fails on it).
 */
import { measureFootprint } from './footprint.js';

export async function run(): Promise<void> {
  await measureFootprint({
    seconds: Number(process.env.BENCH_FOOTPRINT_SECONDS ?? 120),
    sampleMs: Number(process.env.BENCH_FOOTPRINT_SAMPLE_MS ?? 2_000),
    profile: process.env.BENCH_FOOTPRINT_PROFILE === '1' ? true : process.env.BENCH_FOOTPRINT_PROFILE,
  });
}
