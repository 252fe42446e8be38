/**
 * Boundary checks shared by every folder, in the noble style: a message names the input, says what
 * was expected and what came (`keccak256: out: expected 32 bytes, got 31`), never dumping a large
 * buffer or string. `describe` renders a value passed to a function, `describeJson` one read from a
 * JSON text (a file, a request body). Checks that belong to one folder's formats (share indices,
 * signature sets, QBFT messages) stay in that folder and build their messages from these.
 */

/** Longest string `describe` shows whole. */
const MAX_STRING = 64;
/** Longest JSON text `describeJson` shows whole. */
const MAX_JSON = 80;

/** Describes a value for an error message: its type and, when short, the value itself. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array of ${value.length} bytes`;
  if (typeof value === 'bigint') {
    const bits = (value < 0n ? -value : value).toString(2).length;
    return bits > 64 ? `bigint of ${bits} bits${value < 0n ? ' (negative)' : ''}` : `bigint ${value}`;
  }
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' || typeof value === 'function') return typeof value;
  if (typeof value === 'string' && value.length > MAX_STRING) return `string of ${value.length} characters starting ${value.slice(0, MAX_STRING)}`;
  return `${typeof value} ${String(value)}`;
}

/** A value read from JSON as its JSON text, cut to 80 characters (`"0x12"`, `7`, `{"a":1}`). */
export function describeJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return describe(value);
  return text.length > MAX_JSON ? `${text.slice(0, MAX_JSON - 3)}...` : text;
}

/** Throws a TypeError unless `value` is a Uint8Array, a RangeError unless it has `length` bytes (when given). */
export function assertBytes(name: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name}: expected a Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
}

/**
 * Throws a RangeError unless `value` is a safe integer in min..max. Without `max` the message says
 * "a positive integer" (min 1), "a non-negative integer" (min 0) or "an integer ≥ min".
 */
export function assertInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new RangeError(`${name}: expected ${integerRange(min, max)}, got ${describe(value)}`);
  }
}

function integerRange(min: number, max: number): string {
  if (max !== Number.MAX_SAFE_INTEGER) return `an integer in ${min}..${max}`;
  if (min === 1) return 'a positive integer';
  if (min === 0) return 'a non-negative integer';
  return `an integer ≥ ${min}`;
}

/** What `assertArray` expects besides an array: `of` names the items in the message; `nonEmpty` refuses `[]`. */
export interface ArrayExpectation {
  readonly of?: string;
  readonly nonEmpty?: boolean;
}

/**
 * Throws a TypeError unless `value` is an array, a RangeError if it is empty and `nonEmpty` is set:
 * `combine: expected a non-empty array of partial signatures, got array of 0`. Its items are not looked at.
 */
export function assertArray(name: string, value: unknown, expectation: ArrayExpectation = {}): asserts value is readonly unknown[] {
  const isArray = Array.isArray(value);
  if (isArray && !(expectation.nonEmpty && value.length === 0)) return;
  const expected = `${expectation.nonEmpty ? 'a non-empty array' : 'an array'}${expectation.of === undefined ? '' : ` of ${expectation.of}`}`;
  throw new (isArray ? RangeError : TypeError)(`${name}: expected ${expected}, got ${describe(value)}`);
}
