/**
 * The pieces of the ceremony that its speed rests on (issue 15's benchmark targets): the batched
 * Feldman check (src/cluster/dkg/polynomial.ts, `verifySharesBatch`, a small-exponent batch test after
 * Bellare–Garay–Rabin 1998) must accept exactly what the one-by-one check accepts, and the ceremony
 * transport's dialling rule (src/cluster/dkg/transport.ts, `dialsFirst`) must pick exactly one side of
 * every pair, about half the peers each.
 */
import { describe, expect, it } from 'vitest';
import { FR_MODULUS } from '../../src/wasm/index.js';
import { commitPolynomial, decodeCommitments, evaluateShares, randomPolynomial, verifyShare, verifySharesBatch } from '../../src/cluster/dkg/polynomial.js';
import { dialsFirst } from '../../src/cluster/dkg/transport.js';

const t = 5;
const dealers = Array.from({ length: 7 }, () => {
  const polynomial = randomPolynomial(t);
  return { points: decodeCommitments(commitPolynomial(polynomial), t) as Uint8Array[], shares: evaluateShares(polynomial, 10) };
});

describe('verifySharesBatch', () => {
  it('accepts the honest shares of every receiver, as the one-by-one check does', () => {
    for (const x of [1, 4, 10]) {
      const batch = dealers.map((d) => ({ points: d.points, share: d.shares[x - 1]! }));
      expect(batch.every((b) => verifyShare(b.points, x, b.share))).toBe(true);
      expect(verifySharesBatch(batch, x)).toBe(true);
    }
    expect(verifySharesBatch([], 1)).toBe(true);
  });

  it('refuses a batch with one wrong share, one share for another receiver, or one out of range', () => {
    const x = 3;
    const honest = dealers.map((d) => ({ points: d.points, share: d.shares[x - 1]! }));
    const withWrong = honest.map((b, i) => (i === 4 ? { ...b, share: (b.share + 1n) % FR_MODULUS } : b));
    expect(verifySharesBatch(withWrong, x)).toBe(false);
    expect(withWrong.map((b) => verifyShare(b.points, x, b.share))).toEqual([true, true, true, true, false, true, true]);
    const otherReceiver = honest.map((b, i) => (i === 0 ? { ...b, share: dealers[0]!.shares[x]! } : b));
    expect(verifySharesBatch(otherReceiver, x)).toBe(false);
    expect(verifySharesBatch(honest.map((b, i) => (i === 2 ? { ...b, share: b.share + FR_MODULUS } : b)), x)).toBe(false);
    expect(verifySharesBatch(honest.map((b, i) => (i === 2 ? { ...b, share: 0n } : b)), x)).toBe(false);
  });

  it('refuses shares that are right for the sum of two dealers but not for each (the weights are random)', () => {
    const x = 2;
    const [a, b] = [dealers[0]!, dealers[1]!];
    // Shift value between the two shares: their sum still matches the sum of the commitments.
    const batch = [{ points: a.points, share: (a.shares[x - 1]! + 5n) % FR_MODULUS }, { points: b.points, share: (b.shares[x - 1]! - 5n + FR_MODULUS) % FR_MODULUS }];
    expect(verifySharesBatch(batch, x)).toBe(false);
  });
});

describe('dialsFirst', () => {
  it('picks exactly one side of every pair, and each operator dials about half of its peers first', () => {
    for (let n = 2; n <= 33; n++) {
      for (let i = 0; i < n; i++) {
        let first = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          expect(dialsFirst(i, j, n) !== dialsFirst(j, i, n)).toBe(true);
          if (dialsFirst(i, j, n)) first++;
        }
        expect(first).toBeGreaterThanOrEqual(Math.floor((n - 1) / 2));
        expect(first).toBeLessThanOrEqual(Math.ceil((n - 1) / 2));
      }
    }
  });
});
