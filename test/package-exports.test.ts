/**
 * The package's surface: every `exports` entry is backed by its folder's index.ts (compiled to dist/),
 * and the package is named `dst-sequencer` (the command stays `dst`), so its modules resolve as
 * `dst-sequencer/<folder>`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, string | { types: string; default: string }> };

describe('package.json exports', () => {
  const entries = Object.entries(pkg.exports).filter(([name]) => name !== './package.json');

  it.each(entries)('%s is backed by its folder\'s index.ts, compiled to dist/', async (name, target) => {
    const folder = name.slice(2);
    expect(target).toEqual({ types: `./dist/${folder}/index.d.ts`, default: `./dist/${folder}/index.js` });
    expect(existsSync(new URL(`src/${folder}/index.ts`, root))).toBe(true);
    const surface = await import(`../src/${folder}/index.ts`);
    expect(Object.keys(surface).length).toBeGreaterThan(0);
  });
});

describe('package name', () => {
  it('is dst-sequencer, with the dst command, and its modules resolve by that name (self-reference, to dist/)', () => {
    const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { name: string; bin: Record<string, string> };
    expect(manifest.name).toBe('dst-sequencer');
    expect(manifest.bin).toEqual({ dst: 'dist/cli/main.js' });
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('dst-sequencer/wasm'))"], { cwd: fileURLToPath(root), encoding: 'utf8' });
    expect(resolved.trim()).toBe(new URL('dist/wasm/index.js', root).href);
  });
});
