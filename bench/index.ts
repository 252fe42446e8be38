/**
 * `npm run bench [-- name...] [--json FILE]`: runs every `bench/*.bench.ts` (or those a given word
 * names: the file `<word>.bench.ts` when there is one — `execution` is execution.bench.ts alone, not
 * execution-lag.bench.ts — else every file whose name contains the word) in one process, one after
 * another, and prints each comparison's
 * ratios. Each bench file exports `run(): Promise<void> | void` and reports its figures through
 * bench/harness.ts; `--json FILE` writes them all to FILE in the format of bench/figures.ts
 * (documented in bench/README.md), also when a bench file throws (what was measured until then).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { makeReport } from './figures.js';
import { recordedFigures } from './harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('usage: npm run bench [-- <name>...] [--json FILE]\n  runs bench/*.bench.ts whose file name contains a given name (all when none given);\n  --json FILE writes every figure to FILE (format: bench/README.md)');
  process.exit(0);
}
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt === -1 ? undefined : args[jsonAt + 1];
if (jsonAt !== -1 && (jsonFile === undefined || jsonFile.startsWith('-'))) {
  console.error('--json needs a file name: npm run bench -- --json FILE');
  process.exit(2);
}
const filters = args.filter((a, i) => !a.startsWith('-') && (jsonAt === -1 || i !== jsonAt + 1));
const benches = readdirSync(here).filter((f) => f.endsWith('.bench.ts'));
const named = (word: string) => (benches.includes(`${word}.bench.ts`) ? [`${word}.bench.ts`] : benches.filter((f) => f.includes(word)));
const files = (filters.length === 0 ? benches : [...new Set(filters.flatMap(named))]).sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; available: ${readdirSync(here).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
  process.exit(1);
}
const startedAt = new Date();
console.log(`node ${process.version} ${process.arch}; benchmarks: ${files.join(', ')}`);
try {
  for (const file of files) {
    console.log(`\n=== ${file}`);
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => unknown };
    await mod.run();
  }
} finally {
  if (jsonFile !== undefined) {
    writeFileSync(jsonFile, `${JSON.stringify(makeReport(recordedFigures(), files, startedAt), null, 2)}\n`);
    console.log(`\n${recordedFigures().length} figures written to ${jsonFile}`);
  }
}
