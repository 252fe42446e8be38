/**
 * BLS12-381 MSM in the WebAssembly core (src/wasm/curve.ts) against @noble/curves as the independent
 * implementation, on both builds. Reference products k_i·P_i are computed once with noble and reused
 * (prefix sums give every n = 1..64), because noble's scalar multiplications dominate the run time.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { pippenger } from '@noble/curves/abstract/curve.js';
import { loadWasmCore } from '../../src/wasm/core.js';
import { curveApi } from '../../src/wasm/curve.js';
import { scalarStream } from '../helpers/random.js';

const { G1, G2 } = bls12_381;
const ORDER = G1.Point.Fn.ORDER;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

type Point = InstanceType<typeof G1.Point> | InstanceType<typeof G2.Point>;
interface Curve {
  name: 'G1' | 'G2';
  base: Point;
  zero: Point;
  size: number;
}
const CURVES: Curve[] = [
  { name: 'G1', base: G1.Point.BASE, zero: G1.Point.ZERO, size: 96 },
  { name: 'G2', base: G2.Point.BASE, zero: G2.Point.ZERO, size: 192 },
];

/** 64 pseudo-random points (a random start plus repeated random steps), scalars, and Σ prefixes. */
const fixtures = new Map<string, { points: Point[]; scalars: bigint[]; prefix: string[] }>();
function fixture(curve: Curve) {
  let f = fixtures.get(curve.name);
  if (f === undefined) {
    const next = scalarStream(curve.name === 'G1' ? 0x1234n : 0x5678n, ORDER);
    const start = curve.base.multiply(next()) as Point;
    const step = curve.base.multiply(next()) as Point;
    const points: Point[] = [start];
    for (let i = 1; i < 64; i++) points.push((points[i - 1] as any).add(step));
    const scalars = points.map(() => next());
    const prefix: string[] = [];
    let sum = curve.zero as any;
    points.forEach((p, i) => {
      sum = sum.add((p as any).multiply(scalars[i]));
      prefix.push(hex(sum.toBytes(false)));
    });
    f = { points, scalars, prefix };
    fixtures.set(curve.name, f);
  }
  return f;
}

/**
 * n points for the larger sums: the 64 fixture points repeated, every 97th the point at infinity, a
 * point next to its own negation with the same scalar; fresh scalars, every 89th zero. The expected
 * sum comes from noble's Pippenger, computed once per curve and size.
 */
const largeSums = new Map<string, { points: Point[]; scalars: bigint[]; expected: string }>();
function largeSum(curve: Curve, n: number) {
  const key = `${curve.name}/${n}`;
  let t = largeSums.get(key);
  if (t === undefined) {
    const { points: base } = fixture(curve);
    const next = scalarStream(BigInt(n), ORDER);
    const points = Array.from({ length: n }, (_, i) => (i % 97 === 5 ? curve.zero : base[i % 64]!));
    const scalars = points.map((_, i) => (i % 89 === 3 ? 0n : next()));
    points[11] = (points[10] as any).negate();
    scalars[11] = scalars[10]!;
    const Point = curve.name === 'G1' ? G1.Point : G2.Point;
    const sum = pippenger(Point as any, points as any, scalars) as any;
    t = { points, scalars, expected: hex(sum.toBytes(false)) };
    largeSums.set(key, t);
  }
  return t;
}

describe.each(['release', 'debug'] as const)('curve MSM (%s build)', (variant) => {
  const api = curveApi(loadWasmCore(variant));
  const msmOf = (curve: Curve) => (curve.name === 'G1' ? api.g1Msm : api.g2Msm);
  const encode = (p: Point) => (p as any).toBytes(false) as Uint8Array;

  describe.each(CURVES)('$name', (curve) => {
    const msm = msmOf(curve);

    it('equals Σ k_i·P_i computed with noble, n = 1..64', () => {
      const { points, scalars, prefix } = fixture(curve);
      const encoded = points.map(encode);
      for (let n = 1; n <= 64; n++) {
        expect(hex(msm(encoded.slice(0, n), scalars.slice(0, n))), `n = ${n}`).toBe(prefix[n - 1]);
      }
    });

    // just below and at the bucket-method threshold (96 on G1, 64 on G2), 1,000, and past one
    // bucket-method chunk (2,048 points on G1, 1,024 on G2)
    const sizes = curve.name === 'G1' ? [95, 96, 1000, 2100] : [63, 64, 1000, 1100];
    it.each(sizes)('equals noble for n = %i', (n) => {
      const { points, scalars, expected } = largeSum(curve, n);
      expect(hex(msm(points.map(encode), scalars))).toBe(expected);
    });

    it('property: equals Σ k_i·P_i for arbitrary scalars (edge values included) on fixture points', () => {
      const { points } = fixture(curve);
      const scalar = fc.oneof(
        fc.bigInt({ min: 0n, max: ORDER - 1n }),
        fc.constantFrom(0n, 1n, 2n, ORDER - 1n, ORDER - 2n, (ORDER - 1n) / 2n),
      );
      const term = fc.record({ point: fc.integer({ min: 0, max: 63 }), scalar });
      fc.assert(
        fc.property(fc.array(term, { minLength: 1, maxLength: 3 }), (terms) => {
          let sum = curve.zero as any;
          for (const { point, scalar: k } of terms) if (k !== 0n) sum = sum.add((points[point] as any).multiply(k));
          const got = msm(terms.map((t) => encode(points[t.point]!)), terms.map((t) => t.scalar));
          // a sum that cancels (e.g. (r − 2)·P + 2·P) is the point at infinity: encode it as the curve's zero
          expect(hex(got)).toBe(hex(encode(sum.equals(curve.zero) ? curve.zero : sum)));
        }),
        { numRuns: curve.name === 'G1' ? 25 : 10 },
      );
    });

    it('handles scalars 0, 1, 2 and r − 1', () => {
      const p = fixture(curve).points[5]!;
      const q = encode(p);
      expect(hex(msm([q], [0n]))).toBe(hex(encode(curve.zero)));
      expect(hex(msm([q], [1n]))).toBe(hex(q));
      expect(hex(msm([q], [2n]))).toBe(hex(encode((p as any).double())));
      expect(hex(msm([q], [ORDER - 1n]))).toBe(hex(encode((p as any).negate())));
      expect(hex(msm([q, q], [ORDER - 1n, 1n]))).toBe(hex(encode(curve.zero)));
      expect(hex(msm([q, q, q], [0n, 0n, 0n]))).toBe(hex(encode(curve.zero)));
    });

    it('uses the endomorphisms correctly (scalars that isolate one piece of the decomposition)', () => {
      // k = |x|^i has the single base-|x| digit 1 at position i: on G2 the sum uses only (−ψ)^i(Q)
      // (ψ = [x] on G2), on G1 |x|^2 and |x|^3 use only φ'(P) = [x^2]P (β a cube root of unity)
      const X = 0xd201000000010000n;
      const p = fixture(curve).points[3]! as any;
      for (const k of [1n, X, X ** 2n, X ** 3n, X ** 3n + 5n * X ** 2n + 7n * X + 11n]) {
        expect(hex(msm([encode(p)], [k])), `k = ${k.toString(16)}`).toBe(hex(encode(p.multiply(k))));
      }
    });

    it('handles repeated points (doubling inside addition) and a point with its negation', () => {
      const { points, scalars } = fixture(curve);
      const p = points[7]! as any;
      const q = encode(p);
      expect(hex(msm([q, q], [1n, 1n]))).toBe(hex(encode(p.double())));
      expect(hex(msm([q, q, q], [5n, 5n, 5n]))).toBe(hex(encode(p.multiply(15n))));
      expect(hex(msm([q, encode(p.negate())], [scalars[3]!, scalars[3]!]))).toBe(hex(encode(curve.zero)));
      const k = scalars[4]!;
      expect(hex(msm([q, encode(p.negate()), q], [k, k, 3n]))).toBe(hex(encode(p.multiply(3n))));
    });

    it('takes the point at infinity as input', () => {
      const { points, scalars, prefix } = fixture(curve);
      const infinity = encode(curve.zero);
      expect(hex(msm([infinity, encode(points[0]!)], [scalars[9]!, scalars[0]!]))).toBe(prefix[0]);
    });

    it('rejects bad input with clear errors', () => {
      const size = curve.size;
      const good = encode(fixture(curve).points[1]!);
      const name = curve.name === 'G1' ? 'g1Msm' : 'g2Msm';
      const offCurve = good.slice();
      offCurve[size - 1]! ^= 1;
      expect(() => msm([good, offCurve], [1n, 2n])).toThrow(`${name}: point 1 is not on the curve`);
      const compressed = good.slice();
      compressed[0]! |= 0x80;
      expect(() => msm([compressed], [1n])).toThrow(`${name}: point 0 has invalid flag bits`);
      const sorted = good.slice();
      sorted[0]! |= 0x20;
      expect(() => msm([sorted], [1n])).toThrow('invalid flag bits');
      const badInfinity = new Uint8Array(size);
      badInfinity[0] = 0x40;
      badInfinity[size - 1] = 1;
      expect(() => msm([badInfinity], [1n])).toThrow('invalid flag bits');
      const notCanonical = good.slice();
      notCanonical.set(bls12_381.fields.Fp.toBytes(0n).map((_, i) => Number((bls12_381.fields.Fp.ORDER >> BigInt(8 * (47 - i))) & 0xffn)), 0);
      expect(() => msm([notCanonical], [1n])).toThrow(`${name}: point 0 has a coordinate that is not a canonical field element`);
      if (curve.name === 'G1') {
        // (0, 2) has order 3 (2P = −P): on the curve, not in the subgroup (E' has no such point)
        const smallOrder = new Uint8Array(size);
        smallOrder.set(bls12_381.fields.Fp.toBytes(2n), 48);
        expect(() => msm([smallOrder], [5n])).toThrow(`${name}: point 0 has small order (not in the prime-order subgroup`);
      }
      expect(() => msm([good.subarray(1)], [1n])).toThrow(`${name}: point 0: expected ${size} bytes, got ${size - 1}`);
      expect(() => msm([good], [ORDER])).toThrow(`${name}: scalar 0: expected a bigint in [0, r)`);
      expect(() => msm([good], [-1n])).toThrow(`${name}: scalar 0: expected a bigint in [0, r)`);
      expect(() => msm([good, good], [1n])).toThrow(`${name}: expected as many scalars as points, got 2 points and 1 scalars`);
      expect(() => msm([], [])).toThrow(`${name}: expected 1 to 4096 points, got 0`);
      expect(() => msm(Array(4097).fill(good), Array(4097).fill(1n))).toThrow(`${name}: expected 1 to 4096 points, got 4097`);
    });
  });
});
