/**
 * The few RLP encodings the transactions trie needs, written straight into linear memory (Ethereum
 * Yellow Paper, appendix B): the header of a byte string or of a list whose length is known.
 * Each writer returns the number of bytes it wrote.
 */

/** Number of bytes of `value` written big-endian without leading zeros (value > 0). */
@inline
export function byteLength(value: u32): i32 {
  return 4 - (<i32>clz(value) >> 3);
}

/** Writes `value` big-endian in `bytes` bytes at `out`. */
@inline
function writeBigEndian(out: usize, value: u32, bytes: i32): void {
  for (let i = bytes - 1; i >= 0; i--) {
    store<u8>(out + <usize>i, <u8>value);
    value >>= 8;
  }
}

/**
 * Length of the header that precedes a string or list payload of `length` bytes: 1 below 56 bytes,
 * otherwise 1 plus the length's own byte count.
 */
@inline
export function headerLength(length: u32): i32 {
  return length < 56 ? 1 : 1 + byteLength(length);
}

/** Writes the header of a payload of `length` bytes with base `0x80` (strings) or `0xc0` (lists). */
function writeHeader(out: usize, length: u32, base: u8): i32 {
  if (length < 56) {
    store<u8>(out, base + <u8>length);
    return 1;
  }
  const bytes = byteLength(length);
  store<u8>(out, base + 55 + <u8>bytes);
  writeBigEndian(out + 1, length, bytes);
  return 1 + bytes;
}

/** Writes the header of a list whose items take `length` bytes. */
export function writeListHeader(out: usize, length: u32): i32 {
  return writeHeader(out, length, 0xc0);
}

/**
 * Writes the header of the byte string whose first byte is `first` and whose length is `length`:
 * nothing for a single byte below 0x80, which is its own encoding.
 */
export function writeStringHeader(out: usize, length: u32, first: u8): i32 {
  if (length == 1 && first < 0x80) return 0;
  return writeHeader(out, length, 0x80);
}

/** Length of the header `writeStringHeader` writes. */
export function stringHeaderLength(length: u32, first: u8): i32 {
  if (length == 1 && first < 0x80) return 0;
  return headerLength(length);
}
