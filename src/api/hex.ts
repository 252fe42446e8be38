/**
 * Ethereum JSON-RPC hex encodings (execution-apis "QUANTITY" and "DATA"): a QUANTITY is 0x-prefixed
 * minimal hex ("0x0", "0x1a", never "0x01" or "0x"), DATA is 0x-prefixed hex of whole bytes ("0x" is
 * empty). Parsers throw -32602 errors naming the parameter.
 */
import { invalidParam } from './errors.js';

export function quantity(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

export function data(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`;
}

const QUANTITY = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]*)$/;
const DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/** A QUANTITY of at most `maxBits` bits. */
export function parseQuantity(value: unknown, index: number, name: string, maxBits = 64): bigint {
  const expected = `a hex quantity like "0x1a" (at most ${maxBits} bits)`;
  if (typeof value !== 'string' || value.length > 2 + maxBits / 4 || !QUANTITY.test(value)) {
    throw invalidParam(index, name, expected, value);
  }
  return BigInt(value);
}

/** DATA; with `length`, exactly that many bytes. */
export function parseData(value: unknown, index: number, name: string, length?: number): Uint8Array {
  const expected = length === undefined ? '0x-prefixed hex bytes (an even number of hex digits)' : `${length} bytes as 0x-prefixed hex`;
  if (typeof value !== 'string' || !DATA.test(value) || (length !== undefined && value.length !== 2 + 2 * length)) {
    throw invalidParam(index, name, expected, value);
  }
  return Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
}
