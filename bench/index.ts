/**
 * `npm run bench [-- name...]`: runs every `bench/*.bench.ts` (or those whose file name contains one
 * of the given words) in one process, one after another, and prints each comparison's ratios.
 * Each bench file exports `run(): Promise<void> | void`.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (process.argv.includes('--help')) {
  console.log('usage: npm run bench [-- <name>...]\n  runs bench/*.bench.ts whose file name contains a given name (all when none given)');
  process.exit(0);
}
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; available: ${readdirSync(here).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
  process.exit(1);
}
console.log(`node ${process.version} ${process.arch}; benchmarks: ${files.join(', ')}`);
for (const file of files) {
  console.log(`\n=== ${file}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => unknown };
  await mod.run();
}
