import { bigIntToBytes, concatBytes, setLengthLeft } from '@ethereumjs/util';
import fc from 'fast-check';
import { keccak } from 'hash-wasm';
import { describe, expect, test } from 'vitest';
import { BLOCK_DOMAIN, signingRoot } from '../../src/crypto/index.js';

describe('signingRoot', () => {
  test('equals keccak256(domain ‖ uint256 chain id ‖ uint256 round ‖ block hash) by hash-wasm and @ethereumjs/util', async () => {
    const samples = fc.sample(
      fc.tuple(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
      ),
      30,
    );
    samples.push(
      [BLOCK_DOMAIN as Uint8Array<ArrayBuffer>, 1n, 1, new Uint8Array(32).fill(0xab)],
      [BLOCK_DOMAIN as Uint8Array<ArrayBuffer>, (1n << 256n) - 1n, Number.MAX_SAFE_INTEGER, new Uint8Array(32)],
    );
    for (const [domain, chainId, round, blockHash] of samples) {
      const preimage = concatBytes(domain, setLengthLeft(bigIntToBytes(chainId), 32), setLengthLeft(bigIntToBytes(BigInt(round)), 32), blockHash);
      const expected = await keccak(preimage, 256);
      expect(Buffer.from(signingRoot(domain, chainId, round, blockHash)).toString('hex')).toBe(expected);
    }
  });

  test('a number chain id is the same as the bigint', () => {
    const hash = new Uint8Array(32).fill(1);
    expect(signingRoot(BLOCK_DOMAIN, 10, 1, hash)).toEqual(signingRoot(BLOCK_DOMAIN, 10n, 1, hash));
  });

  test('the same block decided in two rounds has two different signing roots', () => {
    const hash = new Uint8Array(32).fill(2);
    expect(signingRoot(BLOCK_DOMAIN, 10n, 1, hash)).not.toEqual(signingRoot(BLOCK_DOMAIN, 10n, 2, hash));
  });

  test('the block domain is the documented constant', () => {
    expect(BLOCK_DOMAIN).toHaveLength(32);
    expect(Buffer.from(BLOCK_DOMAIN).toString('latin1').replace(/\0+$/, '')).toBe('dst.block.v1');
  });

  test('bad input', () => {
    const hash = new Uint8Array(32);
    expect(() => signingRoot(BLOCK_DOMAIN.subarray(1), 1n, 1, hash)).toThrow('signingRoot: domain: expected 32 bytes, got 31');
    expect(() => signingRoot(BLOCK_DOMAIN, 1n, 1, new Uint8Array(20))).toThrow('signingRoot: blockHash: expected 32 bytes, got 20');
    expect(() => signingRoot(BLOCK_DOMAIN, -1n, 1, hash)).toThrow('chainId: expected an integer in 0..2^256-1');
    expect(() => signingRoot(BLOCK_DOMAIN, 1n << 256n, 1, hash)).toThrow('chainId: expected an integer in 0..2^256-1');
    expect(() => signingRoot(BLOCK_DOMAIN, 1.5, 1, hash)).toThrow('got number 1.5');
    expect(() => signingRoot(BLOCK_DOMAIN, '1' as unknown as bigint, 1, hash)).toThrow('got string 1');
    expect(() => signingRoot(BLOCK_DOMAIN, 1n, 0, hash)).toThrow('signingRoot: round: expected an integer ≥ 1 (QBFT rounds start at 1), got number 0');
    expect(() => signingRoot(BLOCK_DOMAIN, 1n, 2.5, hash)).toThrow('got number 2.5');
  });
});
