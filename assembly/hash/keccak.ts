/**
 * keccak-256 (Ethereum's Keccak, not SHA3-256) exported to the TypeScript wrapper: one message, one
 * message streamed in chunks, a batch of messages hashed in one call (two at a time, with the 2-way
 * SIMD sponge), and a pair of prefixed messages (the 2-way sponge as the trie calls it, exported for
 * its tests). The permutation and the sponges are in ./sponge.ts and ./sponge-x2.ts; this file owns the memory regions and checks every length and offset it
 * is handed, so a bad call returns a negative status instead of reading outside its regions.
 *
 * Memory regions (fixed at compile time, see src/wasm/core.ts for the contract):
 * - input (KECCAK_INPUT_CAPACITY bytes): the message, a chunk of a streamed message, or the packed
 *   messages of a batch;
 * - batch offsets and lengths (u32 each, KECCAK_BATCH_MAX_MESSAGES entries): where message i lies in
 *   the input region;
 * - output (32 bytes × KECCAK_BATCH_MAX_MESSAGES): digest i at i·32; a single digest at 0;
 * - pair prefixes (2 × 136 bytes): where `keccak256Pair` moves the prefixes of its two messages, so
 *   the 2-way sponge reads each prefix apart from the rest of its message, as the trie's leaves are.
 *
 * Status codes: 0 success; the negative values below name what was wrong.
 */
import { absorbBlocks, absorbLastAndDigest, keccak256Into, DIGEST_BYTES, RATE, STATE_BYTES } from './sponge';
import { keccak256PrefixedX2 } from './sponge-x2';

/**
 * 1 MiB: big enough that a streamed message crosses the boundary once per MiB (the copy in is then
 * a small fraction of the hashing) and that a batch of a block's transaction-sized messages fits in
 * one call; small enough to keep the module's memory modest.
 */
const KECCAK_INPUT_CAPACITY: i32 = 1 << 20;
/** 16,384 messages per batch call: 1,000 × 64-byte messages fit many times; the output is 512 KiB. */
const KECCAK_BATCH_MAX_MESSAGES: i32 = 1 << 14;

const KECCAK_OK: i32 = 0;
/** A length is negative or larger than the input region. */
const KECCAK_ERR_LENGTH: i32 = -1;
/** A streamed chunk that is not the last is not a whole number of 136-byte blocks. */
const KECCAK_ERR_NOT_BLOCKS: i32 = -2;
/** A batch message lies (partly) outside the input region. */
const KECCAK_ERR_MESSAGE_RANGE: i32 = -3;
/** A batch count is negative or above KECCAK_BATCH_MAX_MESSAGES. */
const KECCAK_ERR_COUNT: i32 = -4;
/** A pair's prefix length is negative, at least RATE or longer than its message. */
const KECCAK_ERR_PREFIX: i32 = -5;

const INPUT: usize = memory.data(KECCAK_INPUT_CAPACITY, 16);
const BATCH_OFFSETS: usize = memory.data(KECCAK_BATCH_MAX_MESSAGES * 4, 16);
const BATCH_LENGTHS: usize = memory.data(KECCAK_BATCH_MAX_MESSAGES * 4, 16);
const OUTPUT: usize = memory.data(KECCAK_BATCH_MAX_MESSAGES * DIGEST_BYTES, 16);
const PAIR_PREFIXES: usize = memory.data(2 * RATE, 16);
/** The sponge state of the message being streamed, kept between calls. */
const STREAM_STATE: usize = memory.data(STATE_BYTES, 16);

export function keccakInputOffset(): usize {
  return INPUT;
}
export function keccakInputCapacity(): i32 {
  return KECCAK_INPUT_CAPACITY;
}
export function keccakBatchOffsetsOffset(): usize {
  return BATCH_OFFSETS;
}
export function keccakBatchLengthsOffset(): usize {
  return BATCH_LENGTHS;
}
export function keccakBatchMaxMessages(): i32 {
  return KECCAK_BATCH_MAX_MESSAGES;
}
export function keccakOutputOffset(): usize {
  return OUTPUT;
}
export function keccakRate(): i32 {
  return RATE;
}

/** keccak-256 of the first `length` bytes of the input region; the digest goes to the output region. */
export function keccak256(length: i32): i32 {
  if (length < 0 || length > KECCAK_INPUT_CAPACITY) return KECCAK_ERR_LENGTH;
  keccak256Into(INPUT, length, OUTPUT);
  return KECCAK_OK;
}

/** Starts a streamed message: resets the stream's sponge state. */
export function keccakStreamStart(): void {
  memory.fill(STREAM_STATE, 0, STATE_BYTES);
}

/** Absorbs the first `length` bytes of the input region, a whole number of 136-byte blocks. */
export function keccakStreamAbsorb(length: i32): i32 {
  if (length < 0 || length > KECCAK_INPUT_CAPACITY) return KECCAK_ERR_LENGTH;
  if (length % RATE != 0) return KECCAK_ERR_NOT_BLOCKS;
  absorbBlocks(STREAM_STATE, INPUT, length / RATE);
  return KECCAK_OK;
}

/** Absorbs the last chunk (`length` bytes, any number) and writes the digest to the output region. */
export function keccakStreamFinish(length: i32): i32 {
  if (length < 0 || length > KECCAK_INPUT_CAPACITY) return KECCAK_ERR_LENGTH;
  absorbLastAndDigest(STREAM_STATE, INPUT, length, OUTPUT);
  return KECCAK_OK;
}

/**
 * Hashes `count` messages of the input region, message i being `lengths[i]` bytes at `offsets[i]`,
 * and writes digest i at `output + 32·i`. Every range is checked before anything is hashed.
 */
export function keccak256Batch(count: i32): i32 {
  if (count < 0 || count > KECCAK_BATCH_MAX_MESSAGES) return KECCAK_ERR_COUNT;
  for (let i = 0; i < count; i++) {
    const offset = load<u32>(BATCH_OFFSETS + (<usize>i << 2));
    const length = load<u32>(BATCH_LENGTHS + (<usize>i << 2));
    if (<u64>offset + <u64>length > <u64>KECCAK_INPUT_CAPACITY) return KECCAK_ERR_MESSAGE_RANGE;
  }
  // Consecutive messages two at a time; a longer one of a pair is finished alone (./sponge-x2.ts).
  let i = 0;
  for (; i + 1 < count; i += 2) {
    const a = INPUT + <usize>load<u32>(BATCH_OFFSETS + (<usize>i << 2));
    const b = INPUT + <usize>load<u32>(BATCH_OFFSETS + (<usize>(i + 1) << 2));
    const lengthA = <i32>load<u32>(BATCH_LENGTHS + (<usize>i << 2));
    const lengthB = <i32>load<u32>(BATCH_LENGTHS + (<usize>(i + 1) << 2));
    keccak256PrefixedX2(a, 0, a, lengthA, OUTPUT + (<usize>i << 5), b, 0, b, lengthB, OUTPUT + (<usize>(i + 1) << 5));
  }
  if (i < count) {
    const offset = load<u32>(BATCH_OFFSETS + (<usize>i << 2));
    const length = load<u32>(BATCH_LENGTHS + (<usize>i << 2));
    keccak256Into(INPUT + <usize>offset, <i32>length, OUTPUT + (<usize>i << 5));
  }
  return KECCAK_OK;
}

/**
 * keccak-256 of two messages of the input region at once (the 2-way sponge of ./sponge-x2.ts):
 * message A is `lengthA` bytes at `offsetA`, of which the first `prefixLengthA` (< 136) are moved
 * to the pair-prefix region and hashed from there, then the rest where it lies; likewise B. Digest
 * A goes to output 0, B to output 32. Both ranges are checked first.
 */
export function keccak256Pair(offsetA: i32, lengthA: i32, prefixLengthA: i32, offsetB: i32, lengthB: i32, prefixLengthB: i32): i32 {
  if (lengthA < 0 || lengthB < 0) return KECCAK_ERR_LENGTH;
  if (offsetA < 0 || offsetB < 0 || <u64>offsetA + <u64>lengthA > <u64>KECCAK_INPUT_CAPACITY || <u64>offsetB + <u64>lengthB > <u64>KECCAK_INPUT_CAPACITY) {
    return KECCAK_ERR_MESSAGE_RANGE;
  }
  if (prefixLengthA < 0 || prefixLengthA >= RATE || prefixLengthA > lengthA) return KECCAK_ERR_PREFIX;
  if (prefixLengthB < 0 || prefixLengthB >= RATE || prefixLengthB > lengthB) return KECCAK_ERR_PREFIX;
  const a = INPUT + <usize>offsetA;
  const b = INPUT + <usize>offsetB;
  memory.copy(PAIR_PREFIXES, a, prefixLengthA);
  memory.copy(PAIR_PREFIXES + RATE, b, prefixLengthB);
  keccak256PrefixedX2(
    PAIR_PREFIXES, prefixLengthA, a + <usize>prefixLengthA, lengthA - prefixLengthA, OUTPUT,
    PAIR_PREFIXES + RATE, prefixLengthB, b + <usize>prefixLengthB, lengthB - prefixLengthB, OUTPUT + DIGEST_BYTES,
  );
  return KECCAK_OK;
}
