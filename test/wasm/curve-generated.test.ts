import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('generated curve kernels and constants', () => {
  it('assembly/bls/{montgomery,params}.ts are exactly what generate.mjs writes', () => {
    const script = new URL('../../assembly/bls/generate.mjs', import.meta.url);
    expect(() => execFileSync(process.execPath, [script.pathname, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
