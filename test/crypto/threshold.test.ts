import { randomBytes } from 'node:crypto';
import * as blst from '@chainsafe/blst';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  combine,
  createThresholdKey,
  groupPublicKeyFromShares,
  partialSign,
  publicShareOf,
  recoverSecret,
  verify,
  verifyPartial,
  type PartialSignature,
} from '../../src/crypto/index.js';
import { g2PointOutsideSubgroup, randomG2Point } from './helpers.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** blst (an independent implementation of plain BLS) is the oracle for the whole key. */
const wholeKey = () => blst.SecretKey.fromKeygen(randomBytes(32));

describe.each([
  [1, 1],
  [3, 2],
  [4, 3],
  [7, 5],
  [10, 7],
  [13, 9],
])('(n, t) = (%i, %i)', (n, t) => {
  const secretKey = wholeKey();
  const key = createThresholdKey({ shares: n, threshold: t, secret: secretKey.toBytes() });
  const message = randomBytes(32);
  const expected = hex(secretKey.sign(message).toBytes());
  const partials = key.shares.map((share) => partialSign(share, message));

  test('the dealer hands out n shares, their public shares, and the group key of the secret', () => {
    expect(key.threshold).toBe(t);
    expect(key.shares.map((s) => s.index)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(hex(key.groupPublicKey)).toBe(hex(secretKey.toPublicKey().toBytes()));
    key.shares.forEach((share, i) => {
      expect(hex(key.publicShares[i]!.publicKey)).toBe(hex(blst.SecretKey.fromBytes(share.secretKey).toPublicKey().toBytes()));
      expect(hex(publicShareOf(share).publicKey)).toBe(hex(key.publicShares[i]!.publicKey));
    });
  });

  test('every partial verifies under its public share', () => {
    partials.forEach((partial, i) => expect(verifyPartial(key.publicShares[i]!, message, partial)).toBe(true));
  });

  test('any t partials combine to the signature of the whole secret, which verifies', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(partials, { minLength: t, maxLength: t }), (subset) => {
        const signature = combine(subset);
        expect(hex(signature)).toBe(expected);
        expect(verify(key.groupPublicKey, message, signature)).toBe(true);
      }),
      { numRuns: 4 },
    );
  });

  test('any t public shares interpolate to the group key, any t shares to the secret', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(key.shares.map((s, i) => i), { minLength: t, maxLength: t }), (picked) => {
        expect(hex(groupPublicKeyFromShares(picked.map((i) => key.publicShares[i]!)))).toBe(hex(key.groupPublicKey));
        expect(hex(recoverSecret(picked.map((i) => key.shares[i]!), t))).toBe(hex(secretKey.toBytes()));
      }),
      { numRuns: 4 },
    );
  });

  test.runIf(t > 1)('t − 1 partials never make a valid signature', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(partials, { minLength: t - 1, maxLength: t - 1 }), (subset) => {
        expect(verify(key.groupPublicKey, message, combine(subset))).toBe(false);
      }),
      { numRuns: 4 },
    );
  });

  test.runIf(t > 1)('recoverSecret refuses t − 1 shares', () => {
    expect(() => recoverSecret(key.shares.slice(0, t - 1), t)).toThrow(`expected at least ${t} shares (the threshold), got ${t - 1}`);
  });
});

describe('key creation', () => {
  test('fresh CSPRNG keys differ and still split and combine', () => {
    const a = createThresholdKey({ shares: 4, threshold: 3 });
    const b = createThresholdKey({ shares: 4, threshold: 3 });
    expect(hex(a.groupPublicKey)).not.toBe(hex(b.groupPublicKey));
    const secret = recoverSecret(a.shares.slice(1), 3);
    expect(hex(blst.SecretKey.fromBytes(secret).toPublicKey().toBytes())).toBe(hex(a.groupPublicKey));
    const message = randomBytes(40);
    const signature = combine(a.shares.slice(0, 3).map((s) => partialSign(s, message)));
    expect(hex(signature)).toBe(hex(blst.SecretKey.fromBytes(secret).sign(message).toBytes()));
  });

  test('re-splitting the same secret gives new shares and the same group key', () => {
    const secret = wholeKey().toBytes();
    const a = createThresholdKey({ shares: 4, threshold: 3, secret });
    const b = createThresholdKey({ shares: 4, threshold: 3, secret });
    expect(hex(a.groupPublicKey)).toBe(hex(b.groupPublicKey));
    expect(hex(a.shares[0]!.secretKey)).not.toBe(hex(b.shares[0]!.secretKey));
  });
});

describe('bad input', () => {
  const key = createThresholdKey({ shares: 4, threshold: 3 });
  const message = randomBytes(32);
  const partials = key.shares.map((s) => partialSign(s, message));
  const r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

  test('createThresholdKey', () => {
    expect(() => createThresholdKey({ shares: 0, threshold: 1 })).toThrow('createThresholdKey: shares: expected an integer in 1..4096, got number 0');
    expect(() => createThresholdKey({ shares: 3, threshold: 4 })).toThrow('threshold: expected an integer in 1..3, got number 4');
    expect(() => createThresholdKey({ shares: 3, threshold: 1.5 })).toThrow('threshold: expected an integer in 1..3');
    expect(() => createThresholdKey({ shares: 3, threshold: 2, secret: new Uint8Array(31) })).toThrow('secret: expected 32 bytes, got 31');
    expect(() => createThresholdKey({ shares: 3, threshold: 2, secret: new Uint8Array(32) })).toThrow('got zero');
    const tooLarge = Buffer.from(r.toString(16).padStart(64, '0'), 'hex');
    expect(() => createThresholdKey({ shares: 3, threshold: 2, secret: tooLarge })).toThrow('got a value ≥ r');
  });

  test('combine', () => {
    expect(() => combine([])).toThrow('combine: expected a non-empty array of partial signatures, got array of 0');
    expect(() => combine([partials[0]!, partials[0]!])).toThrow('combine: share index 1 appears twice');
    expect(() => combine([{ index: 0, signature: partials[0]!.signature }])).toThrow('combine: partials[0].index: expected a share index, an integer in 1..4096, got number 0');
    expect(() => combine([{ index: 1.5, signature: partials[0]!.signature }])).toThrow('expected a share index');
    expect(() => combine([{ index: 1, signature: new Uint8Array(95) }])).toThrow('combine: partials[0].signature: expected 96 bytes, got 95');
    expect(() => combine([{ index: 2, signature: g2PointOutsideSubgroup() }])).toThrow('combine: partials[0] (share 2): not a valid G2 subgroup point');
    expect(() => combine(null as unknown as PartialSignature[])).toThrow('got null');
    // λ₁ = 2, λ₂ = −1 for indices {1, 2}: 2·σ₁ sent as share 2 cancels σ₁ out.
    const sigma1 = blst.Signature.fromBytes(partials[0]!.signature);
    const cancelling = { index: 2, signature: blst.aggregateSignatures([sigma1, sigma1]).toBytes() };
    expect(() => combine([partials[0]!, cancelling])).toThrow('combine: the combined point is not a valid signature');
  });

  test('verify and verifyPartial', () => {
    expect(verify(key.groupPublicKey, message, g2PointOutsideSubgroup())).toBe(false);
    expect(verify(key.groupPublicKey, message, randomG2Point())).toBe(false);
    expect(verify(key.groupPublicKey, message, new Uint8Array(96))).toBe(false);
    expect(() => verify(new Uint8Array(48), message, partials[0]!.signature)).toThrow('verify: publicKey: not a valid G1 public key');
    expect(() => verify(key.groupPublicKey.subarray(1), message, partials[0]!.signature)).toThrow('verify: publicKey: expected 48 bytes, got 47');
    expect(() => verify(key.groupPublicKey, 'abc' as unknown as Uint8Array, partials[0]!.signature)).toThrow('verify: message: expected a Uint8Array, got string abc');
    expect(() => verifyPartial(key.publicShares[1]!, message, partials[0]!)).toThrow('partial signature of share 1 checked against public share 2');
    expect(verifyPartial(key.publicShares[1]!, randomBytes(32), partials[1]!)).toBe(false);
  });

  test('partialSign, recoverSecret, groupPublicKeyFromShares', () => {
    expect(() => partialSign({ index: 1, secretKey: new Uint8Array(32) }, message)).toThrow('partialSign: share 1: secret key is not a scalar in 1..r-1');
    expect(() => partialSign({ index: -1, secretKey: key.shares[0]!.secretKey }, message)).toThrow('partialSign: share.index: expected a share index');
    expect(() => recoverSecret([key.shares[0]!, key.shares[0]!, key.shares[1]!], 3)).toThrow('recoverSecret: share index 1 appears twice');
    expect(() => recoverSecret(key.shares, 0)).toThrow('recoverSecret: threshold: expected an integer in 1..4096, got number 0');
    expect(() => groupPublicKeyFromShares([])).toThrow('expected a non-empty array of public shares');
    expect(() => groupPublicKeyFromShares([{ index: 1, publicKey: new Uint8Array(48) }])).toThrow('publicShares[0].publicKey: not a valid G1 public key');
  });
});
