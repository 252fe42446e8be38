import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { coreFunction, loadWasmCore } from '../../src/wasm/core.js';
import { keccakApi } from '../../src/wasm/keccak.js';

const MiB = 1 << 20;

/** Deterministic non-trivial bytes (an LCG), so long inputs are cheap to make and not all one value. */
function bytes(length: number, seed = length): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

function concatDigests(messages: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(messages.length * 32);
  messages.forEach((m, i) => out.set(keccak_256(m), i * 32));
  return out;
}

/** Index of the first 32-byte digest where two digest lists differ, or -1 (cheaper than toEqual on MiBs). */
function firstDifferentDigest(actual: Uint8Array, expected: Uint8Array): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length) >>> 5;
  for (let i = 0; i < actual.length; i += 32) {
    if (Buffer.compare(actual.subarray(i, i + 32), expected.subarray(i, i + 32)) !== 0) return i >>> 5;
  }
  return -1;
}

describe.each(['release', 'debug'] as const)('keccak-256 (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const { keccak256, keccak256Into, keccak256Batch, keccak256BatchInto } = keccakApi(core);

  it.each([0, 1, 135, 136, 137, 271, 272])('equals @noble/hashes keccak_256 for %i bytes', (length) => {
    const data = bytes(length);
    expect(keccak256(data)).toEqual(keccak_256(data));
  });

  it('equals @noble/hashes for random messages up to 64 KiB', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 * 1024 }), (data) => {
        expect(keccak256(data)).toEqual(keccak_256(data));
      }),
      { numRuns: 60 },
    );
  });

  it.each([MiB, MiB + 1, 2 * MiB + 137, 3 * MiB - 5])(
    'equals @noble/hashes for %i bytes (streamed when over the 1 MiB input region)',
    (length) => {
      const data = bytes(length);
      expect(keccak256(data)).toEqual(keccak_256(data));
    },
  );

  it('hashes a subarray view without reading outside it', () => {
    const whole = bytes(1000);
    const view = whole.subarray(100, 400);
    expect(keccak256(view)).toEqual(keccak_256(whole.slice(100, 400)));
  });

  it('keccak256Into writes the digest into out and returns it', () => {
    const data = bytes(500);
    const out = new Uint8Array(32);
    expect(keccak256Into(data, out)).toBe(out);
    expect(out).toEqual(keccak_256(data));
  });

  it('batch digests equal single digests, empty messages included', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 40 }), (messages) => {
        const batch = keccak256Batch(messages);
        expect(batch).toEqual(concatDigests(messages));
        messages.forEach((m, i) => expect(batch.subarray(i * 32, i * 32 + 32)).toEqual(keccak256(m)));
      }),
      { numRuns: 40 },
    );
    expect(keccak256Batch([])).toEqual(new Uint8Array(0));
    expect(keccak256Batch([new Uint8Array(0), new Uint8Array(0)])).toEqual(concatDigests([new Uint8Array(0), new Uint8Array(0)]));
  });

  it('a batch of more messages than one call takes spans several calls', () => {
    const max = coreFunction(core, 'keccakBatchMaxMessages')();
    const messages = Array.from({ length: 2 * max + 3 }, (_, i) => bytes(i % 70, i));
    expect(firstDifferentDigest(keccak256Batch(messages), concatDigests(messages))).toBe(-1);
  });

  it('a batch of more bytes than the input region spans several calls, and streams a message bigger than the region', () => {
    const messages = [
      bytes(10),
      ...Array.from({ length: 12 }, (_, i) => bytes(200 * 1024 + i, i)),
      bytes(MiB + 500, 7),
      new Uint8Array(0),
      bytes(MiB, 8),
      bytes(3, 9),
    ];
    const out = new Uint8Array(messages.length * 32);
    expect(keccak256BatchInto(messages, out)).toBe(out);
    expect(firstDifferentDigest(out, concatDigests(messages))).toBe(-1);
  });

  it('rejects bad input with clear messages', () => {
    expect(() => keccak256('abc' as never)).toThrow('keccak256: data: expected a Uint8Array, got string abc');
    expect(() => keccak256([1, 2] as never)).toThrow('keccak256: data: expected a Uint8Array, got array of 2');
    expect(() => keccak256Into(new Uint8Array(1), new Uint8Array(31))).toThrow('keccak256: out: expected 32 bytes, got 31');
    expect(() => keccak256Batch(new Uint8Array(64) as never)).toThrow(
      'keccak256Batch: expected an array of Uint8Array, got Uint8Array of 64 bytes',
    );
    expect(() => keccak256Batch([new Uint8Array(1), 5 as never])).toThrow(
      'keccak256Batch: messages[1]: expected a Uint8Array, got number 5',
    );
    expect(() => keccak256BatchInto([new Uint8Array(1), new Uint8Array(2)], new Uint8Array(63))).toThrow(
      'keccak256BatchInto: out: expected 64 bytes, got 63',
    );
  });

  it('the core itself refuses out-of-range arguments with a status instead of trapping', () => {
    const capacity = coreFunction(core, 'keccakInputCapacity')();
    const maxMessages = coreFunction(core, 'keccakBatchMaxMessages')();
    expect(coreFunction(core, 'keccak256')(capacity + 1)).toBe(-1);
    expect(coreFunction(core, 'keccak256')(-1)).toBe(-1);
    expect(coreFunction(core, 'keccakStreamAbsorb')(137)).toBe(-2);
    expect(coreFunction(core, 'keccakStreamFinish')(capacity + 1)).toBe(-1);
    expect(coreFunction(core, 'keccak256Batch')(maxMessages + 1)).toBe(-4);
    const offsets = new Uint32Array(core.memory.buffer, coreFunction(core, 'keccakBatchOffsetsOffset')(), 1);
    const lengths = new Uint32Array(core.memory.buffer, coreFunction(core, 'keccakBatchLengthsOffset')(), 1);
    offsets[0] = capacity - 10;
    lengths[0] = 11;
    expect(coreFunction(core, 'keccak256Batch')(1)).toBe(-3);
    offsets[0] = 0xffffffff;
    lengths[0] = 0xffffffff;
    expect(coreFunction(core, 'keccak256Batch')(1)).toBe(-3);
  });
});

describe.each(['release', 'debug'] as const)('the 2-way keccak-256 sponge, keccak256Pair (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const pair = coreFunction(core, 'keccak256Pair');
  const inputOffset = coreFunction(core, 'keccakInputOffset')();
  const outputOffset = coreFunction(core, 'keccakOutputOffset')();
  /** Where message B goes in the input region: after A, not block-aligned. */
  const B_AT = 5003;

  /** Both digests of one call, with the first prefixLengthA / prefixLengthB bytes hashed as a separate prefix. */
  function hashPair(a: Uint8Array, prefixLengthA: number, b: Uint8Array, prefixLengthB: number): [Uint8Array, Uint8Array] {
    const memory = core.bytes();
    memory.set(a, inputOffset);
    memory.set(b, inputOffset + B_AT);
    expect(pair(0, a.length, prefixLengthA, B_AT, b.length, prefixLengthB)).toBe(0);
    return [memory.slice(outputOffset, outputOffset + 32), memory.slice(outputOffset + 32, outputOffset + 64)];
  }

  function expectPair(a: Uint8Array, prefixLengthA: number, b: Uint8Array, prefixLengthB: number): void {
    const [digestA, digestB] = hashPair(a, prefixLengthA, b, prefixLengthB);
    expect(Buffer.from(digestA).toString('hex'), `A: ${a.length} bytes, prefix ${prefixLengthA}`).toBe(Buffer.from(keccak_256(a)).toString('hex'));
    expect(Buffer.from(digestB).toString('hex'), `B: ${b.length} bytes, prefix ${prefixLengthB}`).toBe(Buffer.from(keccak_256(b)).toString('hex'));
  }

  const boundaries = [0, 1, 7, 8, 31, 32, 100, 135, 136, 137, 271, 272, 273, 408, 544, 680, 816, 952, 1000];

  it('equals @noble/hashes keccak_256 on every pair of block-boundary lengths, equal and different, with and without prefixes', () => {
    for (const lengthA of boundaries) {
      for (const lengthB of boundaries) {
        const a = bytes(lengthA, lengthA * 7 + 1);
        const b = bytes(lengthB, lengthB * 13 + 2);
        expectPair(a, 0, b, 0);
        expectPair(a, Math.min(lengthA, 135), b, Math.min(lengthB, 5));
        expectPair(a, Math.min(lengthA, 13), b, Math.min(lengthB, 135));
      }
    }
  });

  it('equals @noble/hashes keccak_256 on random pairs of lengths 0..1,000 and random prefix lengths', () => {
    const message = fc.integer({ min: 0, max: 1000 }).chain((length) =>
      fc.tuple(fc.uint8Array({ minLength: length, maxLength: length }), fc.integer({ min: 0, max: Math.min(length, 135) })),
    );
    fc.assert(
      fc.property(message, message, fc.boolean(), ([a, prefixA], [b, prefixB], sameLength) => {
        // Half the runs pair messages of the same length (the trie's pairs have the same block count).
        const bb = sameLength ? bytes(a.length, b.length + 3) : b;
        expectPair(a, prefixA, bb, Math.min(prefixB, bb.length));
      }),
      { numRuns: 300 },
    );
  });

  it('a 1 MiB message paired with a short one: the short one ends early, the long one is finished alone', () => {
    const long = bytes(MiB - B_AT - 1, 11);
    const memory = core.bytes();
    memory.set(long, inputOffset + B_AT);
    memory.set(bytes(40, 12), inputOffset);
    expect(pair(0, 40, 3, B_AT, long.length, 0)).toBe(0);
    expect(memory.slice(outputOffset, outputOffset + 32)).toEqual(keccak_256(bytes(40, 12)));
    expect(memory.slice(outputOffset + 32, outputOffset + 64)).toEqual(keccak_256(long));
  });

  it('refuses out-of-range arguments with a status instead of trapping', () => {
    const capacity = coreFunction(core, 'keccakInputCapacity')();
    expect(pair(0, -1, 0, 0, 1, 0)).toBe(-1);
    expect(pair(capacity - 10, 11, 0, 0, 1, 0)).toBe(-3);
    expect(pair(0, 1, 0, -1, 1, 0)).toBe(-3);
    expect(pair(0, 10, 11, 0, 10, 0)).toBe(-5);
    expect(pair(0, 200, 0, 0, 200, 136)).toBe(-5);
    expect(pair(0, 200, -1, 0, 200, 0)).toBe(-5);
  });
});
