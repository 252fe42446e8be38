import { bigIntToBytes as ethBigIntToBytes, bytesToBigInt as ethBytesToBigInt, bytesToHex, setLengthLeft } from '@ethereumjs/util';
import fc from 'fast-check';
import { describe as suite, expect, it } from 'vitest';
import {
  assertArray,
  assertBytes,
  assertInteger,
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  describe,
  describeJson,
  equalBytes,
  hex,
  parseHex,
  prefixedHex,
  tryParseHex,
} from '../../src/bytes/index.js';

suite('hex', () => {
  it('writes lower-case hex, with and without 0x, of any view', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(8), (bytes, cut) => {
        const view = bytes.subarray(Math.min(cut, bytes.length));
        expect(prefixedHex(view)).toBe(bytesToHex(view));
        expect(hex(view)).toBe(bytesToHex(view).slice(2));
      }),
    );
    expect(prefixedHex(new Uint8Array(0))).toBe('0x');
  });

  it('reads back what it writes, as a fresh Uint8Array', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const parsed = parseHex('x', prefixedHex(bytes), { length: bytes.length, lowerCase: true });
        expect(parsed).toEqual(bytes);
        expect(Object.getPrototypeOf(parsed)).toBe(Uint8Array.prototype);
        expect(tryParseHex(hex(bytes), { prefix: false })).toEqual(bytes);
      }),
    );
    expect(parseHex('x', '0xABcd')).toEqual(Uint8Array.of(0xab, 0xcd));
  });

  it('refuses what is not hex of the format, where Buffer would decode a part', () => {
    for (const [text, format] of [
      ['0xabc', {}],
      ['0xabzz', {}],
      ['abcd', {}],
      ['0Xabcd', {}],
      ['0xabcd', { prefix: false }],
      ['0xABCD', { lowerCase: true }],
      ['0xabcd', { length: 3 }],
      ['0x٣٣', {}],
      ['0xab cd', {}],
    ] as const) {
      expect(tryParseHex(text, format), text).toBeUndefined();
    }
    expect(tryParseHex(12)).toBeUndefined();
  });

  it('says what it expected and what came', () => {
    expect(() => parseHex('lockHash', '0x12', { length: 32, lowerCase: true })).toThrow(
      new RangeError('lockHash: expected 0x-prefixed lower-case hex of 32 bytes, got "0x12"'),
    );
    expect(() => parseHex('data', 7)).toThrow(new TypeError('data: expected 0x-prefixed hex bytes (an even number of hex digits), got 7'));
    expect(() => parseHex('key', 'zz', { prefix: false })).toThrow('key: expected unprefixed hex bytes');
    expect(() => parseHex('long', `0x${'g'.repeat(200)}`)).toThrow(/got "0xg{74}\.\.\.$/);
  });
});

suite('big-endian integers', () => {
  it('agree with @ethereumjs/util, minimal and fixed-width', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (value) => {
        const minimal = bigIntToBytes(value);
        expect(minimal).toEqual(value === 0n ? new Uint8Array(0) : ethBigIntToBytes(value));
        expect(bigIntToBytes(value, 32)).toEqual(setLengthLeft(ethBigIntToBytes(value), 32));
        expect(bytesToBigInt(minimal)).toBe(value);
        expect(bytesToBigInt(bigIntToBytes(value, 40))).toBe(ethBytesToBigInt(bigIntToBytes(value, 40)));
      }),
    );
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n);
  });

  it('agree with @ethereumjs/util around the small-integer path (below 2^48, converted with numbers)', () => {
    const edges = [0n, 1n, 127n, 128n, 255n, 256n, (1n << 40n) - 1n, (1n << 48n) - 2n, (1n << 48n) - 1n, 1n << 48n, (1n << 48n) + 1n, (1n << 53n) + 1n];
    const check = (value: bigint): void => {
      expect(bigIntToBytes(value)).toEqual(value === 0n ? new Uint8Array(0) : ethBigIntToBytes(value));
      for (const width of [Math.max(1, bigIntToBytes(value).length), 8, 32]) expect(bigIntToBytes(value, width)).toEqual(setLengthLeft(ethBigIntToBytes(value), width));
      expect(bytesToBigInt(bigIntToBytes(value))).toBe(value);
    };
    edges.forEach(check);
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 1n << 56n }), check));
    // Byte strings of 0..8 bytes, leading zeros included, read as ethereumjs reads them.
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 8 }), (bytes) => {
      expect(bytesToBigInt(bytes)).toBe(bytes.length === 0 ? 0n : ethBytesToBigInt(bytes));
    }));
    expect(() => bigIntToBytes((1n << 40n) - 1n, 4)).toThrow('bigIntToBytes: bigint 1099511627775 does not fit in 4 bytes');
    expect(bigIntToBytes(0n, 3)).toEqual(new Uint8Array(3));
  });

  it('refuses negative integers and widths too small', () => {
    expect(() => bigIntToBytes(-1n)).toThrow('bigIntToBytes: expected a non-negative bigint, got bigint -1');
    expect(() => bigIntToBytes(256n, 1)).toThrow('bigIntToBytes: bigint 256 does not fit in 1 bytes');
    expect(bigIntToBytes(255n, 1)).toEqual(Uint8Array.of(255));
  });
});

suite('byte strings', () => {
  it('concatenates and compares', () => {
    expect(concatBytes([Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3).subarray(1)])).toEqual(Uint8Array.of(1, 3));
    expect(concatBytes([])).toEqual(new Uint8Array(0));
    expect(equalBytes(Uint8Array.of(1, 2), Buffer.from([1, 2]))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false);
  });
});

suite('checks', () => {
  it('describe values briefly', () => {
    expect(describe(new Uint8Array(3))).toBe('Uint8Array of 3 bytes');
    expect(describe(5n)).toBe('bigint 5');
    expect(describe(1n << 100n)).toBe('bigint of 101 bits');
    expect(describe([1, 2])).toBe('array of 2');
    expect(describe(null)).toBe('null');
    expect(describe(undefined)).toBe('undefined');
    expect(describe({ a: 1 })).toBe('object');
    expect(describe(() => 1)).toBe('function');
    expect(describe('abc')).toBe('string abc');
    expect(describe('x'.repeat(100))).toBe(`string of 100 characters starting ${'x'.repeat(64)}`);
    expect(describeJson({ a: 1 })).toBe('{"a":1}');
    expect(describeJson(undefined)).toBe('undefined');
    expect(describeJson('y'.repeat(100))).toBe(`"${'y'.repeat(76)}...`);
  });

  it('assert bytes, integers and arrays', () => {
    expect(() => assertBytes('out', 'abc')).toThrow(new TypeError('out: expected a Uint8Array, got string abc'));
    expect(() => assertBytes('out', new Uint8Array(31), 32)).toThrow(new RangeError('out: expected 32 bytes, got 31'));
    expect(() => assertInteger('n', 0, 1, 64)).toThrow(new RangeError('n: expected an integer in 1..64, got number 0'));
    expect(() => assertInteger('n', 1.5, 1)).toThrow('n: expected a positive integer, got number 1.5');
    expect(() => assertInteger('n', -1, 0)).toThrow('n: expected a non-negative integer, got number -1');
    expect(() => assertInteger('n', 2, 3)).toThrow('n: expected an integer ≥ 3, got number 2');
    expect(() => assertInteger('n', 2 ** 53, 1)).toThrow('n: expected a positive integer');
    assertInteger('n', 64, 1, 64);
    expect(() => assertArray('list', 'x')).toThrow(new TypeError('list: expected an array, got string x'));
    assertArray('list', []);
    expect(() => assertArray('combine', [], { of: 'partial signatures', nonEmpty: true })).toThrow(
      new RangeError('combine: expected a non-empty array of partial signatures, got array of 0'),
    );
    expect(() => assertArray('combine', null, { of: 'partial signatures', nonEmpty: true })).toThrow(
      new TypeError('combine: expected a non-empty array of partial signatures, got null'),
    );
    assertArray('combine', [1], { nonEmpty: true });
  });
});
