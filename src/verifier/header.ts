/**
 * A fast path for decoding a block header (README "Formats", src/chain/block.ts): the RLP list of the
 * 7 header fields `[chainId, number, parentHash, timestampMs, proposer, transactionsRoot,
 * transactionCount]`, each integer the canonical RLP of its minimal big-endian bytes (Ethereum Yellow
 * Paper, appendix B), each hash a 32-byte string.
 *
 * `decodeCanonicalHeader(bytes)` reads exactly that shape in one pass without building RLP items or
 * going through bigint for small integers, and returns the header only when the bytes are the
 * canonical encoding of a header that src/chain's `decodeHeader` also accepts (so `encodeHeader` of
 * it gives back the same bytes): the list header is the short form for a payload of at most 55 bytes
 * and `0xf8 len` above; a single byte below 0x80 stands for itself and is never wrapped; integers have
 * no leading zero byte (zero is the empty string); a number is at most 8 bytes and a safe integer,
 * a timestamp at most 8 bytes, the proposer and transaction count at most 4 bytes, the chain id at
 * most 32. Anything else — including every malformed header — gives `undefined`, and the caller
 * falls back to `decodeHeader` and the re-encoding check, which name what is wrong. The hashes are
 * views into `bytes`, as `decodeHeader`'s are. test/verifier/header.test.ts checks it against
 * `decodeHeader` on real headers and on every single-byte change of them.
 */
import type { BlockHeader } from '../chain/block.js';

const HASH_BYTES = 32;

/** The canonical header at `bytes`, or undefined when it is not one (or not on the fast path). */
export function decodeCanonicalHeader(bytes: Uint8Array): BlockHeader | undefined {
  const total = bytes.length;
  if (total < 2) return undefined;
  const prefix = bytes[0]!;
  let at: number;
  if (prefix >= 0xc0 && prefix <= 0xf7) {
    if (prefix - 0xc0 !== total - 1) return undefined;
    at = 1;
  } else if (prefix === 0xf8) {
    const payload = bytes[1]!;
    if (payload <= 55 || payload !== total - 2) return undefined;
    at = 2;
  } else {
    return undefined;
  }
  const reader = { bytes, at };
  const chainId = bigField(reader, 32);
  if (chainId === undefined) return undefined;
  const number = smallField(reader, 8);
  if (number === undefined || number > Number.MAX_SAFE_INTEGER) return undefined;
  const parentHash = hashField(reader);
  if (parentHash === undefined) return undefined;
  const timestampMs = bigField(reader, 8);
  if (timestampMs === undefined) return undefined;
  const proposer = smallField(reader, 4);
  if (proposer === undefined) return undefined;
  const transactionsRoot = hashField(reader);
  if (transactionsRoot === undefined) return undefined;
  const transactionCount = smallField(reader, 4);
  if (transactionCount === undefined || reader.at !== total) return undefined;
  return { chainId, number, parentHash, timestampMs, proposer, transactionsRoot, transactionCount };
}

interface Reader {
  bytes: Uint8Array;
  at: number;
}

/**
 * The [start, length] of the canonical RLP integer at the reader (at most `maxBytes` bytes, at most
 * 55 so always the short form), advancing past it; undefined if it is not one.
 */
function integerSpan(reader: Reader, maxBytes: number): [number, number] | undefined {
  const { bytes, at } = reader;
  if (at >= bytes.length) return undefined;
  const prefix = bytes[at]!;
  if (prefix < 0x80) {
    if (prefix === 0) return undefined; // the integer 0 is the empty string, not 0x00
    reader.at = at + 1;
    return [at, 1];
  }
  const length = prefix - 0x80;
  if (length > maxBytes || at + 1 + length > bytes.length) return undefined;
  if (length > 0) {
    const first = bytes[at + 1]!;
    if (first === 0) return undefined; // leading zero byte
    if (length === 1 && first < 0x80) return undefined; // a single byte below 0x80 is not wrapped
  }
  reader.at = at + 1 + length;
  return [at + 1, length];
}

/** A canonical integer of at most `maxBytes` (≤ 8) bytes as a number; above 2^53 it may round, callers bound it. */
function smallField(reader: Reader, maxBytes: number): number | undefined {
  const span = integerSpan(reader, maxBytes);
  if (span === undefined) return undefined;
  const [start, length] = span;
  const { bytes } = reader;
  if (length > 7) {
    // 8 bytes are at least 2^56, above Number.MAX_SAFE_INTEGER: return something larger than it.
    return Number.POSITIVE_INFINITY;
  }
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + bytes[start + i]!;
  return value;
}

/** A canonical integer of at most `maxBytes` bytes as a bigint. */
function bigField(reader: Reader, maxBytes: number): bigint | undefined {
  const span = integerSpan(reader, maxBytes);
  if (span === undefined) return undefined;
  const [start, length] = span;
  const { bytes } = reader;
  if (length <= 6) {
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + bytes[start + i]!;
    return BigInt(value);
  }
  let value = 0n;
  for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(bytes[start + i]!);
  return value;
}

/** A 32-byte string (0xa0 ‖ 32 bytes) as a view into the header; undefined if it is not one. */
function hashField(reader: Reader): Uint8Array | undefined {
  const { bytes, at } = reader;
  if (at + 1 + HASH_BYTES > bytes.length || bytes[at] !== 0x80 + HASH_BYTES) return undefined;
  reader.at = at + 1 + HASH_BYTES;
  return bytes.subarray(at + 1, at + 1 + HASH_BYTES);
}
