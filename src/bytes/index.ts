/**
 * `src/bytes`: bytes, hex and integers converted one way in one place, and the input checks every
 * folder's public functions share. It sits below everything (docs/architecture.md §2): it imports nothing from
 * src/, and every folder may import it.
 *
 * - hex: `hex` (lower-case, no prefix), `prefixedHex` (`0x…`), `parseHex` and `tryParseHex` (strict, with
 *   a `HexFormat`: prefix, length, case);
 * - integers: `bigIntToBytes` (big-endian, minimal or fixed width), `bytesToBigInt`;
 * - byte strings: `concatBytes`, `equalBytes`;
 * - checks: `describe`, `describeJson`, `assertBytes`, `assertInteger`, `assertArray`.
 */
export { hex, parseHex, prefixedHex, tryParseHex, type HexFormat } from './hex.js';
export { bigIntToBytes, bytesToBigInt } from './integer.js';
export { concatBytes, equalBytes } from './bytes.js';
export { assertArray, assertBytes, assertInteger, describe, describeJson, type ArrayExpectation } from './assert.js';
