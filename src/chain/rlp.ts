/**
 * Recursive Length Prefix encoding (Ethereum Yellow Paper, appendix B), strict: the decoder accepts only
 * the canonical encoding — a single byte below 0x80 is never wrapped, long-form lengths are above 55
 * and have no leading zero byte, and the input is consumed exactly. Canonical integers (no leading zero
 * bytes, zero as the empty string) are checked by `rlpToBigInt`.
 *
 * Used for transactions (src/chain/transaction.ts) and block headers (src/chain/block.ts); the
 * WebAssembly core has its own encoder for the transactions trie. An integer is encoded as its minimal
 * big-endian bytes, `bigIntToBytes` of src/bytes (re-exported here as RLP's integer encoding).
 */
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../bytes/index.js';

export { bigIntToBytes };

export type RlpItem = Uint8Array | RlpItem[];

export class RlpError extends Error {
  override name = 'RlpError';
}

/** Encodes an item (a byte string or a list of items). */
export function rlpEncode(item: RlpItem): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(item, parts);
  return concatBytes(parts);
}

function encodeInto(item: RlpItem, parts: Uint8Array[]): number {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) {
      parts.push(item);
      return 1;
    }
    const header = lengthPrefix(0x80, item.length);
    parts.push(header, item);
    return header.length + item.length;
  }
  const headerIndex = parts.length;
  parts.push(new Uint8Array(0)); // placeholder for the list header
  let payload = 0;
  for (const child of item) payload += encodeInto(child, parts);
  const header = lengthPrefix(0xc0, payload);
  parts[headerIndex] = header;
  return header.length + payload;
}

function lengthPrefix(offset: number, length: number): Uint8Array {
  if (length <= 55) return Uint8Array.of(offset + length);
  const lengthBytes = bigIntToBytes(BigInt(length));
  return Uint8Array.of(offset + 55 + lengthBytes.length, ...lengthBytes);
}

/**
 * How deeply lists may nest in decoded input. Nothing DST decodes nests deeper than 4 (a typed
 * transaction's access list: [fields…, [[address, [keys…]]]]); the bound keeps crafted input — a 130 KB
 * transaction of 5,000 nested lists once overflowed the stack — a typed rejection instead.
 */
export const RLP_MAX_DEPTH = 16;

/** Decodes exactly one item that spans all of `bytes`; lists nest at most `RLP_MAX_DEPTH` deep. */
export function rlpDecode(bytes: Uint8Array): RlpItem {
  const item = decodeAt(bytes, 0, bytes.length, 0);
  if (itemEnd !== bytes.length) {
    throw new RlpError(`RLP: ${bytes.length - itemEnd} trailing bytes after the item (item ends at ${itemEnd} of ${bytes.length})`);
  }
  return item;
}

// What decodeAt and readLength found besides their return value. Decoding is synchronous and does not
// re-enter itself from outside, so module state serves, saving a tuple per item (issue 16: decoding a
// transaction allocated two small arrays per field).
/** Where the item decodeAt last returned ends. */
let itemEnd = 0;
/** The payload start readLength last found (its return value is the payload length). */
let payloadStart = 0;

function decodeAt(bytes: Uint8Array, offset: number, limit: number, depth: number): RlpItem {
  if (offset >= limit) throw new RlpError(`RLP: input ends at ${offset}, an item was expected`);
  const prefix = bytes[offset]!;
  if (prefix < 0x80) {
    itemEnd = offset + 1;
    return bytes.subarray(offset, offset + 1);
  }
  if (prefix < 0xc0) {
    const length = readLength(bytes, offset, limit, 0x80);
    const start = payloadStart;
    if (length === 1 && bytes[start]! < 0x80) {
      throw new RlpError(`RLP: non-canonical single byte 0x${bytes[start]!.toString(16).padStart(2, '0')} at ${offset}`);
    }
    itemEnd = start + length;
    return bytes.subarray(start, start + length);
  }
  if (depth >= RLP_MAX_DEPTH) throw new RlpError(`RLP: lists nested more than ${RLP_MAX_DEPTH} deep at ${offset}`);
  const length = readLength(bytes, offset, limit, 0xc0);
  const end = payloadStart + length;
  const items: RlpItem[] = [];
  let cursor = payloadStart;
  while (cursor < end) {
    items.push(decodeAt(bytes, cursor, end, depth + 1));
    cursor = itemEnd;
  }
  itemEnd = end;
  return items;
}

/** Reads a string or list header at `offset`: returns the payload length, its start in `payloadStart`. */
function readLength(bytes: Uint8Array, offset: number, limit: number, base: 0x80 | 0xc0): number {
  const prefix = bytes[offset]!;
  const short = prefix - base;
  if (short <= 55) {
    const start = offset + 1;
    if (start + short > limit) throw truncated(offset, short, limit - start);
    payloadStart = start;
    return short;
  }
  const lengthOfLength = short - 55;
  if (offset + 1 + lengthOfLength > limit) throw truncated(offset, lengthOfLength, limit - offset - 1);
  if (bytes[offset + 1] === 0) throw new RlpError(`RLP: length with a leading zero byte at ${offset}`);
  let length = 0;
  for (let i = 0; i < lengthOfLength; i++) {
    length = length * 256 + bytes[offset + 1 + i]!;
    if (length > Number.MAX_SAFE_INTEGER / 256) throw new RlpError(`RLP: length too large at ${offset}`);
  }
  if (length <= 55) throw new RlpError(`RLP: long-form length ${length} should be short-form at ${offset}`);
  const start = offset + 1 + lengthOfLength;
  if (start + length > limit) throw truncated(offset, length, limit - start);
  payloadStart = start;
  return length;
}

function truncated(offset: number, wanted: number, available: number): RlpError {
  return new RlpError(`RLP: item at ${offset} needs ${wanted} bytes, only ${Math.max(0, available)} remain`);
}

/**
 * A canonical RLP integer of at most `maxBytes` bytes: a byte string with no leading zero byte
 * (zero is the empty string). `field` names the value in error messages.
 */
export function rlpToBigInt(item: RlpItem | undefined, field: string, maxBytes = 32): bigint {
  if (!(item instanceof Uint8Array)) throw new RlpError(`${field}: expected an integer, got a list`);
  if (item.length > maxBytes) throw new RlpError(`${field}: integer of ${item.length} bytes exceeds ${maxBytes}`);
  if (item.length > 0 && item[0] === 0) throw new RlpError(`${field}: integer with a leading zero byte`);
  return bytesToBigInt(item);
}

/**
 * A canonical RLP integer of at most `maxBytes` bytes that must be a safe integer, as a number: an
 * RlpError says so when it is above Number.MAX_SAFE_INTEGER (block numbers, src/chain/block.ts).
 */
export function rlpToSafeInteger(item: RlpItem | undefined, field: string, maxBytes = 8): number {
  const value = rlpToBigInt(item, field, maxBytes);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RlpError(`${field}: ${value} is above Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}), the largest value it may have`);
  }
  return Number(value);
}
