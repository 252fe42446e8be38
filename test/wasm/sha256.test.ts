/**
 * SHA-256 in the WebAssembly core (src/wasm/hash-to-curve.ts, assembly/hash/sha256.ts) against
 * @noble/hashes, on both builds: every length around the padding boundaries of FIPS 180-4 §5.1.1
 * (a message of 55 bytes pads into one block, 56 into two), random lengths up to 2,000 bytes, messages
 * streamed through the 4 MiB input region, and the core's length checks.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { coreFunction, loadWasmCore } from '../../src/wasm/core.js';
import { hashToCurveApi } from '../../src/wasm/hash-to-curve.js';

const MiB = 1 << 20;

/** Deterministic non-trivial bytes (an LCG). */
function bytes(length: number, seed = length): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.each(['release', 'debug'] as const)('SHA-256 (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const { sha256 } = hashToCurveApi(core);

  it('gives the FIPS 180-4 example digests', () => {
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it.each([1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129])('equals @noble/hashes for %i bytes (padding boundaries)', (length) => {
    const data = bytes(length);
    expect(hex(sha256(data))).toBe(hex(nobleSha256(data)));
  });

  it('equals @noble/hashes on random messages of 0..2,000 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(hex(sha256(data))).toBe(hex(nobleSha256(data)));
      }),
      { numRuns: 300 },
    );
  });

  it.each([4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB + 77])('equals @noble/hashes for %i bytes (streamed beyond the 4 MiB region)', (length) => {
    const data = bytes(length);
    expect(hex(sha256(data))).toBe(hex(nobleSha256(data)));
  });

  it('streams chunks of any length through the core context', () => {
    const start = coreFunction(core, 'sha256StreamStart');
    const absorb = coreFunction(core, 'sha256StreamAbsorb');
    const finish = coreFunction(core, 'sha256StreamFinish');
    const input = coreFunction(core, 'hashInputOffset')();
    const output = coreFunction(core, 'hashOutputOffset')();
    const data = bytes(1000, 7);
    start();
    let done = 0;
    for (const size of [0, 1, 63, 64, 65, 3, 200]) {
      core.bytes().set(data.subarray(done, done + size), input);
      expect(absorb(size)).toBe(0);
      done += size;
    }
    core.bytes().set(data.subarray(done), input);
    expect(finish(data.length - done)).toBe(0);
    expect(hex(core.view(output, 32))).toBe(hex(nobleSha256(data)));
  });

  it('rejects lengths outside the input region with status −1 and checks its argument type', () => {
    const capacity = coreFunction(core, 'hashInputCapacity')();
    expect(capacity).toBe(4 * MiB);
    for (const name of ['sha256', 'sha256StreamAbsorb', 'sha256StreamFinish']) {
      expect(coreFunction(core, name)(-1)).toBe(-1);
      expect(coreFunction(core, name)(capacity + 1)).toBe(-1);
    }
    expect(coreFunction(core, 'sha256')(capacity)).toBe(0);
    expect(() => sha256('abc' as unknown as Uint8Array)).toThrow(/sha256: data: expected a Uint8Array, got string abc/);
  });
});
