/**
 * The G2 chain of assembly/bls/g2-chain.ts ([|x|] with mixed additions on the isomorphic curve of
 * a Jacobian base, and the doubling it uses) and the short MSM of assembly/verify/short-msm.ts (Jacobian
 * buckets below BATCH_MIN_POINTS, signed digits and batch-affine buckets from it on), through the
 * core's test hooks (assembly/verify/test-hooks.ts), in both builds, against @noble/curves' group law
 * on points of E'(Fp2) inside and outside G2 (random x without cofactor clearing, a point of order
 * 13 and a G2 point plus it). The MSM cases: edge scalars (0, 1, 2, 2^63, 2^64 − 1, every signed
 * digit at ±2^(c−1) and at the carry boundary, all-ones windows), repeated points (the doubling
 * case of an affine addition), a point and its negation under the same scalar (the cancelling
 * case), count 0, 1, just below and at the batch-affine threshold, and more points than one pass.
 */
import { describe, expect, it } from 'vitest';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { coreFunction, loadWasmCore } from '../../src/wasm/core.js';
import { scalarStream } from '../helpers/random.js';

const { Fp, Fp2 } = bls12_381.fields;
type G2Point = InstanceType<typeof bls12_381.G2.Point>;
const ZERO = bls12_381.G2.Point.ZERO;
const X_ABS = 0xd201000000010000n;
const MASK64 = (1n << 64n) - 1n;

const be48 = (v: bigint) => {
  const out = new Uint8Array(48);
  for (let i = 47; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
const fromBe = (bytes: Uint8Array) => bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
/** The 192-byte uncompressed encoding of any point of E'(Fp2) (noble's toBytes refuses points outside G2). */
function encode(point: G2Point): Uint8Array {
  const out = new Uint8Array(192);
  if (point.is0()) {
    out[0] = 0x40;
    return out;
  }
  const { x, y } = point.toAffine();
  out.set(be48(x.c1), 0);
  out.set(be48(x.c0), 48);
  out.set(be48(y.c1), 96);
  out.set(be48(y.c0), 144);
  return out;
}
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** k·P by double-and-add with noble's add and double only (valid for any point, k ≥ 0). */
function times(point: G2Point, k: bigint): G2Point {
  let acc = ZERO;
  for (let add = point; k > 0n; k >>= 1n, add = add.double()) if (k & 1n) acc = acc.add(add);
  return acc;
}

// ---- fixtures ----
const next = scalarStream(0x62c4a1n, Fp.ORDER);
const outside: G2Point[] = [];
while (outside.length < 6) {
  const x = Fp2.create({ c0: next(), c1: next() });
  const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), { c0: 4n, c1: 4n });
  let y;
  try {
    y = Fp2.sqrt(rhs);
  } catch {
    continue;
  }
  if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
  const point = bls12_381.G2.Point.fromAffine({ x, y });
  if (!point.isTorsionFree()) outside.push(point);
}
const H2 = 0x5d543a95414e7f1091d50792876a202cd91de4547085abaa68a205b2e5a7ddfa628f1cb4d9e82ef21537e293a6691ae1616ec6e786f0c70cf1c38e31c7238e5n;
const ORDER = bls12_381.G2.Point.Fn.ORDER;
/** A point of order 13 (the 13-part of #E'(Fp2) = h2·r). */
function order13(): G2Point {
  for (const point of outside) {
    let rest = H2 * ORDER;
    while (rest % 13n === 0n) rest /= 13n;
    let t = times(point, rest);
    if (t.is0()) continue;
    while (!times(t, 13n).is0()) t = times(t, 13n);
    return t;
  }
  throw new Error('no point of order 13 among the fixtures');
}
const torsion = order13();
const inside = [1n, 2n, 0x1234567n, ORDER - 1n].map((k) => bls12_381.G2.Point.BASE.multiply(k));
const chainPoints: { label: string; point: G2Point }[] = [
  ...outside.map((point, i) => ({ label: `outside G2 #${i}`, point })),
  ...inside.map((point, i) => ({ label: `in G2 #${i}`, point })),
  { label: 'order 13', point: torsion },
  { label: 'G2 point + order-13 point', point: inside[2]!.add(torsion) },
];

/** Signed-digit edge scalars for width c: every digit 2^(c−1) (no borrow), 2^(c−1) + 1 (borrow), all ones. */
function digitEdges(c: number): bigint[] {
  const every = (d: bigint) => {
    let k = 0n;
    for (let s = 0; s < 64; s += c) k |= d << BigInt(s);
    return k & MASK64;
  };
  const half = 1n << BigInt(c - 1);
  return [every(half), every(half + 1n), every(half - 1n), every((1n << BigInt(c)) - 1n)];
}
const EDGE_SCALARS = [
  0n, 1n, 2n, 3n, 1n << 63n, MASK64, MASK64 - 1n, (1n << 32n) - 1n, 0x8000000000000001n,
  ...[4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap(digitEdges),
];
const scalar64 = scalarStream(0x5ca1a2n, 1n << 64n);

type Case = { label: string; points: G2Point[]; scalars: bigint[] };
function mixedCase(label: string, count: number, bases: G2Point[], withEdges: boolean): Case {
  const points: G2Point[] = [];
  const scalars: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const base = bases[i % bases.length]!;
    // every fifth point is the negation of the one before, with the same scalar: they cancel
    points.push(i % 5 === 4 ? points[i - 1]!.negate() : base);
    scalars.push(i % 5 === 4 ? scalars[i - 1]! : withEdges && i < EDGE_SCALARS.length ? EDGE_SCALARS[i]! : scalar64());
  }
  return { label, points, scalars };
}
const allBases = chainPoints.map((c) => c.point);
const one = allBases[0]!;
const MSM_CASES: Case[] = [
  { label: 'no points', points: [], scalars: [] },
  { label: 'one point, 2^64 − 1', points: [one], scalars: [MASK64] },
  { label: 'one point, 0', points: [one], scalars: [0n] },
  { label: 'P and −P, same scalar (Jacobian buckets)', points: [one, one.negate()], scalars: [0xdeadbeefn, 0xdeadbeefn] },
  mixedCase('47 points (below the batch-affine threshold), edge scalars', 47, allBases, true),
  mixedCase('48 points (the threshold), edge scalars', 48, allBases, true),
  { label: '64 copies of one point, one scalar (doublings in every bucket tree)', points: Array(64).fill(one), scalars: Array(64).fill(0x9e3779b97f4a7c15n) },
  {
    label: '64 points alternating P, −P with one scalar (every pair cancels)',
    points: Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? one : one.negate())),
    scalars: Array(64).fill(MASK64),
  },
  { label: '60 points, all scalars 0', points: Array(60).fill(one), scalars: Array(60).fill(0n) },
  { label: '64 points, edge scalars on every width', points: Array.from({ length: EDGE_SCALARS.length }, (_, i) => allBases[i % allBases.length]!), scalars: EDGE_SCALARS },
  mixedCase('300 points over 12 bases', 300, allBases, true),
  mixedCase('1,100 points over 5 bases (two passes)', 1100, allBases.slice(0, 5), true),
];
/** Σ kᵢ·Pᵢ, grouping equal points so that each distinct point is multiplied once (exact integer sums). */
function reference({ points, scalars }: Case): G2Point {
  const sums = new Map<G2Point, bigint>();
  points.forEach((p, i) => sums.set(p, (sums.get(p) ?? 0n) + scalars[i]!));
  let acc = ZERO;
  for (const [p, k] of sums) acc = acc.add(times(p, k));
  return acc;
}
const expected = MSM_CASES.map(reference);

describe.each(['release', 'debug'] as const)('G2 chain and short MSM (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const chain = coreFunction(core, 'g2TestChain');
  const msm = coreFunction(core, 'g2TestMsmShort');
  const pointsAt = coreFunction(core, 'g2TestPointsOffset')();
  const scalarsAt = coreFunction(core, 'g2TestScalarsOffset')();
  const outAt = coreFunction(core, 'g2TestOutOffset')();
  const max = coreFunction(core, 'g2TestMaxPoints')();
  const bytes = () => new Uint8Array(core.memory.buffer);
  const out = () => bytes().slice(outAt, outAt + 192);

  it('doubling: [2^k]P for k = 1, 2, 7, 64 on points inside and outside G2', () => {
    for (const { label, point } of chainPoints) {
      for (const k of [1, 2, 7, 64]) {
        bytes().set(encode(point), pointsAt); // the hook decodes in place
        expect(chain(0, k), label).toBe(0);
        let want = point;
        for (let i = 0; i < k; i++) want = want.double();
        expect(hex(out()), `${label}, k = ${k}`).toBe(hex(encode(want)));
      }
    }
  });

  it('[|x|] of a Jacobian point (Z ≠ 1) by mixed additions on the isomorphic curve', () => {
    for (const { label, point } of chainPoints) {
      bytes().set(encode(point), pointsAt);
      expect(chain(1, 0), label).toBe(0);
      expect(hex(out()), label).toBe(hex(encode(times(point.double(), X_ABS))));
    }
    // a G2 point: [|x|]Q = −ψ(Q), so [x]Q = ψ(Q) — checked through noble's multiply as well
    const q = inside[2]!;
    bytes().set(encode(q), pointsAt);
    chain(1, 0);
    expect(hex(out())).toBe(hex(encode(q.double().multiply(X_ABS))));
  });

  it('short MSM matches Σ kᵢ·Pᵢ on edge scalars, repeated and cancelling points, both bucket paths', () => {
    expect(max).toBeGreaterThanOrEqual(1100);
    MSM_CASES.forEach((c, index) => {
      const view = new DataView(core.memory.buffer);
      c.points.forEach((p, i) => bytes().set(encode(p), pointsAt + i * 208));
      c.scalars.forEach((k, i) => view.setBigUint64(scalarsAt + i * 8, k, true));
      expect(msm(c.points.length), c.label).toBe(0);
      expect(hex(out()), c.label).toBe(hex(encode(expected[index]!)));
    });
  });

  it('short MSM refuses an input point off the curve', () => {
    const bad = encode(one);
    bad[191] ^= 1;
    bytes().set(bad, pointsAt);
    expect(msm(1)).toBe(-1);
  });
});
