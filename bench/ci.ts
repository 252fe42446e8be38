/**
 * `npm run bench:ci [-- --json FILE] [--margin M] [--no-cluster] [--only STEP,…] [--ungated STEP,…]`: the quick subset CI runs after the
 * tests — combine (t = 7), keccak-256, the transactions trie, the QBFT machine, BLS verify with no
 * native code, and a short 4-node cluster run — the trie of 1,000 transactions, not 10,000 — with short benchmark.js sampling (bench/harness.ts
 * `setSampling`). Prints every figure in one table and exits 1 only when a ratio misses its target by
 * more than the noise margin (bench/figures.ts `RATIO_NOISE`, or `--margin`); absolute targets
 * (blocks per second, milliseconds) are reported and never fail, as they measure the machine.
 * `--only` runs some steps alone; `--ungated` reports a step's figures without letting them fail the
 * run (for a target known to be missed while the work on it goes on). BENCH_CI_CLUSTER_SECONDS sets
 * the cluster run's load (default 4 s). A step with a figure below its floor is measured again, up to
 * ATTEMPTS times in all, and each figure is judged by its best attempt: one short sample on a shared
 * machine can land 30 % low (a CI run failed at 10.43x against a 10.5x floor that idle runs clear at
 * 12x), while a real regression stays below the floor every time.
 */
import { writeFileSync } from 'node:fs';
import { figureTable, gate, makeReport, RATIO_NOISE } from './figures.js';
import { recordedFigures, setSampling } from './harness.js';
import { benchCombine } from './batch-verify.bench.js';
import { run as keccak } from './keccak.bench.js';
import { run as trie } from './trie.bench.js';
import { run as qbft } from './qbft.bench.js';
import { benchVerify } from './pairing.bench.js';
import { runShort as cluster } from './cluster.bench.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) {
    console.error(`${name} needs a value`);
    process.exit(2);
  }
  return value;
};
if (args.includes('--help')) {
  console.log('usage: npm run bench:ci [-- --json FILE] [--margin M] [--no-cluster] [--only STEP,...] [--ungated STEP,...]\n  the quick benchmark subset; fails when a ratio misses its target by more than the margin (default ' + RATIO_NOISE + ')');
  process.exit(0);
}
const jsonFile = option('--json');
const marginText = option('--margin');
const margin = marginText === undefined ? RATIO_NOISE : Number(marginText);
if (!(margin >= 0 && margin < 1)) {
  console.error(`--margin must be a fraction in [0, 1), got ${marginText}`);
  process.exit(2);
}
const clusterSeconds = Number(process.env.BENCH_CI_CLUSTER_SECONDS ?? 4);
const ungated = new Set(option('--ungated')?.split(',') ?? []);

const steps: Array<[string, () => unknown]> = [
  ['combine', () => benchCombine([7])],
  ['keccak', keccak],
  ['trie', () => trie(1_000)],
  ['qbft', qbft],
  ['verify', benchVerify],
];
if (!args.includes('--no-cluster')) steps.push(['cluster', () => cluster(clusterSeconds)]);
const stepNames = steps.map(([name]) => name);
for (const name of ungated) {
  if (!stepNames.includes(name)) {
    console.error(`--ungated: no step ${name}; the steps: ${stepNames.join(', ')}`);
    process.exit(2);
  }
}
const only = option('--only')?.split(',');
if (only !== undefined) {
  const unknown = only.filter((name) => !steps.some(([step]) => step === name));
  if (unknown.length > 0) {
    console.error(`--only: no step ${unknown.join(', ')}; the steps: ${steps.map(([name]) => name).join(', ')}`);
    process.exit(2);
  }
  steps.splice(0, steps.length, ...steps.filter(([name]) => only.includes(name)));
}

setSampling({ maxSeconds: 1 });
const startedAt = new Date();
console.log(`node ${process.version} ${process.arch}; bench:ci: ${steps.map(([name]) => name).join(', ')}`);
const took: string[] = [];
/** The step that reported each figure. */
const stepOf: string[] = [];
for (const [name, step] of steps) {
  console.log(`\n=== ${name}`);
  const stepStart = performance.now();
  await step();
  while (stepOf.length < recordedFigures().length) stepOf.push(name);
  took.push(`${name} ${((performance.now() - stepStart) / 1000).toFixed(0)} s`);
}
/** Each figure's best attempt (the highest ratio; the first one where there is no ratio), in first-seen order. */
const bestFigures = () => {
  const best = new Map<string, { figure: ReturnType<typeof recordedFigures>[number]; step: string }>();
  recordedFigures().forEach((figure, i) => {
    const key = `${stepOf[i]}\u0000${figure.name}\u0000${figure.peer ?? ''}`;
    const kept = best.get(key);
    if (kept === undefined || (figure.ratio !== undefined && (kept.figure.ratio === undefined || figure.ratio > kept.figure.ratio))) best.set(key, { figure, step: stepOf[i]! });
  });
  return [...best.values()];
};
const ATTEMPTS = 3;
for (let attempt = 2; attempt <= ATTEMPTS; attempt++) {
  const failing = new Set(bestFigures().filter((b) => !ungated.has(b.step) && gate([b.figure], margin).length > 0).map((b) => b.step));
  if (failing.size === 0) break;
  for (const [name, step] of steps.filter(([name]) => failing.has(name))) {
    console.log(`\n=== ${name} (attempt ${attempt} of ${ATTEMPTS}: a figure was below its floor)`);
    const stepStart = performance.now();
    await step();
    while (stepOf.length < recordedFigures().length) stepOf.push(name);
    took.push(`${name} again ${((performance.now() - stepStart) / 1000).toFixed(0)} s`);
  }
}
const best = bestFigures();
const figures = best.map((b) => b.figure);
const gated = best.filter((b) => !ungated.has(b.step)).map((b) => b.figure);
const seconds = (Date.now() - startedAt.getTime()) / 1000;
console.log(`\n${figureTable(figures, margin, gated)}\n`);
if (jsonFile !== undefined) {
  writeFileSync(jsonFile, `${JSON.stringify(makeReport(figures, steps.map(([name]) => name), startedAt), null, 2)}\n`);
  console.log(`${figures.length} figures written to ${jsonFile}`);
}
const failures = gate(gated, margin);
console.log(`bench:ci took ${seconds.toFixed(0)} s (${took.join(', ')}); noise margin ${margin * 100} % below each ratio target`);
if (failures.length > 0) {
  for (const { figure, floor } of failures) {
    console.error(`FAIL ${figure.name} vs ${figure.peer}: ${figure.ratio!.toFixed(2)}x, target ${figure.target}x, lowest passing ${floor.toFixed(2)}x`);
  }
  process.exit(1);
}
console.log('every ratio target met or within the noise');
// The cluster's and worker pools' handles are closed; exit anyway, so a stray timer cannot hold CI.
process.exit(0);
