import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('generated decoding constants', () => {
  it('assembly/bls/decode-constants.ts is exactly what decode-generate.mjs writes', () => {
    const script = new URL('../../assembly/bls/decode-generate.mjs', import.meta.url);
    expect(() => execFileSync(process.execPath, [script.pathname, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
