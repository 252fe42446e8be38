/**
 * The scalar field Fr of the WebAssembly core against a plain BigInt reference (test/helpers/fr-reference.ts),
 * run against both the release and the debug build.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWasmApi, FR_MAX_COUNT, FR_MODULUS } from '../../src/wasm/index.js';
import { lagrangeAtZeroReference, mod, modInverse } from '../helpers/fr-reference.js';

const r = FR_MODULUS;
const scalar = fc.bigInt({ min: 0n, max: r - 1n });
const edgeScalars = [0n, 1n, 2n, r - 2n, r - 1n, (r - 1n) / 2n, 1n << 128n, (1n << 254n) + 7n];
const anyScalar = fc.oneof(scalar, fc.constantFrom(...edgeScalars));
const distinctIndices = (min: number, max: number, maxIndex = 0xffffffff) =>
  fc.uniqueArray(fc.integer({ min: 1, max: maxIndex }), { minLength: min, maxLength: max });

describe.each(['release', 'debug'] as const)('Fr (%s build)', (variant) => {
  const wasm = createWasmApi(variant);

  describe('field axioms and operations against BigInt', () => {
    it('add, sub, mul agree with BigInt mod r', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(anyScalar, anyScalar), { minLength: 1, maxLength: 40 }), (pairs) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          expect(wasm.frBatch('add', a, b)).toEqual(pairs.map(([x, y]) => mod(x + y)));
          expect(wasm.frBatch('sub', a, b)).toEqual(pairs.map(([x, y]) => mod(x - y)));
          expect(wasm.frBatch('mul', a, b)).toEqual(pairs.map(([x, y]) => mod(x * y)));
        }),
        { numRuns: 200 },
      );
    });

    it('commutativity, associativity and distributivity', () => {
      fc.assert(
        fc.property(anyScalar, anyScalar, anyScalar, (a, b, c) => {
          const [ab] = wasm.frBatch('mul', [a], [b]);
          const [ba] = wasm.frBatch('mul', [b], [a]);
          expect(ab).toBe(ba);
          const [abC] = wasm.frBatch('mul', [ab!], [c]);
          const [bc] = wasm.frBatch('mul', [b], [c]);
          const [aBC] = wasm.frBatch('mul', [a], [bc!]);
          expect(abC).toBe(aBC);
          const [bPlusC] = wasm.frBatch('add', [b], [c]);
          const [left] = wasm.frBatch('mul', [a], [bPlusC!]);
          const [ac] = wasm.frBatch('mul', [a], [c]);
          const [right] = wasm.frBatch('add', [ab!], [ac!]);
          expect(left).toBe(right);
          expect(wasm.frBatch('add', [a], [0n])).toEqual([a]);
          expect(wasm.frBatch('mul', [a], [1n])).toEqual([a]);
          expect(wasm.frBatch('add', [a], [mod(-a)])).toEqual([0n]);
        }),
        { numRuns: 200 },
      );
    });

    it('batch inversion gives each inverse, with one call for the whole batch', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(fc.bigInt({ min: 1n, max: r - 1n }), fc.constantFrom(1n, 2n, r - 1n)), { minLength: 1, maxLength: 64 }), (values) => {
          const inverses = wasm.frBatch('invert', values);
          expect(inverses).toEqual(values.map((v) => modInverse(v)));
          expect(wasm.frBatch('mul', values, inverses)).toEqual(values.map(() => 1n));
        }),
        { numRuns: 100 },
      );
    });

    it('inverting zero is an error, wherever it sits in the batch', () => {
      expect(() => wasm.frBatch('invert', [0n])).toThrow(/zero and has no inverse/);
      expect(() => wasm.frBatch('invert', [5n, 0n, 7n])).toThrow(/zero and has no inverse/);
    });
  });

  describe('Lagrange coefficients at x = 0', () => {
    it('match the BigInt reference for random index sets', () => {
      fc.assert(
        fc.property(distinctIndices(1, 20), (indices) => {
          expect(wasm.lagrangeCoefficients(indices)).toEqual(lagrangeAtZeroReference(indices));
        }),
        { numRuns: 150 },
      );
    });

    it('match for small and for consecutive index sets, including t = 100', () => {
      expect(wasm.lagrangeCoefficients([1])).toEqual([1n]);
      expect(wasm.lagrangeCoefficients([1, 2, 3])).toEqual([3n, r - 3n, 1n]);
      for (const t of [3, 7, 10, 100]) {
        const indices = Array.from({ length: t }, (_, i) => i + 1);
        expect(wasm.lagrangeCoefficients(indices)).toEqual(lagrangeAtZeroReference(indices));
      }
    });

    it('sum to 1 (they interpolate the constant polynomial 1)', () => {
      fc.assert(
        fc.property(distinctIndices(1, 30), (indices) => {
          const sum = wasm.lagrangeCoefficients(indices).reduce((acc, l) => mod(acc + l), 0n);
          expect(sum).toBe(1n);
        }),
        { numRuns: 50 },
      );
    });

    it('lagrangeCoefficientsInto writes big-endian 32-byte scalars', () => {
      const indices = [4, 9, 1, 0xffffffff];
      const out = new Uint8Array(indices.length * 32);
      wasm.lagrangeCoefficientsInto(indices, out);
      const expected = lagrangeAtZeroReference(indices);
      for (let i = 0; i < indices.length; i++) {
        const hex = Buffer.from(out.subarray(i * 32, i * 32 + 32)).toString('hex');
        expect(BigInt('0x' + hex)).toBe(expected[i]);
      }
    });
  });

  describe('Shamir split and interpolation', () => {
    it('shamirEvaluate matches Horner in BigInt', () => {
      fc.assert(
        fc.property(fc.array(anyScalar, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 20 }), (coefficients, n) => {
          const expected = Array.from({ length: n }, (_, i) =>
            coefficients.reduceRight((acc, c) => mod(acc * BigInt(i + 1) + c), 0n),
          );
          expect(wasm.shamirEvaluate(coefficients, n)).toEqual(expected);
        }),
        { numRuns: 100 },
      );
    });

    it('any t of n shares interpolate to the secret; t − 1 shares do not', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 13 }).chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: n }),
              fc.array(scalar, { minLength: 13, maxLength: 13 }),
              fc.infiniteStream(fc.integer({ min: 0, max: 1 << 30 })),
            ),
          ),
          ([n, t, randomCoefficients, seeds]) => {
            const coefficients = randomCoefficients.slice(0, t);
            // A non-zero top coefficient makes the degree exactly t − 1, so t − 1 points cannot pin it down.
            if (coefficients[t - 1] === 0n) coefficients[t - 1] = 1n;
            const shares = wasm.shamirEvaluate(coefficients, n);
            const subset = pickSubset(n, t, seeds);
            const secret = wasm.lagrangeInterpolate(
              subset.map((i) => i + 1),
              subset.map((i) => shares[i]!),
            );
            expect(secret).toBe(coefficients[0]);
            if (t > 1) {
              const fewer = subset.slice(1);
              const wrong = wasm.lagrangeInterpolate(
                fewer.map((i) => i + 1),
                fewer.map((i) => shares[i]!),
              );
              expect(wrong).not.toBe(coefficients[0]);
            }
          },
        ),
        { numRuns: 100 },
      );
    });

    it('handles the largest batch (FR_MAX_COUNT points)', () => {
      const coefficients = [123n, 456n, 789n];
      const shares = wasm.shamirEvaluate(coefficients, FR_MAX_COUNT);
      expect(shares[FR_MAX_COUNT - 1]).toBe(mod(123n + 456n * 4096n + 789n * 4096n * 4096n));
      const indices = [4096, 17, 2048];
      expect(wasm.lagrangeInterpolate(indices, indices.map((i) => shares[i - 1]!))).toBe(123n);
    });
  });

  describe('bad input is rejected with a clear error', () => {
    it('share indices: zero, negative, fractional, too large, duplicated', () => {
      expect(() => wasm.lagrangeCoefficients([1, 0, 3])).toThrow(/integers in 1\.\.4294967295, got number 0 at position 1/);
      expect(() => wasm.lagrangeCoefficients([-2])).toThrow(/got number -2 at position 0/);
      expect(() => wasm.lagrangeCoefficients([1.5])).toThrow(/got number 1.5/);
      expect(() => wasm.lagrangeCoefficients([2 ** 32])).toThrow(/got number 4294967296/);
      expect(() => wasm.lagrangeCoefficients([3, 5, 3])).toThrow(/share index 3 appears twice \(positions 0 and 2\)/);
    });

    it('counts: empty, oversized, mismatched', () => {
      expect(() => wasm.lagrangeCoefficients([])).toThrow(/expected 1\.\.4096 elements, got 0/);
      const tooMany = Array.from({ length: FR_MAX_COUNT + 1 }, (_, i) => i + 1);
      expect(() => wasm.lagrangeCoefficients(tooMany)).toThrow(/expected 1\.\.4096 elements, got 4097/);
      expect(() => wasm.shamirEvaluate([1n], 0)).toThrow(/n must be an integer in 1\.\.4096, got number 0/);
      expect(() => wasm.shamirEvaluate([1n], FR_MAX_COUNT + 1)).toThrow(/got number 4097/);
      expect(() => wasm.lagrangeInterpolate([1, 2], [5n])).toThrow(/expected one value per index \(2\), got array of 1/);
      expect(() => wasm.frBatch('mul', [1n, 2n], [3n])).toThrow(/expected 2 right-hand operands, got 1/);
      expect(() => wasm.lagrangeCoefficientsInto([1, 2], new Uint8Array(32))).toThrow(/out must be a Uint8Array of 64 bytes/);
    });

    it('scalars out of range or of the wrong type', () => {
      expect(() => wasm.shamirEvaluate([r], 3)).toThrow(/expected scalars 0 <= k < r, got bigint of 255 bits at position 0/);
      expect(() => wasm.shamirEvaluate([1n, -1n], 3)).toThrow(/got bigint -1 at position 1/);
      expect(() => wasm.lagrangeInterpolate([1], [5 as unknown as bigint])).toThrow(/got number 5 at position 0/);
    });

    it('the core itself rejects what the wrapper would have caught (defence in depth)', () => {
      // The core's own status codes are the backstop for callers inside WebAssembly (the curve combine).
      expect(() => wasm.frBatch('invert', [0n])).toThrow(/frBatch\(invert\): an element is zero/);
    });
  });
});

/** A t-element subset of 0..n−1 chosen by a stream of random integers (partial Fisher–Yates). */
function pickSubset(n: number, t: number, randomInts: fc.Stream<number>): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const iterator = randomInts[Symbol.iterator]();
  for (let i = 0; i < t; i++) {
    const j = i + ((iterator.next().value as number) % (n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, t);
}
