/**
 * BLS verification in the WebAssembly core (src/wasm/verify.ts) against native blst as the
 * independent implementation: the same answer on 1,000 random (key, message, signature) triples
 * (release build; 300 on the debug build; 10,000 in verify-10k.long.test.ts), half of them corrupted in every way a forger or a broken
 * encoder would — wrong message, wrong key, bit flips in each input, another key's signature, points
 * on the curve but outside the subgroups, the infinity key and signature; the batch forms agree with
 * blst's `verifyMultipleAggregateSignatures`, and the same-key batch names exactly the bad indices.
 * Ethereum's consensus-spec `bls/verify` vectors are not available offline; the cases below cover
 * the same ground (valid, wrong message, wrong key, tampered signature, infinity key and signature,
 * non-subgroup points) and more.
 */
import { describe, expect, it } from 'vitest';
import * as blst from '@chainsafe/blst';
import { loadWasmCore } from '../../src/wasm/core.js';
import { verifyApi } from '../../src/wasm/verify.js';
import { expectAgreementWithBlst, flipBit, INFINITY_G1, INFINITY_G2, OUTSIDE_G1, OUTSIDE_G2, prng, triples } from './verify-cases.js';

describe.each(['release', 'debug'] as const)('BLS verification in the WebAssembly core (%s build)', (variant) => {
  const api = verifyApi(loadWasmCore(variant));
  // 10,000 on the release build run in verify-10k.long.test.ts (`npm run test:long`).
  const count = variant === 'release' ? 1_000 : 300;

  it(`verifyWasm agrees with blst verify on ${count} random triples, half corrupted`, () => {
    expectAgreementWithBlst(api, count, variant === 'release' ? 1 : 2);
  });

  it('verifyBatchWasm agrees with blst verifyMultipleAggregateSignatures', () => {
    const rand = prng(3);
    const pool = triples(120, 4);
    const valid = pool.filter((t) => t.kind === 'valid');
    for (let round = 0; round < 12; round++) {
      const size = 1 + rand.int(valid.length);
      const batch = Array.from({ length: size }, () => valid[rand.int(valid.length)]!);
      if (round % 2 === 1) batch[rand.int(size)] = pool.filter((t) => t.kind !== 'valid')[rand.int(60)]!;
      let expected: boolean;
      try {
        expected = blst.verifyMultipleAggregateSignatures(batch.map((t) => ({
          msg: t.message, pk: blst.PublicKey.fromBytes(t.publicKey, true), sig: blst.Signature.fromBytes(t.signature, true),
        })));
      } catch {
        expected = false;
      }
      expect(api.verifyBatchWasm(batch), `round ${round}`).toBe(expected);
      expect(expected).toBe(round % 2 === 0);
    }
    expect(api.verifyBatchWasm([])).toBe(true);
  });

  it('verifySameKeyWasm reports exactly the invalid signatures', () => {
    const rand = prng(5);
    const sk = blst.SecretKey.fromKeygen(rand.bytes(32));
    const publicKey = sk.toPublicKey().toBytes();
    const size = variant === 'release' ? 1000 : 64;
    const messages = Array.from({ length: size }, () => rand.bytes(32));
    const signatures = messages.map((m) => sk.sign(m).toBytes());
    const randomness = rand.bytes(32);
    expect(api.verifySameKeyWasm(publicKey, messages, signatures, randomness)).toEqual({ ok: true });

    const bad = rand.int(size);
    const one = signatures.slice();
    one[bad] = sk.sign(rand.bytes(32)).toBytes(); // a valid signature of another message
    expect(api.verifySameKeyWasm(publicKey, messages, one, randomness)).toEqual({ ok: false, invalid: [bad] });

    // several at once, of every kind: another message, a bit flip, outside G2, infinity, another key
    const other = blst.SecretKey.fromKeygen(rand.bytes(32));
    const many = signatures.slice();
    const indices = [...new Set(Array.from({ length: 5 }, () => rand.int(size)))].sort((a, b) => a - b);
    indices.forEach((index, k) => {
      many[index] = [
        sk.sign(rand.bytes(32)).toBytes(), flipBit(signatures[index]!, rand), OUTSIDE_G2[0]!, INFINITY_G2,
        other.sign(messages[index]!).toBytes(),
      ][k]!;
    });
    expect(api.verifySameKeyWasm(publicKey, messages, many, randomness)).toEqual({ ok: false, invalid: indices });

    expect(() => api.verifySameKeyWasm(INFINITY_G1, messages, signatures, randomness)).toThrow(/infinity/);
    expect(() => api.verifySameKeyWasm(OUTSIDE_G1[0]!, messages, signatures, randomness)).toThrow(/subgroup/);
  });

  it('verifySameKeyInG2Wasm (signatures subgroup-checked by the caller) names the same invalid signatures', () => {
    const rand = prng(7);
    const sk = blst.SecretKey.fromKeygen(rand.bytes(32));
    const publicKey = sk.toPublicKey().toBytes();
    const size = variant === 'release' ? 500 : 48;
    const messages = Array.from({ length: size }, () => rand.bytes(32));
    // as src/verifier's native backend hands them over: decoded by blst with the subgroup check, uncompressed
    const signatures = messages.map((m) => blst.Signature.fromBytes(sk.sign(m).toBytes(), true).toBytes(false));
    const randomness = rand.bytes(32);
    expect(api.verifySameKeyInG2Wasm(publicKey, messages, signatures, randomness)).toEqual({ ok: true });
    const indices = [...new Set(Array.from({ length: 3 }, () => rand.int(size)))].sort((a, b) => a - b);
    const bad = signatures.slice();
    const offCurve = signatures[0]!.slice();
    offCurve[191] ^= 1; // y changed: off the curve, refused by the on-curve decoding that remains
    indices.forEach((index, k) => {
      bad[index] = [sk.sign(rand.bytes(32)).toBytes(false), offCurve, blst.SecretKey.fromKeygen(rand.bytes(32)).sign(messages[index]!).toBytes(false)][k]!;
    });
    expect(api.verifySameKeyInG2Wasm(publicKey, messages, bad, randomness)).toEqual({ ok: false, invalid: indices });
    expect(api.verifySameKeyWasm(publicKey, messages, bad, randomness)).toEqual({ ok: false, invalid: indices });
  });

  it('cuts batches larger than one core call and keeps global indices', () => {
    const rand = prng(6);
    const sk = blst.SecretKey.fromKeygen(rand.bytes(32));
    const size = variant === 'release' ? 2100 : 1030;
    const messages = Array.from({ length: size }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    const signatures = messages.map((m) => sk.sign(m).toBytes());
    signatures[size - 2] = signatures[0]!;
    expect(api.verifySameKeyWasm(sk.toPublicKey().toBytes(), messages, signatures, rand.bytes(32))).toEqual({ ok: false, invalid: [size - 2] });
  });

  it('refuses inputs of the wrong type or length with a message', () => {
    const sk = blst.SecretKey.fromKeygen(new Uint8Array(32).fill(7));
    const pk = sk.toPublicKey().toBytes();
    const sig = sk.sign(Uint8Array.of(1)).toBytes();
    expect(() => api.verifyWasm(pk.subarray(1), Uint8Array.of(1), sig)).toThrow('verifyWasm: publicKey: expected a G1 public key of 48 or 96 bytes, got 47');
    expect(() => api.verifyWasm(pk, Uint8Array.of(1), sig.subarray(2))).toThrow('verifyWasm: signature: expected a G2 signature of 96 or 192 bytes, got 94');
    expect(() => api.verifyWasm(pk, 'x' as unknown as Uint8Array, sig)).toThrow(TypeError);
    expect(() => api.verifyWasm(pk, new Uint8Array((1 << 20) + 1), sig)).toThrow(/at most 1048576 bytes/);
    expect(() => api.verifySameKeyWasm(pk, [Uint8Array.of(1)], [], new Uint8Array(32))).toThrow(/one signature per message/);
    expect(() => api.verifySameKeyWasm(pk, [], [], new Uint8Array(31))).toThrow(/randomness: expected 32 bytes/);
  });
});
