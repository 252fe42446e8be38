import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('generated pairing constants and kernels', () => {
  it('assembly/pairing/{constants,kernels}.ts are exactly what generate.mjs writes (its self-checks against noble pass)', () => {
    const script = new URL('../../assembly/pairing/generate.mjs', import.meta.url);
    expect(() => execFileSync(process.execPath, [script.pathname, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
