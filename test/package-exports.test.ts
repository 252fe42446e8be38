import { existsSync, readFileSync } from 'node:fs';
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
