/**
 * `npm run bench:ci [-- --json FILE] [--margin M] [--no-cluster] [--only STEP,…] [--ungated STEP,…]`: the quick subset CI runs after the
 * tests — combine (t = 7), keccak-256, the transactions trie, the QBFT machine, BLS verify with no
 * native code, and a short 4-node cluster run — the trie of 1,000 transactions, not 10,000 — with short benchmark.js sampling (bench/harness.ts
 * `setSampling`). Prints every figure in one table and exits 1 only when a ratio misses its target by
 * more than the noise margin (bench/figures.ts `RATIO_NOISE`, or `--margin`); absolute targets
 * (blocks per second, milliseconds) are reported and never fail, as they measure the machine.
 * `--only` runs some steps alone; `--ungated` reports a step's figures without letting them fail the
 * run (for a target known to be missed while the work on it goes on). BENCH_CI_CLUSTER_SECONDS sets
 * the cluster run's load (default 4 s).
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
const figures = recordedFigures();
const gated = figures.filter((_, i) => !ungated.has(stepOf[i]!));
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
