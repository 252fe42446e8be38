import { bigIntToBytes, concatBytes, setLengthLeft } from '@ethereumjs/util';
import fc from 'fast-check';
import { keccak } from 'hash-wasm';
import { describe, expect, test } from 'vitest';
import { BLOCK_DOMAIN, signingRoot } from '../../src/crypto/index.js';

describe('signingRoot', () => {
  test('equals keccak256(domain ‖ uint256 chain id ‖ block hash) by hash-wasm and @ethereumjs/util', async () => {
    const samples = fc.sample(
      fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.uint8Array({ minLength: 32, maxLength: 32 })),
      30,
    );
    samples.push([BLOCK_DOMAIN as Uint8Array<ArrayBuffer>, 1n, new Uint8Array(32).fill(0xab)], [BLOCK_DOMAIN as Uint8Array<ArrayBuffer>, (1n << 256n) - 1n, new Uint8Array(32)]);
    for (const [domain, chainId, blockHash] of samples) {
      const expected = await keccak(concatBytes(domain, setLengthLeft(bigIntToBytes(chainId), 32), blockHash), 256);
      expect(Buffer.from(signingRoot(domain, chainId, blockHash)).toString('hex')).toBe(expected);
    }
  });

  test('a number chain id is the same as the bigint', () => {
    const hash = new Uint8Array(32).fill(1);
    expect(signingRoot(BLOCK_DOMAIN, 10, hash)).toEqual(signingRoot(BLOCK_DOMAIN, 10n, hash));
  });

  test('the block domain is the documented constant', () => {
    expect(BLOCK_DOMAIN).toHaveLength(32);
    expect(Buffer.from(BLOCK_DOMAIN).toString('latin1').replace(/\0+$/, '')).toBe('dst.block.v1');
  });

  test('bad input', () => {
    const hash = new Uint8Array(32);
    expect(() => signingRoot(BLOCK_DOMAIN.subarray(1), 1n, hash)).toThrow('signingRoot: domain: expected 32 bytes, got 31');
    expect(() => signingRoot(BLOCK_DOMAIN, 1n, new Uint8Array(20))).toThrow('signingRoot: blockHash: expected 32 bytes, got 20');
    expect(() => signingRoot(BLOCK_DOMAIN, -1n, hash)).toThrow('chainId: expected an integer in 0..2^256-1');
    expect(() => signingRoot(BLOCK_DOMAIN, 1n << 256n, hash)).toThrow('chainId: expected an integer in 0..2^256-1');
    expect(() => signingRoot(BLOCK_DOMAIN, 1.5, hash)).toThrow('got number 1.5');
    expect(() => signingRoot(BLOCK_DOMAIN, '1' as unknown as bigint, hash)).toThrow('got string 1');
  });
});
