import { randomBytes } from 'node:crypto';
import * as blst from '@chainsafe/blst';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createThresholdKey, optimisticCombine, partialSign, type PartialSignature } from '../../src/crypto/index.js';
import { g2PointOutsideSubgroup, randomG2Point } from './helpers.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// n = 3f + 1 = 7 nodes, f = 2 faulty, threshold t = 2f + 1 = 5 (docs/architecture.md §4).
const f = 2;
const n = 3 * f + 1;
const t = 2 * f + 1;
const secretKey = blst.SecretKey.fromKeygen(randomBytes(32));
const key = createThresholdKey({ shares: n, threshold: t, secret: secretKey.toBytes() });
const message = randomBytes(32);
const expected = hex(secretKey.sign(message).toBytes());
const good = key.shares.map((share) => partialSign(share, message));

type Corruption = 'wrong message' | 'wrong share' | 'random G2 point' | 'not in the subgroup';
const corruptions: Corruption[] = ['wrong message', 'wrong share', 'random G2 point', 'not in the subgroup'];

function corrupt(index: number, how: Corruption): PartialSignature {
  switch (how) {
    case 'wrong message':
      return partialSign(key.shares[index - 1]!, randomBytes(32));
    case 'wrong share':
      return { index, signature: partialSign(key.shares[index % n]!, message).signature };
    case 'random G2 point':
      return { index, signature: randomG2Point() };
    case 'not in the subgroup':
      return { index, signature: g2PointOutsideSubgroup() };
  }
}

const base = { threshold: t, groupPublicKey: key.groupPublicKey, publicShares: key.publicShares, message };

describe('optimisticCombine', () => {
  test('all partials valid: the signature, nothing reported', () => {
    const result = optimisticCombine({ ...base, partials: good });
    expect(hex(result.signature!)).toBe(expected);
    expect(result.invalidIndices).toEqual([]);
  });

  test.each(corruptions)('1..f partials corrupted (%s), in any position: exact indices, signature still made', (how) => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...Array(n).keys()].map((i) => i + 1), { minLength: 1, maxLength: f }),
        fc.shuffledSubarray(good, { minLength: n, maxLength: n }),
        (badIndices, arrivalOrder) => {
          const partials = arrivalOrder.map((p) => (badIndices.includes(p.index) ? corrupt(p.index, how) : p));
          const result = optimisticCombine({ ...base, partials });
          expect(hex(result.signature!)).toBe(expected);
          // Undecodable partials are always found; the others only when the first t include one.
          const firstT = partials.filter((p) => how !== 'not in the subgroup' || !badIndices.includes(p.index)).slice(0, t);
          const detectable = how === 'not in the subgroup' || firstT.some((p) => badIndices.includes(p.index));
          expect(result.invalidIndices).toEqual(detectable ? badIndices.slice().sort((a, b) => a - b) : []);
        },
      ),
      { numRuns: 6 },
    );
  });

  test('a mix of corruptions among the first t is found exactly', () => {
    const partials = [corrupt(3, 'wrong share'), good[0]!, corrupt(6, 'not in the subgroup'), good[1]!, good[3]!, good[4]!, good[6]!];
    const result = optimisticCombine({ ...base, partials });
    expect(hex(result.signature!)).toBe(expected);
    expect(result.invalidIndices).toEqual([3, 6]);
  });

  test('fewer than t valid partials: no signature, the invalid ones reported', () => {
    const partials = [good[0]!, good[1]!, corrupt(3, 'wrong message'), good[3]!, good[4]!];
    expect(optimisticCombine({ ...base, partials })).toEqual({ signature: undefined, invalidIndices: [3] });
    expect(optimisticCombine({ ...base, partials: good.slice(0, t - 1) })).toEqual({ signature: undefined, invalidIndices: [] });
  });

  test('partials crafted to cancel out to the point at infinity are invalid, not an error', () => {
    // With t = 2 and indices 1, 2: λ₁ = 2, λ₂ = −1, so a node 2 that sends 2·σ₁ makes the combine
    // 2σ₁ − 2σ₁ = 0, the point at infinity.
    const small = createThresholdKey({ shares: 4, threshold: 2 });
    const p1 = partialSign(small.shares[0]!, message);
    const p3 = partialSign(small.shares[2]!, message);
    const sigma1 = blst.Signature.fromBytes(p1.signature);
    const twiceSigma1 = blst.aggregateSignatures([sigma1, sigma1]).toBytes(true);
    const input = { threshold: 2, groupPublicKey: small.groupPublicKey, publicShares: small.publicShares, message };
    const result = optimisticCombine({ ...input, partials: [p1, { index: 2, signature: twiceSigma1 }, p3] });
    expect(result.invalidIndices).toEqual([2]);
    expect(blst.verify(message, blst.PublicKey.fromBytes(small.groupPublicKey), blst.Signature.fromBytes(result.signature!))).toBe(true);
  });

  test('bad input', () => {
    expect(() => optimisticCombine({ ...base, threshold: 0, partials: good })).toThrow('optimisticCombine: threshold: expected a positive integer, got number 0');
    expect(() => optimisticCombine({ ...base, partials: [good[0]!, good[0]!] })).toThrow('optimisticCombine: partials: share index 1 appears twice');
    expect(() => optimisticCombine({ ...base, publicShares: key.publicShares.slice(1), partials: good })).toThrow('partials[0]: no public share with index 1');
    expect(() => optimisticCombine({ ...base, groupPublicKey: new Uint8Array(48), partials: good })).toThrow('groupPublicKey: not a valid G1 public key');
    expect(() => optimisticCombine({ ...base, threshold: t - 1, partials: good.slice(0, t - 1) })).toThrow('the threshold is wrong or the public shares do not belong');
  });

  test('a partial of the wrong length is an invalid partial', () => {
    const partials = [{ index: 1, signature: good[0]!.signature.subarray(0, 95) }, ...good.slice(1)];
    const result = optimisticCombine({ ...base, partials });
    expect(result.invalidIndices).toEqual([1]);
    expect(hex(result.signature!)).toBe(expected);
  });
});
