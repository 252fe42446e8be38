/**
 * Ethereum JSON-RPC hex encodings (execution-apis "QUANTITY" and "DATA"): a QUANTITY is 0x-prefixed
 * minimal hex ("0x0", "0x1a", never "0x01" or "0x"), DATA is 0x-prefixed hex of whole bytes ("0x" is
 * empty). Parsers throw -32602 errors naming the parameter.
 */
import { prefixedHex, tryParseHex } from '../bytes/index.js';
import { invalidParam } from './errors.js';

export function quantity(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** DATA: `0x` and the bytes' lower-case hex. */
export const data: (bytes: Uint8Array) => string = prefixedHex;

const QUANTITY = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]*)$/;

/** Hex digits of Number.MAX_SAFE_INTEGER (0x1fffffffffffff), the largest block number. */
const BLOCK_NUMBER_DIGITS = Number.MAX_SAFE_INTEGER.toString(16).length;

/**
 * A block number: a QUANTITY of at most Number.MAX_SAFE_INTEGER, as a number (DST's heights are safe
 * integers, src/chain/block.ts). A larger one is a -32602 error saying so, not a block that is absent.
 */
export function parseBlockNumber(value: unknown, index: number, name: string): number {
  const number = typeof value === 'string' && value.length <= 2 + BLOCK_NUMBER_DIGITS && QUANTITY.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw invalidParam(index, name, `a hex quantity like "0x1a" of at most ${quantity(Number.MAX_SAFE_INTEGER)} (Number.MAX_SAFE_INTEGER, the largest block number)`, value);
  }
  return number;
}

/** DATA; with `length`, exactly that many bytes. */
export function parseData(value: unknown, index: number, name: string, length?: number): Uint8Array {
  const expected = length === undefined ? '0x-prefixed hex bytes (an even number of hex digits)' : `${length} bytes as 0x-prefixed hex`;
  const bytes = tryParseHex(value, { length });
  if (bytes === undefined) throw invalidParam(index, name, expected, value);
  return bytes;
}
