/**
 * Input checks for the `dst/wasm` boundary, in the noble style: a message says what was expected and
 * what came.
 */

/** Describes a value for an error message without dumping large buffers. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array of ${value.length} bytes`;
  if (typeof value === 'bigint') {
    const bits = (value < 0n ? -value : value).toString(2).length;
    return bits > 64 ? `bigint of ${bits} bits${value < 0n ? ' (negative)' : ''}` : `bigint ${value}`;
  }
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value === null) return 'null';
  return `${typeof value} ${String(value)}`;
}

export function assertBytes(name: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name}: expected a Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
}
