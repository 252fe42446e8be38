/**
 * The two signature backends of dst-sequencer/verifier (src/verifier/backend.ts) give the same answer: native
 * blst and the WebAssembly core on random single-byte corruptions of signed blocks (header,
 * transactions, round, signature), and on same-key batches with random bad signatures at random
 * positions — the same invalid positions, in order; and on signatures that decode but are no
 * signatures (on the curve outside G2, the point at infinity), which the native backend leaves to
 * blst's subgroup check (inside `verify` for one block, at decoding before the core's same-key
 * batch for a range).
 */
import { describe, expect, it } from 'vitest';
import { signatureBackend, verifySignedBlock, type SignedBlockData } from '../../src/verifier/index.js';
import { NATIVE_BATCH_FROM } from '../../src/verifier/backend.js';
import { edited, makeSignedChain } from './signed-chain.js';
import { g2OutsideSubgroup } from '../helpers/bls-encodings.js';

const chain = makeSignedChain({ count: 30, signWith: 'group' });

function corrupt(block: SignedBlockData, pick: (n: number) => number): SignedBlockData {
  return edited(block, (b) => {
    switch (pick(4)) {
      case 0: b.header[pick(b.header.length)]! ^= 1 << pick(8); break;
      case 1: { const tx = b.transactions[pick(b.transactions.length)]!; tx[pick(tx.length)]! ^= 1 << pick(8); break; }
      case 2: b.round += 1 + pick(3); break;
      default: b.signature[pick(96)]! ^= 1 << pick(8);
    }
  });
}

describe('native and WebAssembly backends', () => {
  it('agree on 150 random corruptions of signed blocks', async () => {
    let seed = 7;
    const pick = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let i = 0; i < 150; i++) {
      const block = i % 10 === 0 ? chain.blocks[pick(30)]! : corrupt(chain.blocks[pick(30)]!, pick);
      const native = await verifySignedBlock(block, chain.trust, { backend: 'native' });
      const wasm = await verifySignedBlock(block, chain.trust, { backend: 'wasm' });
      expect(wasm, `case ${i}`).toEqual(native);
    }
  });

  it('name the same invalid positions in same-key batches', async () => {
    const native = await signatureBackend('native');
    const wasm = await signatureBackend('wasm');
    const messages = chain.blocks.map((_, i) => new Uint8Array(32).fill(i + 1));
    const { SecretKey } = await import('@chainsafe/blst');
    const { recoverSecret } = await import('../../src/crypto/index.js');
    const secret = SecretKey.fromBytes(recoverSecret(chain.key.shares.slice(0, 3), 3));
    const good = messages.map((m) => secret.sign(m).toBytes(true));
    for (const bad of [[], [0], [29], [3, 17], [1, 2, 3, 4, 28]]) {
      const signatures = good.map((s, i) => (bad.includes(i) ? (i % 2 ? good[(i + 1) % good.length]! : new Uint8Array(96).fill(1)) : s));
      expect(native.invalidSameKey(chain.trust.groupPublicKey, messages, signatures)).toEqual(bad);
      expect(wasm.invalidSameKey(chain.trust.groupPublicKey, messages, signatures)).toEqual(bad);
    }
    // ranges shorter than NATIVE_BATCH_FROM: native checks them with blst's verify, one by one
    expect(NATIVE_BATCH_FROM).toBeGreaterThan(2);
    const outside = g2OutsideSubgroup(1)[0]!;
    for (const [signatures, bad] of [
      [[good[0]!], []],
      [[good[1]!], [0]], // another message's signature
      [[outside], [0]],
      [[good[0]!, good[1]!], []],
      [[good[0]!, new Uint8Array(96).fill(1)], [1]],
      [[outside, good[0]!], [0, 1]],
    ] as Array<[Uint8Array[], number[]]>) {
      const short = messages.slice(0, signatures.length);
      expect(native.invalidSameKey(chain.trust.groupPublicKey, short, signatures)).toEqual(bad);
      expect(wasm.invalidSameKey(chain.trust.groupPublicKey, short, signatures)).toEqual(bad);
    }
  });

  it('refuse signatures outside G2 and the point at infinity, one by one and in a batch', async () => {
    const infinity = new Uint8Array(96);
    infinity[0] = 0xc0;
    const outside = g2OutsideSubgroup(3);
    for (const backend of [await signatureBackend('native'), await signatureBackend('wasm')]) {
      const messages = chain.blocks.slice(0, 8).map((_, i) => new Uint8Array(32).fill(i + 7));
      const signatures = messages.map((_, i) => (i === 1 ? infinity : outside[i % 3]!));
      for (let i = 0; i < messages.length; i++) {
        expect(backend.verify(chain.trust.groupPublicKey, messages[i]!, signatures[i]!), `${backend.name} ${i}`).toBe(false);
      }
      expect(backend.invalidSameKey(chain.trust.groupPublicKey, messages, signatures), backend.name).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const blocks = chain.blocks.slice(0, 3).map((block, i) => edited(block, (b) => { b.signature = i === 0 ? infinity.slice() : outside[i]!.slice(); }));
      for (const block of blocks) {
        expect(await verifySignedBlock(block, chain.trust, { backend: backend.name })).toMatchObject({ ok: false, reason: 'bad-signature' });
      }
    }
  });
});
