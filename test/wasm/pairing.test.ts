/**
 * The BLS12-381 pairing of the WebAssembly core (assembly/pairing/, src/wasm/pairing.ts) on both
 * builds, against @noble/curves as the independent implementation (its tower fields, final
 * exponentiation and pairing) and native blst signatures. noble is slow (tens of ms per pairing), so
 * its reference values are computed once per file and shared by the two builds.
 *
 * The tower is reached through the pairingTest… hooks: A and B (576 bytes each, noble's Fp12.toBytes
 * order) in, OUT out.
 */
import { describe, expect, it } from 'vitest';
import { SecretKey } from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { coreFunction, loadWasmCore, type WasmCore } from '../../src/wasm/core.js';
import { pairingApi } from '../../src/wasm/pairing.js';
import { scalarStream } from '../helpers/random.js';

const { G1, G2, fields } = bls12_381;
const { Fp, Fp2, Fp6, Fp12 } = fields;
const ORDER = G1.Point.Fn.ORDER;
type Fp12T = ReturnType<typeof Fp12.create>;
type P1 = InstanceType<typeof G1.Point>;
type P2 = InstanceType<typeof G2.Point>;
const FP12_BYTES = 576;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const nextFp = scalarStream(0x7a11n, Fp.ORDER);
const randFp2 = () => Fp2.create({ c0: nextFp(), c1: nextFp() });
const randFp6 = () => Fp6.create({ c0: randFp2(), c1: randFp2(), c2: randFp2() });
const randFp12 = () => Fp12.create({ c0: randFp6(), c1: randFp6() });
const nextScalar = scalarStream(0x5eedn, ORDER);

/** Random tower elements and noble's results on them, computed once. */
const tower = Array.from({ length: 6 }, () => {
  const a = randFp12();
  const b = randFp12();
  return { a, b };
});
let finalExpRefs: { f: Fp12T; e: Fp12T }[] | undefined;
function finalExpReference() {
  finalExpRefs ??= tower.slice(0, 3).map(({ a }) => ({ f: a, e: Fp12.finalExponentiate(a) }));
  return finalExpRefs;
}

/** Reference pairs: random multiples of the generators and noble's pairing of each, computed once. */
interface Ref { a: bigint; b: bigint; p: P1; q: P2; e?: Fp12T }
const refs: Ref[] = Array.from({ length: 3 }, () => {
  const a = nextScalar(), b = nextScalar();
  return { a, b, p: G1.Point.BASE.multiply(a), q: G2.Point.BASE.multiply(b) };
});
const refPairing = (r: Ref): Fp12T => (r.e ??= bls12_381.pairing(r.p, r.q));
let generatorPairing: Fp12T | undefined;
const baseE = () => (generatorPairing ??= bls12_381.pairing(G1.Point.BASE, G2.Point.BASE));

/**
 * Pairing-check cases for k = 1..4 pairs: "true" ones built to cancel (e(x_i G1, y_i G2) for random
 * x_i, y_i and a last pair e(−Σ x_i y_i · G1, G2)), "false" ones with one scalar changed; noble's
 * product-is-one (pairingBatch, which rejects infinity, so those pairs are left out for noble) is the
 * expected value. Infinity pairs are mixed into some of them.
 */
interface Case { k: number; pairs: { g1: P1; g2: P2 }[]; expected?: boolean; withInfinity: boolean }
const cases: Case[] = [];
for (let k = 1; k <= 4; k++) {
  for (const truth of [true, false]) {
    const xs = Array.from({ length: k - 1 }, () => nextScalar());
    const ys = Array.from({ length: k - 1 }, () => nextScalar());
    let sum = xs.reduce((s, x, i) => (s + x * ys[i]!) % ORDER, 0n);
    if (!truth) sum = (sum + 1n + nextScalar() % 1000n) % ORDER;
    const pairs = xs.map((x, i) => ({ g1: G1.Point.BASE.multiply(x), g2: G2.Point.BASE.multiply(ys[i]!) }));
    // one pair of non-zero points never pairs to 1: the true case for k = 1 is (P, O)
    if (k === 1 && truth) pairs.push({ g1: G1.Point.BASE.multiply(nextScalar()), g2: G2.Point.ZERO });
    else pairs.push({ g1: G1.Point.BASE.multiply(sum).negate(), g2: G2.Point.BASE });
    const withInfinity = k % 2 === 0;
    if (withInfinity) {
      pairs.splice(1, 0, { g1: G1.Point.ZERO, g2: G2.Point.BASE.multiply(nextScalar()) });
      pairs.push({ g1: G1.Point.BASE.multiply(nextScalar()), g2: G2.Point.ZERO });
    }
    cases.push({ k, pairs, withInfinity });
  }
}
const expectedOf = (c: Case): boolean => {
  c.expected ??= Fp12.eql(bls12_381.pairingBatch(c.pairs.filter((p) => !p.g1.is0() && !p.g2.is0())), Fp12.ONE);
  return c.expected;
};

function hooks(core: WasmCore) {
  const offset = coreFunction(core, 'pairingTestOffset')();
  const pairsOffset = coreFunction(core, 'pairingPairsOffset')();
  const call = (name: string, a: Fp12T, b: Fp12T = Fp12.ONE, arg?: number): Fp12T => {
    const memory = core.bytes();
    memory.set(Fp12.toBytes(a), offset);
    memory.set(Fp12.toBytes(b), offset + FP12_BYTES);
    const status = arg === undefined ? coreFunction(core, name)() : coreFunction(core, name)(arg);
    if (status !== 0) throw new Error(`${name}: status ${status}`);
    return Fp12.fromBytes(core.view(offset + 2 * FP12_BYTES, FP12_BYTES).slice());
  };
  /** e(P_1, Q_1)·… after the final exponentiation (or the Miller value alone), through the PAIRS region. */
  const value = (pairs: { g1: P1; g2: P2 }[], millerOnly = false): Fp12T => {
    const memory = core.bytes();
    pairs.forEach(({ g1, g2 }, i) => {
      memory.set(g1.toBytes(false), pairsOffset + 288 * i);
      memory.set(g2.toBytes(false), pairsOffset + 288 * i + 96);
    });
    const status = coreFunction(core, millerOnly ? 'pairingTestMillerLoop' : 'pairingTestToBytes')(pairs.length);
    if (status !== 0) throw new Error(`pairing value: status ${status}`);
    return Fp12.fromBytes(core.view(offset + 2 * FP12_BYTES, FP12_BYTES).slice());
  };
  return { call, value, offset };
}

const eq = (x: Fp12T, y: Fp12T) => Fp12.eql(x, y);
const fp6Of = (x: Fp12T) => x.c0;
const embed6 = (x: ReturnType<typeof Fp6.create>) => Fp12.create({ c0: x, c1: Fp6.ZERO });

describe.each(['release', 'debug'] as const)('pairing (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const { call, value, offset } = hooks(core);
  const { pairingCheck } = pairingApi(core);
  const check = (pairs: { g1: P1; g2: P2 }[]) => pairingCheck(pairs.map(({ g1, g2 }) => ({ g1: g1.toBytes(false), g2: g2.toBytes(false) })));

  describe('the tower Fp6 / Fp12', () => {
    it('multiplication, squaring, inversion, conjugation and sparse line products equal noble', () => {
      for (const { a, b } of tower) {
        expect(eq(call('pairingTestFp12Mul', a, b), Fp12.mul(a, b))).toBe(true);
        expect(eq(call('pairingTestFp12Sqr', a), Fp12.sqr(a))).toBe(true);
        expect(eq(call('pairingTestFp12Inv', a), Fp12.inv(a))).toBe(true);
        expect(eq(call('pairingTestFp12Conj', a), Fp12.conjugate(a))).toBe(true);
        const line = Fp12.create({ c0: { c0: b.c0.c0, c1: b.c0.c1, c2: Fp2.ZERO }, c1: { c0: Fp2.ZERO, c1: b.c1.c1, c2: Fp2.ZERO } });
        expect(eq(call('pairingTestFp12MulByLine', a, b), Fp12.mul(a, line))).toBe(true);
        expect(Fp6.eql(fp6Of(call('pairingTestFp6Mul', a, b)), Fp6.mul(a.c0, b.c0))).toBe(true);
        expect(Fp6.eql(fp6Of(call('pairingTestFp6Inv', a)), Fp6.inv(a.c0))).toBe(true);
      }
    });

    it('Frobenius maps p, p^2, p^3 equal noble and compose (φ∘φ = φ^2, φ∘φ^2 = φ^3, φ^3∘φ^3 = conj)', () => {
      for (const { a, b } of tower.slice(0, 4)) {
        const f1 = call('pairingTestFp12Frobenius', a, Fp12.ONE, 1);
        const f2 = call('pairingTestFp12Frobenius', a, Fp12.ONE, 2);
        const f3 = call('pairingTestFp12Frobenius', a, Fp12.ONE, 3);
        expect(eq(f1, Fp12.frobeniusMap(a, 1))).toBe(true);
        expect(eq(f2, Fp12.frobeniusMap(a, 2))).toBe(true);
        expect(eq(f3, Fp12.frobeniusMap(a, 3))).toBe(true);
        expect(eq(call('pairingTestFp12Frobenius', f1, Fp12.ONE, 1), f2)).toBe(true);
        expect(eq(call('pairingTestFp12Frobenius', f2, Fp12.ONE, 1), f3)).toBe(true);
        expect(eq(call('pairingTestFp12Frobenius', f3, Fp12.ONE, 3), Fp12.conjugate(a))).toBe(true);
        // a field automorphism: φ(ab) = φ(a)φ(b)
        expect(eq(call('pairingTestFp12Frobenius', Fp12.mul(a, b), Fp12.ONE, 1), Fp12.mul(f1, Fp12.frobeniusMap(b, 1)))).toBe(true);
      }
    });

    it('field axioms on random elements: commutativity, associativity, distributivity, inverses, identities', () => {
      const [{ a, b }, { a: c }] = tower;
      const mul = (x: Fp12T, y: Fp12T) => call('pairingTestFp12Mul', x, y);
      expect(eq(mul(a!, b!), mul(b!, a!))).toBe(true);
      expect(eq(mul(mul(a!, b!), c!), mul(a!, mul(b!, c!)))).toBe(true);
      expect(eq(mul(a!, Fp12.add(b!, c!)), Fp12.add(mul(a!, b!), mul(a!, c!)))).toBe(true);
      expect(eq(mul(a!, call('pairingTestFp12Inv', a!)), Fp12.ONE)).toBe(true);
      expect(eq(mul(a!, Fp12.ONE), a!)).toBe(true);
      expect(eq(mul(a!, Fp12.ZERO), Fp12.ZERO)).toBe(true);
      expect(eq(call('pairingTestFp12Sqr', a!), mul(a!, a!))).toBe(true);
      expect(eq(call('pairingTestFp12Inv', Fp12.ONE), Fp12.ONE)).toBe(true);
      expect(eq(call('pairingTestFp12Inv', Fp12.ZERO), Fp12.ZERO)).toBe(true); // 0 maps to 0
      const x6 = embed6(a!.c0), y6 = embed6(b!.c0);
      expect(Fp6.eql(fp6Of(call('pairingTestFp6Mul', x6, y6)), fp6Of(call('pairingTestFp6Mul', y6, x6)))).toBe(true);
      expect(Fp6.eql(Fp6.mul(fp6Of(call('pairingTestFp6Inv', x6)), a!.c0), Fp6.ONE)).toBe(true);
      // extreme coefficients: every component p − 1
      const top = Fp12.fromBigTwelve(Array.from({ length: 12 }, () => Fp.ORDER - 1n) as any);
      expect(eq(mul(top, top), Fp12.mul(top, top))).toBe(true);
      expect(eq(call('pairingTestFp12Sqr', top), Fp12.sqr(top))).toBe(true);
      expect(eq(call('pairingTestFp12CyclotomicSqr', top), Fp12._cyclotomicSquare(top))).toBe(true);
    });

    it('cyclotomic squaring equals noble, and equals the square on the cyclotomic subgroup', () => {
      for (const { a } of tower.slice(0, 3)) {
        expect(eq(call('pairingTestFp12CyclotomicSqr', a), Fp12._cyclotomicSquare(a))).toBe(true);
        // a^((p^6 − 1)(p^2 + 1)) lies in the cyclotomic subgroup
        const t = Fp12.mul(Fp12.conjugate(a), Fp12.inv(a));
        const u = Fp12.mul(Fp12.frobeniusMap(t, 2), t);
        expect(eq(call('pairingTestFp12CyclotomicSqr', u), Fp12.sqr(u))).toBe(true);
        expect(eq(call('pairingTestFp12CyclotomicSqr', u), Fp12.sqr(u))).toBe(true);
        expect(eq(call('pairingTestFp12Sqr', a), Fp12._cyclotomicSquare(a))).toBe(false); // a itself is not cyclotomic
      }
    });

    it('Karabina decompression recovers cyclotomic elements and follows the formula in its edge cases', () => {
      const three = Fp2.create({ c0: 3n, c1: 0n }), two = Fp2.create({ c0: 2n, c1: 0n }), four = Fp2.create({ c0: 4n, c1: 0n });
      // the formula (Karabina 2013; noble's bls12RecoverG1Ratio / bls12RecoverG0) on arbitrary inputs
      const expected = (x: Fp12T): Fp12T => {
        const [g2, g3, g4, g5] = [x.c1.c0, x.c0.c2, x.c0.c1, x.c1.c2];
        if (Fp2.is0(g2) && Fp2.is0(g3)) return Fp12.ONE;
        const g1 = Fp2.is0(g2)
          ? Fp2.div(Fp2.mul(Fp2.mul(g4, g5), two), g3)
          : Fp2.div(Fp2.add(Fp2.sub(Fp2.mul(Fp2.sqr(g4), three), Fp2.mul(g3, two)), Fp2.mulByNonresidue(Fp2.sqr(g5))), Fp2.mul(g2, four));
        const g0 = Fp2.add(Fp2.mulByNonresidue(Fp2.add(Fp2.sub(Fp2.mul(Fp2.sqr(g1), two), Fp2.mul(Fp2.mul(g3, g4), three)), Fp2.mul(g2, g5))), Fp2.ONE);
        return Fp12.create({ c0: { c0: g0, c1: g4, c2: g3 }, c1: { c0: g2, c1: g1, c2: g5 } });
      };
      for (const { f, e } of finalExpReference()) {
        expect(eq(call('pairingTestFp12Decompress', e), e)).toBe(true); // e(·) is cyclotomic
        expect(eq(call('pairingTestFp12Decompress', f), expected(f))).toBe(true);
        const g2Zero = Fp12.create({ c0: f.c0, c1: { c0: Fp2.ZERO, c1: f.c1.c1, c2: f.c1.c2 } });
        expect(eq(call('pairingTestFp12Decompress', g2Zero), expected(g2Zero))).toBe(true);
        const bothZero = Fp12.create({ c0: { c0: f.c0.c0, c1: f.c0.c1, c2: Fp2.ZERO }, c1: { c0: Fp2.ZERO, c1: f.c1.c1, c2: f.c1.c2 } });
        expect(eq(call('pairingTestFp12Decompress', bothZero), Fp12.ONE)).toBe(true);
      }
      // the exponentiation by |x| built on compressed squarings, on a cyclotomic element
      const c = finalExpReference()[0]!.e;
      expect(eq(call('pairingTestFp12ExpAbsX', c), Fp12.pow(c, 0xd201000000010000n))).toBe(true);
      expect(eq(call('pairingTestFp12ExpAbsX', Fp12.ONE), Fp12.ONE)).toBe(true);
    });

    it('rejects non-canonical test inputs', () => {
      const memory = core.bytes();
      memory.set(Fp12.toBytes(Fp12.ONE), offset);
      memory.set(Fp12.toBytes(Fp12.ONE), offset + FP12_BYTES);
      memory.set(Fp.toBytes(0n).map((_, i) => Number((Fp.ORDER >> BigInt(8 * (47 - i))) & 0xffn)), offset + 48 * 5);
      expect(coreFunction(core, 'pairingTestFp12Mul')()).toBe(-2);
    });
  });

  describe('final exponentiation and pairing values', () => {
    it('the final exponentiation equals noble (f^(3(p^12 − 1)/r))', () => {
      for (const { f, e } of finalExpReference()) expect(eq(call('pairingTestFinalExp', f), e)).toBe(true);
    });

    it('e(P, Q) equals noble on random points, byte for byte; e(G1, G2) ≠ 1', () => {
      for (const r of refs) expect(hex(Fp12.toBytes(value([{ g1: r.p, g2: r.q }])))).toBe(hex(Fp12.toBytes(refPairing(r))));
      const e = value([{ g1: G1.Point.BASE, g2: G2.Point.BASE }]);
      expect(eq(e, baseE())).toBe(true);
      expect(eq(e, Fp12.ONE)).toBe(false);
      expect(check([{ g1: G1.Point.BASE, g2: G2.Point.BASE }])).toBe(false);
    });

    it('the multi-pairing shares one Miller loop: the joint Miller value is the product of the single ones', () => {
      const [r0, r1, r2] = refs;
      const joint = value([{ g1: r0!.p, g2: r0!.q }, { g1: r1!.p, g2: r1!.q }, { g1: r2!.p, g2: r2!.q }], true);
      const single = [r0!, r1!, r2!].map((r) => value([{ g1: r.p, g2: r.q }], true));
      expect(eq(joint, Fp12.mul(Fp12.mul(single[0]!, single[1]!), single[2]!))).toBe(true);
      // and the final exponentiation of a single Miller value is the pairing
      expect(eq(call('pairingTestFinalExp', single[0]!), refPairing(r0!))).toBe(true);
      expect(eq(value([{ g1: r0!.p, g2: r0!.q }, { g1: r1!.p, g2: r1!.q }]), Fp12.mul(refPairing(r0!), refPairing(r1!)))).toBe(true);
    });

    it('bilinearity: e(aP, bQ) = e(P, Q)^(ab), checked by value and by pairingCheck', () => {
      const a = nextScalar() % (1n << 64n), b = nextScalar();
      const P = G1.Point.BASE, Q = G2.Point.BASE;
      const eab = value([{ g1: P.multiply(a), g2: Q.multiply(b) }]);
      expect(eq(eab, Fp12.pow(baseE(), (a * b) % ORDER))).toBe(true);
      expect(eq(value([{ g1: P.multiply(a * b % ORDER), g2: Q }]), eab)).toBe(true);
      expect(eq(value([{ g1: P, g2: Q.multiply(a * b % ORDER) }]), eab)).toBe(true);
      expect(check([{ g1: P.multiply(a), g2: Q.multiply(b) }, { g1: P.multiply(a * b % ORDER).negate(), g2: Q }])).toBe(true);
      expect(check([{ g1: P.multiply(a), g2: Q.multiply(b) }, { g1: P.multiply((a * b + 1n) % ORDER).negate(), g2: Q }])).toBe(false);
      // e(aP, Q)·e(−P, aQ) = 1 on random base points
      const r = refs[1]!;
      expect(check([{ g1: r.p.multiply(a), g2: r.q }, { g1: r.p.negate(), g2: r.q.multiply(a) }])).toBe(true);
      expect(check([{ g1: r.p.multiply(a), g2: r.q }, { g1: r.p.negate(), g2: r.q.multiply(a + 1n) }])).toBe(false);
    });
  });

  describe('pairingCheck', () => {
    it.each(cases.map((c, i) => [i, c] as const))('case %i equals noble\'s product-is-one', (_, c) => {
      expect(check(c.pairs)).toBe(expectedOf(c));
    });

    it('covers true and false cases for k = 1..4 with infinity pairs', () => {
      for (let k = 1; k <= 4; k++) {
        const ofK = cases.filter((c) => c.k === k);
        expect(ofK.map(expectedOf).sort()).toEqual([false, true]);
      }
      expect(cases.some((c) => c.withInfinity)).toBe(true);
    });

    it('verifies a BLS signature made by native blst: e(pk, H(m))·e(−G1, σ) = 1', () => {
      const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(0x42));
      const message = new TextEncoder().encode('pairing check');
      const sig = sk.sign(message).toBytes(false);
      const pk = sk.toPublicKey().toBytes(false);
      const hm = G2.hashToCurve(message, { DST: 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_' }).toBytes(false);
      const negG1 = G1.Point.BASE.negate().toBytes(false);
      expect(pairingCheck([{ g1: pk, g2: hm }, { g1: negG1, g2: sig }])).toBe(true);
      const other = G2.hashToCurve(new TextEncoder().encode('another message'), { DST: 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_' }).toBytes(false);
      expect(pairingCheck([{ g1: pk, g2: other }, { g1: negG1, g2: sig }])).toBe(false);
    });

    it('treats pairs with a point at infinity as 1, and the empty product as 1', () => {
      const r = refs[0]!;
      expect(check([])).toBe(true);
      expect(check([{ g1: G1.Point.ZERO, g2: r.q }])).toBe(true);
      expect(check([{ g1: r.p, g2: G2.Point.ZERO }, { g1: G1.Point.ZERO, g2: G2.Point.ZERO }])).toBe(true);
      expect(check([{ g1: G1.Point.ZERO, g2: r.q }, { g1: r.p, g2: r.q }])).toBe(false);
    });

    it('takes up to 64 pairs', () => {
      // 32 copies of e(P, Q)·e(−P, Q): the product is 1; one pair changed: not
      const r = refs[2]!;
      const pairs = Array.from({ length: 64 }, (_, i) => ({ g1: i % 2 === 0 ? r.p : r.p.negate(), g2: r.q }));
      expect(check(pairs)).toBe(true);
      pairs[63] = { g1: r.p, g2: r.q };
      expect(check(pairs)).toBe(false);
    });

    it('rejects bad input with clear errors', () => {
      const r = refs[0]!;
      const g1 = r.p.toBytes(false), g2 = r.q.toBytes(false);
      const offCurve = g2.slice();
      offCurve[191]! ^= 1;
      expect(() => pairingCheck([{ g1, g2 }, { g1, g2: offCurve }])).toThrow('pairingCheck: pair 1 G2 point is not on the curve');
      const compressed = g1.slice();
      compressed[0]! |= 0x80;
      expect(() => pairingCheck([{ g1: compressed, g2 }])).toThrow('pairingCheck: pair 0 G1 point has invalid flag bits');
      const badInfinity = new Uint8Array(96);
      badInfinity[0] = 0x40;
      badInfinity[95] = 1;
      expect(() => pairingCheck([{ g1, g2 }, { g1, g2 }, { g1: badInfinity, g2 }])).toThrow('pairingCheck: pair 2 G1 point has invalid flag bits');
      const notCanonical = g1.slice();
      notCanonical.set(Fp.toBytes(0n).map((_, i) => Number((Fp.ORDER >> BigInt(8 * (47 - i))) & 0xffn)), 0);
      expect(() => pairingCheck([{ g1: notCanonical, g2 }])).toThrow('pairingCheck: pair 0 G1 point has a coordinate that is not a canonical field element');
      expect(() => pairingCheck([{ g1: g1.subarray(1), g2 }])).toThrow('pairingCheck: pair 0 g1: expected 96 bytes, got 95');
      expect(() => pairingCheck([{ g1, g2: g1 }])).toThrow('pairingCheck: pair 0 g2: expected 192 bytes, got 96');
      expect(() => pairingCheck([null as any])).toThrow('pairingCheck: pair 0: expected an object { g1, g2 }, got null');
      expect(() => pairingCheck({} as any)).toThrow('pairingCheck: expected an array of pairs, got object');
      expect(() => pairingCheck(Array(65).fill({ g1, g2 }))).toThrow('pairingCheck: expected at most 64 pairs, got 65');
      // the region is left in a state that still works
      expect(pairingCheck([{ g1, g2 }, { g1: r.p.negate().toBytes(false), g2 }])).toBe(true);
    });
  });
});
