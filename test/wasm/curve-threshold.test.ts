/**
 * The threshold calls of src/wasm/curve.ts end to end, on both builds: a secret split with the core's
 * Shamir code, one message signed with native blst (@chainsafe/blst) under every share, any t partial
 * signatures combined in WebAssembly must be byte-identical to blst's signature under the whole
 * secret (and interpolated public key shares to blst's public key); t − 1 must not be.
 */
import { describe, expect, it } from 'vitest';
import { SecretKey } from '@chainsafe/blst';
import { loadWasmCore } from '../../src/wasm/core.js';
import { curveApi } from '../../src/wasm/curve.js';
import { frApi, FR_MODULUS } from '../../src/wasm/fr.js';
import { scalarStream } from '../helpers/random.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const toBytes32 = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));

const MESSAGE = new TextEncoder().encode('block 42: 0x5eq');

describe.each(['release', 'debug'] as const)('threshold combine (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const { combineG2, interpolateG1 } = curveApi(core);
  const { shamirEvaluate } = frApi(core);

  describe.each([
    { t: 3, n: 4 },
    { t: 7, n: 10 },
    { t: 10, n: 13 },
  ])('t = $t of n = $n', ({ t, n }) => {
    const next = scalarStream(BigInt(1000 + t), FR_MODULUS);
    const coefficients = Array.from({ length: t }, () => next());
    const shares = shamirEvaluate(coefficients, n);
    const keys = shares.map((share) => SecretKey.fromBytes(toBytes32(share)));
    const partials = keys.map((key) => key.sign(MESSAGE).toBytes(false));
    const publicShares = keys.map((key) => key.toPublicKey().toBytes(false));
    const whole = SecretKey.fromBytes(toBytes32(coefficients[0]!));
    const signature = hex(whole.sign(MESSAGE).toBytes(false));
    const publicKey = hex(whole.toPublicKey().toBytes(false));
    // three subsets of t indices (1-based): the first t, the last t, every other one from the end
    const subsets = [
      Array.from({ length: t }, (_, i) => i + 1),
      Array.from({ length: t }, (_, i) => n - i),
      Array.from({ length: n }, (_, i) => n - i).filter((_, i) => i % 2 === 0).concat(Array.from({ length: n }, (_, i) => n - i).filter((_, i) => i % 2 === 1)).slice(0, t),
    ];

    it('any t partial signatures combine to blst’s signature under the whole secret', () => {
      for (const subset of subsets) {
        const combined = combineG2(subset, subset.map((i) => partials[i - 1]!));
        expect(hex(combined), `indices ${subset}`).toBe(signature);
      }
    });

    it('any t public key shares interpolate to blst’s public key', () => {
      for (const subset of subsets) {
        const key = interpolateG1(subset, subset.map((i) => publicShares[i - 1]!));
        expect(hex(key), `indices ${subset}`).toBe(publicKey);
      }
    });

    it('t − 1 partials do not give the signature', () => {
      const subset = subsets[0]!.slice(1);
      expect(hex(combineG2(subset, subset.map((i) => partials[i - 1]!)))).not.toBe(signature);
      expect(hex(interpolateG1(subset, subset.map((i) => publicShares[i - 1]!)))).not.toBe(publicKey);
    });
  });

  it('rejects bad input with clear errors', () => {
    const key = SecretKey.fromBytes(toBytes32(12345n));
    const partial = key.sign(MESSAGE).toBytes(false);
    const share = key.toPublicKey().toBytes(false);
    expect(() => combineG2([1, 1], [partial, partial])).toThrow('combineG2: index 1: duplicate share index 1');
    expect(() => combineG2([0, 1], [partial, partial])).toThrow('combineG2: index 0: expected an integer share index in 1..4294967295, got number 0');
    expect(() => combineG2([1.5], [partial])).toThrow('expected an integer share index');
    expect(() => combineG2([1, 2], [partial])).toThrow('combineG2: expected one share index per partial, got 2 indices and 1 partials');
    expect(() => combineG2([], [])).toThrow('combineG2: expected 1 to 4096 partials, got 0');
    expect(() => combineG2([1], [partial.subarray(0, 96)])).toThrow('combineG2: partial 0: expected 192 bytes, got 96');
    const offCurve = partial.slice();
    offCurve[191]! ^= 1;
    expect(() => combineG2([1, 2], [partial, offCurve])).toThrow('combineG2: partial 1 is not on the curve');
    expect(() => interpolateG1([2, 2], [share, share])).toThrow('interpolateG1: index 1: duplicate share index 2');
    expect(() => interpolateG1([1, 2, 3], [share, share])).toThrow(
      'interpolateG1: expected one share index per public share, got 3 indices and 2 public shares',
    );
    const badShare = share.slice();
    badShare[0]! |= 0x80;
    expect(() => interpolateG1([1], [badShare])).toThrow('interpolateG1: public share 0 has invalid flag bits');
  });
});
