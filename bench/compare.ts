/**
 * `npm run bench:compare -- OLD.json NEW.json [--ratio-margin M] [--value-margin M]`: the figures of
 * two `--json` files (bench/figures.ts format) side by side, each change marked `*` when it is beyond
 * the noise (ratios: `RATIO_NOISE`, other values: `VALUE_NOISE`). Exits 0 whatever changed: it
 * informs, the gate is bench:ci's; 2 on a file that is missing or not in the format.
 */
import { readFileSync } from 'node:fs';
import { changes, changeTable, parseReport, RATIO_NOISE, VALUE_NOISE } from './figures.js';

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.endsWith('-margin')));
const margin = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!(value >= 0)) {
    console.error(`${name} must be a fraction ≥ 0, got ${args[at + 1]}`);
    process.exit(2);
  }
  return value;
};
if (args.includes('--help') || files.length !== 2) {
  console.error('usage: npm run bench:compare -- OLD.json NEW.json [--ratio-margin M] [--value-margin M]');
  process.exit(args.includes('--help') ? 0 : 2);
}
const margins = { ratio: margin('--ratio-margin', RATIO_NOISE), value: margin('--value-margin', VALUE_NOISE) };
const [oldFile, newFile] = files as [string, string];
const read = (file: string) => {
  try {
    return parseReport(readFileSync(file, 'utf8'), file);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
};
const before = read(oldFile);
const after = read(newFile);
console.log(`old: ${oldFile} (${before.startedAt}, node ${before.node}, ${before.cpus} cpus)`);
console.log(`new: ${newFile} (${after.startedAt}, node ${after.node}, ${after.cpus} cpus)\n`);
console.log(changeTable(changes(before.figures, after.figures, margins), margins));
