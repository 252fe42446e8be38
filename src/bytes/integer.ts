/**
 * Non-negative integers as big-endian bytes, the byte order of RLP, Ethereum's uint256 words, blst's
 * scalars and secp256k1's r and s. `bigIntToBytes(v)` gives the fewest bytes (zero is no bytes: RLP's
 * canonical integer); `bigIntToBytes(v, 32)` a fixed-width word, left-padded with zeros. (The
 * WebAssembly core's scalars are little-endian 64-bit limbs in its own memory: src/wasm writes those.)
 */
import { describe } from './assert.js';
import { decodeHexDigits, prefixedHex } from './hex.js';

/**
 * Big-endian bytes of `value` ≥ 0: the fewest, or exactly `length` (a RangeError if it does not fit).
 */
export function bigIntToBytes(value: bigint, length?: number): Uint8Array {
  if (typeof value !== 'bigint' || value < 0n) throw new RangeError(`bigIntToBytes: expected a non-negative bigint, got ${describe(value)}`);
  let digits = value === 0n ? '' : value.toString(16);
  if (length === undefined) {
    if (digits.length % 2 === 1) digits = `0${digits}`;
  } else {
    if (digits.length > 2 * length) throw new RangeError(`bigIntToBytes: ${describe(value)} does not fit in ${length} bytes`);
    digits = digits.padStart(2 * length, '0');
  }
  return decodeHexDigits(digits);
}

/** The non-negative integer whose big-endian bytes are `bytes` (no bytes is zero). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(prefixedHex(bytes));
}
