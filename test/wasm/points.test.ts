/**
 * Point validation, decompression and compression in the WebAssembly core (src/wasm/points.ts,
 * assembly/bls/decode.ts) on both builds, against native blst (@chainsafe/blst) for encodings and
 * accept/reject decisions and @noble/curves for points outside the subgroup (which blst cannot
 * produce): every flag combination, non-canonical and off-curve coordinates, small-order and other
 * non-subgroup points, infinity rules, and a few hundred random corrupted encodings.
 */
import { describe, expect, it } from 'vitest';
import blst from '@chainsafe/blst';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { loadWasmCore } from '../../src/wasm/core.js';
import { POINTS_MAX_COUNT, pointsApi } from '../../src/wasm/points.js';
import { scalarStream } from '../helpers/random.js';

const { Fp, Fp2 } = bls12_381.fields;
const P = Fp.ORDER;
const HALF = (P - 1n) / 2n;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
type Fp2Value = { c0: bigint; c1: bigint };

// ---- encoders for arbitrary (x, y), also points outside the subgroup (noble refuses those) ----
const be48 = (v: bigint) => {
  const out = new Uint8Array(48);
  for (let i = 47; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
const g1Encode = (x: bigint, y: bigint, compressed: boolean) =>
  compressed ? withFlags(be48(x), 0x80 | (y > HALF ? 0x20 : 0)) : cat(be48(x), be48(y));
const fp2Larger = (y: Fp2Value) => (y.c1 !== 0n ? y.c1 > HALF : y.c0 > HALF);
const g2Encode = (x: Fp2Value, y: Fp2Value, compressed: boolean) =>
  compressed
    ? withFlags(cat(be48(x.c1), be48(x.c0)), 0x80 | (fp2Larger(y) ? 0x20 : 0))
    : cat(be48(x.c1), be48(x.c0), be48(y.c1), be48(y.c0));
function withFlags(bytes: Uint8Array, flags: number): Uint8Array {
  const out = bytes.slice();
  out[0] = (out[0]! & 0x1f) | flags;
  return out;
}
const infinity = (length: number, flags: number) => withFlags(new Uint8Array(length), flags);

// ---- fixtures, computed once for both builds ----
const next = scalarStream(0xdec0de5n, P);
const keys: { compressed: Uint8Array; uncompressed: Uint8Array }[] = [];
const sigs: { compressed: Uint8Array; uncompressed: Uint8Array }[] = [];
for (let i = 0; i < 48; i++) {
  const ikm = be48(next()).subarray(0, 32);
  const sk = blst.SecretKey.fromKeygen(ikm);
  const pk = sk.toPublicKey();
  const sig = sk.sign(ikm);
  keys.push({ compressed: pk.toBytes(true), uncompressed: pk.toBytes(false) });
  sigs.push({ compressed: sig.toBytes(true), uncompressed: sig.toBytes(false) });
}
const G1_B = 4n;
const G2_B = { c0: 4n, c1: 4n };
/** Points on E(Fp) outside G1 (random x, no cofactor clearing), with (0, 2) of order 3 first. */
const g1Outside: { x: bigint; y: bigint }[] = [{ x: 0n, y: 2n }];
/** x with x^3 + 4 not a square: no point. */
const g1NoPoint: bigint[] = [];
while (g1Outside.length < 7 || g1NoPoint.length < 4) {
  const x = next();
  const rhs = Fp.add(Fp.pow(x, 3n), G1_B);
  if (Fp.pow(rhs, HALF) !== 1n) {
    g1NoPoint.push(x);
    continue;
  }
  const y = Fp.sqrt(rhs);
  const point = bls12_381.G1.Point.fromAffine({ x, y });
  if (!point.isTorsionFree()) g1Outside.push({ x, y: g1Outside.length % 2 === 0 ? y : Fp.neg(y) });
}
const g2Outside: { x: Fp2Value; y: Fp2Value }[] = [];
const g2NoPoint: Fp2Value[] = [];
while (g2Outside.length < 5 || g2NoPoint.length < 3) {
  const x = Fp2.create({ c0: next(), c1: g2Outside.length === 0 ? 0n : next() });
  const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), G2_B);
  let y: Fp2Value | undefined;
  try {
    y = Fp2.sqrt(rhs);
  } catch {
    y = undefined;
  }
  if (y === undefined || !Fp2.eql(Fp2.sqr(y), rhs)) {
    g2NoPoint.push(x);
    continue;
  }
  const point = bls12_381.G2.Point.fromAffine({ x, y });
  if (!point.isTorsionFree()) g2Outside.push({ x, y: g2Outside.length % 2 === 0 ? y : Fp2.neg(y) });
}

/** Points of small order ℓ (3 and 11 on E, 13 on E'), and subgroup points plus one of them. */
const ORDER = bls12_381.G1.Point.Fn.ORDER;
const H1 = 0x396c8c005555e1568c00aaab0000aaabn; // #E(Fp) / r
const H2 = 0x5d543a95414e7f1091d50792876a202cd91de4547085abaa68a205b2e5a7ddfa628f1cb4d9e82ef21537e293a6691ae1616ec6e786f0c70cf1c38e31c7238e5n;
function times<T extends { add(o: T): T; double(): T }>(point: T, zero: T, k: bigint): T {
  let acc = zero;
  for (let add = point; k > 0n; k >>= 1n, add = add.double()) if (k & 1n) acc = acc.add(add);
  return acc;
}
/** A point of order exactly ℓ from the ℓ-part of a point of E(Fp) or E'(Fp2) (cofactor h). */
function smallOrder<T extends { add(o: T): T; double(): T; is0(): boolean }>(point: T, zero: T, h: bigint, l: bigint): T | undefined {
  let rest = h * ORDER;
  while (rest % l === 0n) rest /= l;
  let t = times(point, zero, rest);
  if (t.is0()) return undefined;
  while (!times(t, zero, l).is0()) t = times(t, zero, l);
  return t;
}
const g1Torsion: { x: bigint; y: bigint; label: string }[] = [];
for (const { x, y } of g1Outside.slice(1)) {
  const t = smallOrder(bls12_381.G1.Point.fromAffine({ x, y }), bls12_381.G1.Point.ZERO, H1, 11n);
  if (t === undefined) continue;
  const mixed = bls12_381.G1.Point.BASE.multiply(0x1234567n).add(t);
  g1Torsion.push({ ...t.toAffine(), label: 'order 11' }, { ...mixed.toAffine(), label: 'G1 point + order-11 point' });
  break;
}
const g2Torsion: { x: Fp2Value; y: Fp2Value; label: string }[] = [];
for (const { x, y } of g2Outside) {
  const t = smallOrder(bls12_381.G2.Point.fromAffine({ x, y }), bls12_381.G2.Point.ZERO, H2, 13n);
  if (t === undefined) continue;
  const mixed = bls12_381.G2.Point.BASE.multiply(0x7654321n).add(t);
  g2Torsion.push({ ...t.toAffine(), label: 'order 13' }, { ...mixed.toAffine(), label: 'G2 point + order-13 point' });
  break;
}

/**
 * x on E' with x^3 + b in Fp (Im(x^3) = −4: c0^2 = (c1^3 − 4)/(3 c1)): y is then in Fp or in Fp·u,
 * so y.c1 = 0 or y.c0 = 0 — the special case of the G2 sort flag, and the a1 = 0 case of the Fp2
 * square root. Not in G2 (random).
 */
const g2RealRhs: { x: Fp2Value; y: Fp2Value }[] = [];
for (let c1 = 1n; g2RealRhs.length < 8; c1++) {
  const c0sq = Fp.div(Fp.sub(Fp.pow(c1, 3n), 4n), Fp.mul(3n, c1));
  if (Fp.pow(c0sq, HALF) !== 1n) continue;
  const x = { c0: Fp.sqrt(c0sq), c1 };
  const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), G2_B);
  if (rhs.c1 !== 0n) throw new Error('construction');
  const y = Fp.pow(rhs.c0, HALF) === 1n ? { c0: Fp.sqrt(rhs.c0), c1: 0n } : { c0: 0n, c1: Fp.sqrt(Fp.neg(rhs.c0)) };
  g2RealRhs.push({ x, y: g2RealRhs.length % 2 === 0 ? y : Fp2.neg(y) });
}

const throws = (fn: () => unknown) => {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
};

describe.each(['release', 'debug'] as const)('points (%s build)', (variant) => {
  const api = pointsApi(loadWasmCore(variant));

  describe('round trips with blst encodings', () => {
    it('G1: decompress(compressed) = uncompressed, compress(uncompressed) = compressed, validate returns uncompressed', () => {
      for (const k of keys) {
        expect(hex(api.decompressG1(k.compressed))).toBe(hex(k.uncompressed));
        expect(hex(api.compressG1(k.uncompressed))).toBe(hex(k.compressed));
        expect(hex(api.validatePublicKey(k.compressed))).toBe(hex(k.uncompressed));
        expect(hex(api.validatePublicKey(k.uncompressed))).toBe(hex(k.uncompressed));
      }
    });

    it('G2: decompress(compressed) = uncompressed, compress(uncompressed) = compressed, validate returns uncompressed', () => {
      for (const s of sigs) {
        expect(hex(api.decompressG2(s.compressed))).toBe(hex(s.uncompressed));
        expect(hex(api.compressG2(s.uncompressed))).toBe(hex(s.compressed));
        expect(hex(api.validateSignature(s.compressed))).toBe(hex(s.uncompressed));
        expect(hex(api.validateSignature(s.uncompressed))).toBe(hex(s.uncompressed));
      }
    });

    it('G2 points whose y has a zero component: the sort flag follows y.c0 when y.c1 = 0, as blst', () => {
      let realY = 0;
      for (const { x, y } of g2RealRhs) {
        if (y.c1 === 0n) realY++;
        const uncompressed = g2Encode(x, y, false);
        const compressed = g2Encode(x, y, true);
        expect(bls12_381.G2.Point.fromAffine({ x, y }).isTorsionFree()).toBe(false);
        // blst, unchecked, decodes our compressed form to this y and compresses this point to it
        expect(hex(blst.Signature.fromBytes(compressed, false).toBytes(false))).toBe(hex(uncompressed));
        expect(hex(blst.Signature.fromBytes(uncompressed, false).toBytes(true))).toBe(hex(compressed));
        expect(hex(api.compressG2(uncompressed))).toBe(hex(compressed));
        // decompression finds a root (both flag values), then the subgroup test rejects the point
        for (const bytes of [compressed, withFlags(compressed, (compressed[0]! & 0xe0) ^ 0x20), uncompressed]) {
          expect(() => api.validateSignature(bytes)).toThrow('not in the prime-order subgroup G2');
        }
      }
      expect(realY).toBeGreaterThan(0);
      expect(realY).toBeLessThan(g2RealRhs.length);
    });

    it('agrees on both roots: the sort flag picks y or −y', () => {
      // the negation of each fixture point, encoded with noble; and the sort flag flipped by hand
      const p = bls12_381.G1.Point.fromBytes(keys[0]!.compressed).negate();
      expect(hex(api.decompressG1(p.toBytes(true)))).toBe(hex(p.toBytes(false)));
      const flipped = keys[0]!.compressed.slice();
      flipped[0]! ^= 0x20;
      expect(hex(api.decompressG1(flipped))).toBe(hex(p.toBytes(false)));
      const q = bls12_381.G2.Point.fromBytes(sigs[0]!.compressed).negate();
      expect(hex(api.decompressG2(q.toBytes(true)))).toBe(hex(q.toBytes(false)));
      // generator multiples 1..8 against noble, both signs
      for (let k = 1n; k <= 8n; k++) {
        for (const r of [bls12_381.G2.Point.BASE.multiply(k), bls12_381.G2.Point.BASE.multiply(k).negate()]) {
          expect(hex(api.decompressG2(r.toBytes(true)))).toBe(hex(r.toBytes(false)));
          expect(hex(api.compressG2(r.toBytes(false)))).toBe(hex(r.toBytes(true)));
        }
      }
    });

    it('batch forms equal the single forms, with mixed lengths and across the chunk size', () => {
      const mixed = keys.map((k, i) => (i % 3 === 0 ? k.uncompressed : k.compressed));
      expect(api.validatePublicKeys(mixed).map(hex)).toEqual(keys.map((k) => hex(k.uncompressed)));
      const mixedSigs = sigs.map((s, i) => (i % 2 === 0 ? s.compressed : s.uncompressed));
      expect(api.validateSignatures(mixedSigs).map(hex)).toEqual(sigs.map((s) => hex(s.uncompressed)));
      expect(api.decompressG1Batch(keys.map((k) => k.compressed)).map(hex)).toEqual(keys.map((k) => hex(k.uncompressed)));
      expect(api.decompressG2Batch(sigs.map((s) => s.compressed)).map(hex)).toEqual(sigs.map((s) => hex(s.uncompressed)));
      // more than one core call: POINTS_MAX_COUNT + 5 encodings (compression is cheap)
      const many = Array.from({ length: POINTS_MAX_COUNT + 5 }, (_, i) => keys[i % keys.length]!);
      expect(api.compressG1Batch(many.map((k) => k.uncompressed)).map(hex)).toEqual(many.map((k) => hex(k.compressed)));
      const manySigs = many.map((_, i) => sigs[i % sigs.length]!);
      expect(api.compressG2Batch(manySigs.map((s) => s.uncompressed)).map(hex)).toEqual(manySigs.map((s) => hex(s.compressed)));
      expect(api.validatePublicKeys([])).toEqual([]);
      // the failing index counts across chunks
      const bad = many.map((k) => k.uncompressed.slice());
      bad[POINTS_MAX_COUNT + 2]![95]! ^= 1;
      expect(() => api.compressG1Batch(bad)).toThrow(`compressG1Batch: point ${POINTS_MAX_COUNT + 2} is not on the curve`);
    });
  });

  describe('infinity', () => {
    it('is accepted as a signature and by decompression, rejected as a public key (KeyValidate)', () => {
      expect(hex(api.validateSignature(infinity(96, 0xc0)))).toBe(hex(infinity(192, 0x40)));
      expect(hex(api.validateSignature(infinity(192, 0x40)))).toBe(hex(infinity(192, 0x40)));
      expect(hex(api.decompressG1(infinity(48, 0xc0)))).toBe(hex(infinity(96, 0x40)));
      expect(hex(api.decompressG2(infinity(96, 0xc0)))).toBe(hex(infinity(192, 0x40)));
      expect(hex(api.compressG1(infinity(96, 0x40)))).toBe(hex(infinity(48, 0xc0)));
      expect(hex(api.compressG2(infinity(192, 0x40)))).toBe(hex(infinity(96, 0xc0)));
      for (const bytes of [infinity(48, 0xc0), infinity(96, 0x40)]) {
        expect(() => api.validatePublicKey(bytes)).toThrow('validatePublicKey: public key is the point at infinity');
        expect(throws(() => blst.PublicKey.fromBytes(bytes, true))).toBe(true);
      }
      expect(() => api.validatePublicKeys([keys[0]!.compressed, infinity(48, 0xc0)])).toThrow(
        'validatePublicKeys: public key 1 is the point at infinity',
      );
    });

    it('must be exactly 0xc0 / 0x40 followed by zeros', () => {
      for (const [group, length, compressed] of [['G1', 48, true], ['G1', 96, false], ['G2', 96, true], ['G2', 192, false]] as const) {
        const validate = group === 'G1' ? api.validatePublicKey : api.validateSignature;
        const base = compressed ? 0xc0 : 0x40;
        const nonZeroBody = infinity(length, base);
        nonZeroBody[length - 1] = 1;
        const lowBits = infinity(length, base);
        lowBits[0]! |= 0x01;
        const sorted = infinity(length, base | 0x20);
        for (const bytes of [nonZeroBody, lowBits, sorted]) {
          expect(() => validate(bytes), `${group} ${length} ${hex(bytes.subarray(0, 1))}`).toThrow(
            'has the infinity flag but is not the point at infinity',
          );
        }
      }
    });
  });

  describe('flags', () => {
    it('every flag combination on a valid point, both lengths, as blst', () => {
      const cases = [
        { group: 'G1' as const, point: keys[1]!, validate: api.validatePublicKey, ref: (b: Uint8Array) => blst.PublicKey.fromBytes(b, true) },
        { group: 'G2' as const, point: sigs[1]!, validate: api.validateSignature, ref: (b: Uint8Array) => blst.Signature.fromBytes(b, true, false) },
      ];
      for (const { group, point, validate, ref } of cases) {
        for (let flags = 0; flags < 8; flags++) {
          for (const compressed of [true, false]) {
            const bytes = withFlags(compressed ? point.compressed : point.uncompressed, flags << 5);
            const label = `${group} ${compressed ? 'compressed' : 'uncompressed'} flags ${(flags << 5).toString(16)}`;
            const accepted = !throws(() => validate(bytes));
            expect(accepted, label).toBe(!throws(() => ref(bytes)));
            // accepted exactly: compressed with C set and I clear (S picks ±y), uncompressed with no flag
            expect(accepted, label).toBe(compressed ? (flags & 0b110) === 0b100 : flags === 0);
            if (!accepted) expect(() => validate(bytes), label).toThrow(group === 'G1' ? 'validatePublicKey: public key has' : 'validateSignature: signature has');
          }
        }
      }
    });

    it('names the flag problem', () => {
      const missing = keys[2]!.compressed.slice();
      missing[0]! &= 0x7f;
      expect(() => api.validatePublicKey(missing)).toThrow('validatePublicKey: public key has 48 bytes but no compression flag');
      const extra = sigs[2]!.uncompressed.slice();
      extra[0]! |= 0x80;
      expect(() => api.validateSignature(extra)).toThrow('validateSignature: signature has 192 bytes but the compression flag 0x80');
      const sorted = keys[2]!.uncompressed.slice();
      sorted[0]! |= 0x20;
      expect(() => api.validatePublicKey(sorted)).toThrow('validatePublicKey: public key has the sort flag 0x20 on an uncompressed encoding');
      expect(() => api.decompressG1(keys[2]!.uncompressed.subarray(0, 48).map((b, i) => (i === 0 ? b & 0x1f : b)))).toThrow(
        'decompressG1: point has 48 bytes but no compression flag',
      );
    });

    it('a zero body: compressed x = 0 is (0, ±2) on G1 (order 3) and no point on G2; uncompressed (0, 0) is off the curve', () => {
      expect(() => api.decompressG1(infinity(48, 0x80))).toThrow('decompressG1: point is on the curve but not in the prime-order subgroup G1');
      expect(() => api.decompressG1(infinity(48, 0xa0))).toThrow('not in the prime-order subgroup G1');
      // on E': y^2 = 4(1 + u) has no root in Fp2
      expect(throws(() => Fp2.sqrt(G2_B)) || !Fp2.eql(Fp2.sqr(Fp2.sqrt(G2_B)), G2_B)).toBe(true);
      expect(() => api.decompressG2(infinity(96, 0x80))).toThrow('decompressG2: point is not on the curve (no point has this x-coordinate)');
      expect(() => api.validatePublicKey(infinity(96, 0))).toThrow('validatePublicKey: public key is not on the curve');
      expect(() => api.validateSignature(infinity(192, 0))).toThrow('validateSignature: signature is not on the curve');
      for (const b of [infinity(48, 0x80), infinity(96, 0), infinity(96, 0x80), infinity(192, 0)]) {
        expect(throws(() => (b.length === 48 || (b.length === 96 && b[0] === 0) ? blst.PublicKey : blst.Signature).fromBytes(b, true))).toBe(true);
      }
    });
  });

  describe('coordinates', () => {
    const nonCanonical = [P, P + 1n, P + 0xffffn, (1n << 381n) - 1n];

    it('rejects x ≥ p (x = p, p + 1, p + 0xffff, 2^381 − 1) and y ≥ p', () => {
      const y = bls12_381.G1.Point.fromBytes(keys[3]!.compressed).toAffine().y;
      for (const x of nonCanonical) {
        for (const bytes of [withFlags(be48(x), 0x80), withFlags(be48(x), 0xa0), cat(be48(x), be48(y))]) {
          expect(() => api.validatePublicKey(bytes)).toThrow('validatePublicKey: public key has a coordinate that is not a canonical field element');
          expect(throws(() => blst.PublicKey.fromBytes(bytes, true))).toBe(true);
        }
      }
      const q = bls12_381.G1.Point.fromBytes(keys[3]!.compressed).toAffine();
      const highY = cat(be48(q.x), be48(q.y + P));
      expect(highY.length).toBe(96);
      if ((q.y + P) < 1n << 381n) expect(() => api.validatePublicKey(highY)).toThrow('not a canonical field element');
      expect(() => api.validatePublicKey(cat(be48(q.x), be48(P)))).toThrow('not a canonical field element');
    });

    it('rejects G2 coordinates ≥ p in either component', () => {
      const q = bls12_381.G2.Point.fromBytes(sigs[3]!.compressed).toAffine();
      for (const v of nonCanonical) {
        const encodings = [
          withFlags(cat(be48(v), be48(q.x.c0)), 0x80),
          withFlags(cat(be48(q.x.c1), be48(v)), 0x80),
          cat(be48(v), be48(q.x.c0), be48(q.y.c1), be48(q.y.c0)),
          cat(be48(q.x.c1), be48(q.x.c0), be48(q.y.c1), be48(v)),
        ];
        for (const bytes of encodings) {
          expect(() => api.validateSignature(bytes)).toThrow('validateSignature: signature has a coordinate that is not a canonical field element');
          expect(throws(() => blst.Signature.fromBytes(bytes, true, false))).toBe(true);
        }
      }
    });

    it('rejects x with no square root (no point) and uncompressed points off the curve', () => {
      for (const x of g1NoPoint) {
        for (const flags of [0x80, 0xa0]) {
          const bytes = withFlags(be48(x), flags);
          expect(() => api.validatePublicKey(bytes)).toThrow('validatePublicKey: public key is not on the curve (no point has this x-coordinate)');
          expect(throws(() => blst.PublicKey.fromBytes(bytes, false))).toBe(true);
        }
      }
      for (const x of g2NoPoint) {
        const bytes = withFlags(cat(be48(x.c1), be48(x.c0)), 0x80);
        expect(() => api.validateSignature(bytes)).toThrow('validateSignature: signature is not on the curve (no point has this x-coordinate)');
        expect(throws(() => blst.Signature.fromBytes(bytes, false))).toBe(true);
      }
      const k = keys[4]!.uncompressed.slice();
      k[95]! ^= 1;
      expect(() => api.validatePublicKey(k)).toThrow('validatePublicKey: public key is not on the curve');
      expect(() => api.compressG1(k)).toThrow('compressG1: point is not on the curve');
      const s = sigs[4]!.uncompressed.slice();
      s[100]! ^= 4;
      expect(() => api.validateSignature(s)).toThrow('validateSignature: signature is not on the curve');
      expect(() => api.compressG2(s)).toThrow('compressG2: point is not on the curve');
    });
  });

  describe('subgroup', () => {
    it('rejects G1 points on the curve outside G1 ((0, 2) of order 3 and random ones), as blst and noble', () => {
      for (const { x, y } of g1Outside) {
        for (const compressed of [true, false]) {
          const bytes = g1Encode(x, y, compressed);
          expect(() => api.validatePublicKey(bytes)).toThrow('validatePublicKey: public key is on the curve but not in the prime-order subgroup G1');
          expect(() => api.decompressG1(g1Encode(x, y, true))).toThrow('not in the prime-order subgroup G1');
          expect(throws(() => blst.PublicKey.fromBytes(bytes, true))).toBe(true);
          // on the curve, so blst decodes it unchecked — except x = 0, which its decoder refuses outright
          expect(throws(() => blst.PublicKey.fromBytes(bytes, false))).toBe(x === 0n);
        }
        // compression does not test the subgroup, and agrees with the encoder here
        expect(hex(api.compressG1(g1Encode(x, y, false)))).toBe(hex(g1Encode(x, y, true)));
      }
      expect(bls12_381.G1.Point.fromAffine(g1Outside[0]!).multiply(3n).is0()).toBe(true);
    });

    it('rejects G2 points on the curve outside G2, as blst and noble', () => {
      for (const { x, y } of g2Outside) {
        expect(bls12_381.G2.Point.fromAffine({ x, y }).isTorsionFree()).toBe(false);
        for (const compressed of [true, false]) {
          const bytes = g2Encode(x, y, compressed);
          expect(() => api.validateSignature(bytes)).toThrow('validateSignature: signature is on the curve but not in the prime-order subgroup G2');
          expect(throws(() => blst.Signature.fromBytes(bytes, true, false))).toBe(true);
          expect(throws(() => blst.Signature.fromBytes(bytes, false))).toBe(false);
        }
        expect(hex(api.compressG2(g2Encode(x, y, false)))).toBe(hex(g2Encode(x, y, true)));
        expect(() => api.decompressG2(g2Encode(x, y, true))).toThrow('not in the prime-order subgroup G2');
      }
    });

    it('rejects points of small order and subgroup points plus a small-order point', () => {
      expect(g1Torsion.length).toBe(2);
      expect(g2Torsion.length).toBe(2);
      for (const { x, y, label } of g1Torsion) {
        for (const compressed of [true, false]) {
          const bytes = g1Encode(x, y, compressed);
          expect(() => api.validatePublicKey(bytes), label).toThrow('is on the curve but not in the prime-order subgroup G1');
          expect(throws(() => blst.PublicKey.fromBytes(bytes, true)), label).toBe(true);
        }
      }
      for (const { x, y, label } of g2Torsion) {
        for (const compressed of [true, false]) {
          const bytes = g2Encode(x, y, compressed);
          expect(() => api.validateSignature(bytes), label).toThrow('is on the curve but not in the prime-order subgroup G2');
          expect(throws(() => blst.Signature.fromBytes(bytes, true, false)), label).toBe(true);
        }
      }
    });

    it('accepts subgroup points of noble (generator multiples, including small ones)', () => {
      for (const k of [1n, 2n, 3n, 0xd201000000010000n, ORDER - 1n]) {
        const p = bls12_381.G1.Point.BASE.multiply(k);
        expect(hex(api.validatePublicKey(p.toBytes(true)))).toBe(hex(p.toBytes(false)));
        const q = bls12_381.G2.Point.BASE.multiply(k);
        expect(hex(api.validateSignature(q.toBytes(true)))).toBe(hex(q.toBytes(false)));
      }
    });
  });

  it('agrees with blst accept/reject on random valid and bit-flipped encodings', () => {
    const random = scalarStream(variant === 'release' ? 17n : 71n, 1n << 32n);
    const pick = (n: number) => Number(random() % BigInt(n));
    let rejected = 0;
    let accepted = 0;
    for (let i = 0; i < 240; i++) {
      const g1 = i % 2 === 0;
      const source = g1 ? keys[pick(keys.length)]! : sigs[pick(sigs.length)]!;
      const bytes = (pick(2) === 0 ? source.compressed : source.uncompressed).slice();
      // one in six unchanged; otherwise one or two flipped bits, biased to the flags byte
      const flips = i % 6 === 0 ? 0 : 1 + pick(2);
      for (let f = 0; f < flips; f++) {
        const at = pick(3) === 0 ? 0 : pick(bytes.length);
        bytes[at]! ^= 1 << pick(8);
      }
      const ours = !throws(() => (g1 ? api.validatePublicKey(bytes) : api.validateSignature(bytes)));
      const theirs = !throws(() => (g1 ? blst.PublicKey.fromBytes(bytes, true) : blst.Signature.fromBytes(bytes, true, false)));
      expect(ours, `${g1 ? 'G1' : 'G2'} ${hex(bytes)}`).toBe(theirs);
      if (ours) accepted++;
      else rejected++;
    }
    // both outcomes occur (the test would not notice a decoder that accepts or rejects everything)
    expect(accepted).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(100);
  });

  it('rejects wrong lengths and non-bytes with clear errors', () => {
    expect(() => api.validatePublicKey(new Uint8Array(47))).toThrow('validatePublicKey: public key: expected 48 (compressed) or 96 (uncompressed) bytes, got 47');
    expect(() => api.validateSignature(new Uint8Array(48))).toThrow('validateSignature: signature: expected 96 (compressed) or 192 (uncompressed) bytes, got 48');
    expect(() => api.decompressG1(keys[0]!.uncompressed)).toThrow('decompressG1: point: expected 48 bytes, got 96');
    expect(() => api.decompressG2(sigs[0]!.uncompressed)).toThrow('decompressG2: point: expected 96 bytes, got 192');
    expect(() => api.compressG1(keys[0]!.compressed)).toThrow('compressG1: point: expected 96 bytes, got 48');
    expect(() => api.compressG2(sigs[0]!.compressed)).toThrow('compressG2: point: expected 192 bytes, got 96');
    expect(() => api.validatePublicKeys([keys[0]!.compressed, new Uint8Array(3)])).toThrow('validatePublicKeys: public key 1: expected 48 (compressed) or 96 (uncompressed) bytes, got 3');
    expect(() => api.validatePublicKey('0x12' as unknown as Uint8Array)).toThrow('validatePublicKey: public key: expected a Uint8Array, got string 0x12');
    expect(() => api.validateSignatures({} as unknown as Uint8Array[])).toThrow('validateSignatures: expected an array of signatures, got object');
  });
});
