/**
 * The load generator's transactions (src/load/transactions.ts) checked against independent
 * implementations: @ethereumjs/tx decodes them, recovers the sender and computes the hash; viem
 * derives the address of the key.
 */
import { createCustomCommon, Mainnet } from '@ethereumjs/common';
import { createTxFromRLP } from '@ethereumjs/tx';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { addressOf, makeLoad, randomSenderKey, signTransfer } from '../../src/load/index.js';

const hex = (bytes: Uint8Array): `0x${string}` => `0x${Buffer.from(bytes).toString('hex')}`;

describe('signTransfer', () => {
  it.each([1n, 901n, 2n ** 40n + 7n])('signs an EIP-155 legacy transfer for chain id %s that @ethereumjs/tx accepts', (chainId) => {
    const common = createCustomCommon({ chainId: Number(chainId) }, Mainnet);
    for (const nonce of [0, 1, 255, 256, 70_000]) {
      const key = randomSenderKey();
      const to = randomSenderKey().address;
      const raw = signTransfer(chainId, key.privateKey, nonce, to);
      const tx = createTxFromRLP(raw, { common });
      expect(tx.type).toBe(0);
      expect(tx.verifySignature()).toBe(true);
      expect(tx.getSenderAddress().toString()).toBe(hex(key.address));
      expect(tx.nonce).toBe(BigInt(nonce));
      expect(tx.to?.toString()).toBe(hex(to));
      expect(tx.value).toBe(1n);
      expect(tx.gasLimit).toBe(21_000n);
      expect(tx.common.chainId()).toBe(chainId);
      expect(hex(tx.hash())).toBe(hex(keccak_256(raw)));
    }
  });
});

describe('sender keys', () => {
  it('addressOf matches viem', () => {
    for (let i = 0; i < 10; i++) {
      const key = randomSenderKey();
      expect(hex(addressOf(key.privateKey))).toBe(privateKeyToAddress(hex(key.privateKey)).toLowerCase());
      expect(key.address).toEqual(addressOf(key.privateKey));
    }
  });

  it('randomSenderKey gives a different key each time', () => {
    const keys = new Set(Array.from({ length: 50 }, () => hex(randomSenderKey().privateKey)));
    expect(keys.size).toBe(50);
  });
});

describe('makeLoad (benchmarks)', () => {
  it('gives each deterministic sender consecutive nonces from 0, paying the next sender', () => {
    const chainId = 904n;
    const common = createCustomCommon({ chainId: Number(chainId) }, Mainnet);
    const { transactions, addresses } = makeLoad(chainId, 3, 4);
    expect(makeLoad(chainId, 3, 4).transactions).toEqual(transactions);
    transactions.forEach((list, s) => {
      expect(list).toHaveLength(4);
      list.forEach((raw, n) => {
        const tx = createTxFromRLP(raw, { common });
        expect(tx.getSenderAddress().toString()).toBe(hex(addresses[s]!));
        expect(tx.nonce).toBe(BigInt(n));
        expect(tx.to?.toString()).toBe(hex(addresses[(s + 1) % 3]!));
      });
    });
    const key0 = keccak_256(new TextEncoder().encode('dst-tps-0'));
    expect(addresses[0]).toEqual(addressOf(key0));
  });
});
