import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('generated hash constants and SHA-256 rounds', () => {
  it('assembly/hash/{constants,sha256-rounds}.ts are exactly what generate.mjs writes', () => {
    const script = new URL('../../assembly/hash/generate.mjs', import.meta.url);
    expect(() => execFileSync(process.execPath, [script.pathname, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
