/**
 * Hex text of bytes, both ways. Two spellings are written: `hex`, lower-case without a prefix (the
 * pool's and the store's keys for hashes and addresses), and `prefixedHex`, `0x` + lower-case (JSON-RPC
 * DATA, the cluster lock's byte strings, log fields, error messages). Reading is strict: `parseHex`
 * decodes hex of a given `HexFormat` (prefix, length, case) or throws naming the input, the format
 * and what came; `tryParseHex` gives undefined instead, for a caller whose error says more (a JSON-RPC
 * parameter, a key file). The text is checked once, then Node's `Buffer` decodes it (a native loop);
 * Buffer is never handed unchecked text, since it stops silently at the first bad digit and reads
 * some non-ASCII characters as digits. Where there is no Buffer (a browser running dst-sequencer/verifier), a
 * table-driven loop does the same.
 */
import { describeJson } from './assert.js';

/** Node's Buffer when this runs in Node; undefined in a browser. */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`, no prefix. */
export function hex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  let text = '';
  for (const byte of bytes) text += BYTE_HEX[byte];
  return text;
}

/** `0x` followed by the lower-case hex of `bytes` (`0x` alone for no bytes). */
export function prefixedHex(bytes: Uint8Array): string {
  return `0x${hex(bytes)}`;
}

/** How a hex text is written. */
export interface HexFormat {
  /** `0x` in front: required (the default), or `false` for none. */
  readonly prefix?: boolean;
  /** Exactly this many bytes; any whole number of bytes (none included) when absent. */
  readonly length?: number;
  /** Lower-case digits only; either case when absent. */
  readonly lowerCase?: boolean;
}

const ANY_CASE = /^(?:[0-9a-fA-F]{2})*$/;
const LOWER_CASE = /^(?:[0-9a-f]{2})*$/;

/** The bytes `value` spells in `format`, or undefined when it is not a string of hex in that format. */
export function tryParseHex(value: unknown, format: HexFormat = {}): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined;
  const start = format.prefix === false ? 0 : 2;
  if (start === 2 && !value.startsWith('0x')) return undefined;
  if (format.length !== undefined && value.length !== start + 2 * format.length) return undefined;
  const digits = start === 0 ? value : value.slice(start);
  return (format.lowerCase ? LOWER_CASE : ANY_CASE).test(digits) ? decodeHexDigits(digits) : undefined;
}

/**
 * The bytes `value` spells in `format`; otherwise a TypeError (not a string) or a RangeError saying
 * `<name>: expected 0x-prefixed lower-case hex of 48 bytes, got "0x12"` (the format in words, the
 * value as JSON).
 */
export function parseHex(name: string, value: unknown, format: HexFormat = {}): Uint8Array {
  const bytes = tryParseHex(value, format);
  if (bytes !== undefined) return bytes;
  const error = typeof value === 'string' ? RangeError : TypeError;
  throw new error(`${name}: expected ${hexFormat(format)}, got ${describeJson(value)}`);
}

function hexFormat(format: HexFormat): string {
  const spelling = `${format.prefix === false ? 'unprefixed' : '0x-prefixed'}${format.lowerCase ? ' lower-case' : ''} hex`;
  return format.length === undefined ? `${spelling} bytes (an even number of hex digits)` : `${spelling} of ${format.length} bytes`;
}

/**
 * Decodes digits the caller has checked or made (an even number of hex digits, no prefix) into a
 * fresh Uint8Array: a copy, not a view of Buffer's shared pool. Not exported from src/bytes.
 */
export function decodeHexDigits(digits: string): Uint8Array {
  const bytes = new Uint8Array(digits.length >> 1);
  if (NodeBuffer) bytes.set(NodeBuffer.from(digits, 'hex'));
  else for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
