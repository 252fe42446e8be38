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
  if (value <= MAX_SMALL) return smallToBytes(value, length);
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
  if (bytes.length <= SMALL_BYTES) {
    let value = 0;
    for (let i = 0; i < bytes.length; i++) value = value * 256 + bytes[i]!;
    return BigInt(value);
  }
  return BigInt(prefixedHex(bytes));
}

/**
 * Integers of at most SMALL_BYTES bytes (below 2^48, exact in a double) — nonces, gas, chain ids, most
 * values — are converted with arithmetic on numbers: no hex text, no intermediate buffers (issue 16:
 * a transaction's decoding allocated a hex string and a view per integer field).
 */
const SMALL_BYTES = 6;
const MAX_SMALL = (1n << 48n) - 1n;

function smallToBytes(value: bigint, length: number | undefined): Uint8Array {
  const number = Number(value);
  let width = 0;
  for (let rest = number; rest > 0; rest = Math.floor(rest / 256)) width++;
  if (length !== undefined && width > length) throw new RangeError(`bigIntToBytes: ${describe(value)} does not fit in ${length} bytes`);
  const bytes = new Uint8Array(length ?? width);
  for (let i = bytes.length - 1, rest = number; rest > 0; i--, rest = Math.floor(rest / 256)) bytes[i] = rest % 256;
  return bytes;
}
