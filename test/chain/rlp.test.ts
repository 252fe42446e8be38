import { RLP } from '@ethereumjs/rlp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigIntToBytes, RLP_MAX_DEPTH, rlpDecode, rlpEncode, rlpToBigInt, type RlpItem } from '../../src/chain/rlp.js';

const item: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 80 }),
    fc.uint8Array({ minLength: 0, maxLength: 1 }),
    fc.array(tie('item'), { maxLength: 6 }),
  ),
})).item;

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('RLP', () => {
  it('encodes exactly as @ethereumjs/rlp and decodes its encodings back', () => {
    fc.assert(
      fc.property(item, (value) => {
        const ours = rlpEncode(value);
        expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(RLP.encode(value as never)).toString('hex'));
        expect(rlpDecode(ours)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('handles long strings and lists (long-form lengths)', () => {
    const long = new Uint8Array(1024).fill(7);
    const list = Array.from({ length: 100 }, () => new Uint8Array(3).fill(1));
    expect(rlpDecode(rlpEncode(long))).toEqual(long);
    expect(rlpDecode(rlpEncode(list))).toEqual(list);
    expect(Buffer.from(rlpEncode(long).subarray(0, 3)).toString('hex')).toBe('b90400');
  });

  it('rejects non-canonical and malformed encodings with a reason', () => {
    expect(() => rlpDecode(fromHex('8100'))).toThrow(/non-canonical single byte 0x00/);
    expect(() => rlpDecode(fromHex('b80161'))).toThrow(/long-form length 1 should be short-form/);
    expect(() => rlpDecode(fromHex('b9000161'))).toThrow(/leading zero byte/);
    expect(() => rlpDecode(fromHex('83616263ff'))).toThrow(/1 trailing bytes/);
    expect(() => rlpDecode(fromHex('8461'))).toThrow(/needs 4 bytes, only 1 remain/);
    expect(() => rlpDecode(fromHex('c2826162'))).toThrow(/needs 2 bytes, only 1 remain/);
    expect(() => rlpDecode(new Uint8Array(0))).toThrow(/an item was expected/);
  });

  it(`decodes lists nested ${RLP_MAX_DEPTH} deep and refuses deeper ones (5,000 levels: a typed error, no stack overflow)`, () => {
    const nest = (depth: number): RlpItem => (depth === 1 ? [] : [nest(depth - 1)]);
    const deepest = nest(RLP_MAX_DEPTH);
    expect(rlpDecode(rlpEncode(deepest))).toEqual(deepest);
    expect(() => rlpDecode(rlpEncode(nest(RLP_MAX_DEPTH + 1)))).toThrow(`RLP: lists nested more than ${RLP_MAX_DEPTH} deep`);
    // 5,000 levels (the attack's transaction): refused at level 17, no recursion that deep.
    let bytes = Uint8Array.of(0xc0);
    for (let i = 1; i < 5_000; i++) {
      const n = bytes.length;
      const header = n <= 55 ? [0xc0 + n] : n < 256 ? [0xf8, n] : [0xf9, n >> 8, n & 0xff];
      const next = new Uint8Array(header.length + n);
      next.set(header);
      next.set(bytes, header.length);
      bytes = next;
    }
    expect(() => rlpDecode(bytes)).toThrow(/nested more than/);
  });

  it('reads canonical integers and refuses leading zeros and oversize', () => {
    expect(rlpToBigInt(new Uint8Array(0), 'x')).toBe(0n);
    expect(rlpToBigInt(fromHex('0100'), 'x')).toBe(256n);
    expect(() => rlpToBigInt(fromHex('0001'), 'nonce')).toThrow(/nonce: integer with a leading zero byte/);
    expect(() => rlpToBigInt(new Uint8Array(9).fill(1), 'nonce', 8)).toThrow(/nonce: integer of 9 bytes exceeds 8/);
    expect(() => rlpToBigInt([], 'value')).toThrow(/value: expected an integer, got a list/);
    expect(bigIntToBytes(0n)).toEqual(new Uint8Array(0));
    expect(bigIntToBytes(0x1234n)).toEqual(fromHex('1234'));
  });
});
