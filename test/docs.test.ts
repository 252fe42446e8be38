/**
 * The project's documentation points at its own files (issue 17): no source, test or document cites
 * the design file that lives outside the repository, every "docs/architecture.md §N" citation names a
 * section that exists, and the package is `dst-sequencer` with the `dst` command.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return files(path);
    return /\.(ts|md)$/.test(name) ? [path] : [];
  });
}

const sources = [...files('src'), ...files('test'), ...files('bench'), ...files('docs'), 'README.md'];

describe('documentation', () => {
  it('cites docs/architecture.md, not the design file outside the repository', () => {
    const outside = ['DESIGN', '.md'].join('');
    const citing = sources.filter((path) => readFileSync(join(ROOT, path), 'utf8').includes(outside));
    expect(citing).toEqual([]);
  });

  it('every "docs/architecture.md §N" citation names one of its sections', () => {
    const architecture = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const sections = new Set([...architecture.matchAll(/^## (\d+)\. /gm)].map((m) => m[1]));
    expect(sections.size).toBeGreaterThanOrEqual(7);
    const cited: string[] = [];
    for (const path of sources) {
      for (const match of readFileSync(join(ROOT, path), 'utf8').matchAll(/architecture\.md`? §(\d+)(?:[–-]§(\d+))?/g)) {
        cited.push(...[match[1]!, match[2]].filter((n): n is string => n !== undefined).map((n) => `${path} §${n}`));
        for (const n of [match[1], match[2]]) if (n !== undefined) expect(sections.has(n), `${path} cites §${n}`).toBe(true);
      }
    }
    expect(cited.length).toBeGreaterThan(20);
  });

  it('the package is dst-sequencer, its command dst, and the README shows npx and a global install', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
    expect(pkg.name).toBe('dst-sequencer');
    expect(Object.keys(pkg.bin)).toEqual(['dst']);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npx dst-sequencer --help');
    expect(readme).toContain('npm install --global dst-sequencer');
    // Imports of the package's modules in documents use its name.
    for (const path of sources) expect(readFileSync(join(ROOT, path), 'utf8'), path).not.toMatch(/from 'dst\//);
  });
});
