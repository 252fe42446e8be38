/**
 * SHA-256 (FIPS 180-4 §6.2) for the core: one-shot over a byte range (sha256Unsafe), and an
 * incremental context (init / update / final) that expand_message_xmd (./expand.ts) and the streamed
 * exports (./api.ts) feed piece by piece. The compression function is ./sha256-rounds.ts, generated
 * by ./generate.mjs with every round written out (round constants inline, working variables renamed
 * rather than moved, the message schedule in a ring of 16 locals); big-endian words are read with a
 * plain load and a byte swap.
 *
 * Context layout (SHA256_CONTEXT_BYTES = 112, 16-aligned by the caller's memory.data):
 *   [0, 32)    state H0..H7, native-endian u32;
 *   [32, 96)   the partial block not yet compressed;
 *   [96, 100)  how many bytes of that block are filled (0..63);
 *   [104, 112) total message length in bytes, u64.
 * Nothing here checks ranges: callers pass pointers they own (the checked entry points are in api.ts).
 */
import { sha256Blocks } from './sha256-rounds';
import { SHA256_IV } from './constants';

export const SHA256_DIGEST_BYTES: i32 = 32;
export const SHA256_BLOCK_BYTES: i32 = 64;
export const SHA256_CONTEXT_BYTES: i32 = 112;

const BUFFER: usize = 32;
const FILLED: usize = 96;
const TOTAL: usize = 104;

/** Context of the one-shot hash. */
const ONE_SHOT: usize = memory.data(SHA256_CONTEXT_BYTES, 16);

/** Starts a context from the standard initial hash value. */
export function sha256Init(ctx: usize): void {
  memory.copy(ctx, SHA256_IV, 32);
  store<u32>(ctx + FILLED, 0);
  store<u64>(ctx + TOTAL, 0);
}

/**
 * Starts a context from a given state that has already absorbed `absorbed` bytes (a multiple of 64):
 * expand_message_xmd starts from the state after its all-zero first block.
 */
export function sha256InitFrom(ctx: usize, state: usize, absorbed: u64): void {
  memory.copy(ctx, state, 32);
  store<u32>(ctx + FILLED, 0);
  store<u64>(ctx + TOTAL, absorbed);
}

/** Absorbs `length` bytes at `data` (any length, including 0). */
export function sha256Update(ctx: usize, data: usize, length: i32): void {
  if (length <= 0) return;
  store<u64>(ctx + TOTAL, load<u64>(ctx + TOTAL) + <u64>length);
  let filled = <i32>load<u32>(ctx + FILLED);
  if (filled > 0) {
    const take = min(SHA256_BLOCK_BYTES - filled, length);
    memory.copy(ctx + BUFFER + <usize>filled, data, <usize>take);
    filled += take;
    data += <usize>take;
    length -= take;
    if (filled < SHA256_BLOCK_BYTES) {
      store<u32>(ctx + FILLED, <u32>filled);
      return;
    }
    sha256Blocks(ctx, ctx + BUFFER, 1);
  }
  const blocks = length >> 6;
  if (blocks > 0) {
    sha256Blocks(ctx, data, blocks);
    data += <usize>blocks << 6;
    length &= SHA256_BLOCK_BYTES - 1;
  }
  memory.copy(ctx + BUFFER, data, <usize>length);
  store<u32>(ctx + FILLED, <u32>length);
}

/** Pads, compresses the last block(s) and writes the 32-byte digest to `out` (the context is spent). */
export function sha256Final(ctx: usize, out: usize): void {
  const filled = <usize>load<u32>(ctx + FILLED);
  const block = ctx + BUFFER;
  store<u8>(block + filled, 0x80);
  if (filled + 1 > 56) {
    memory.fill(block + filled + 1, 0, 63 - filled);
    sha256Blocks(ctx, block, 1);
    memory.fill(block, 0, 56);
  } else {
    memory.fill(block + filled + 1, 0, 55 - filled);
  }
  store<u64>(block + 56, bswap<u64>(load<u64>(ctx + TOTAL) << 3));
  sha256Blocks(ctx, block, 1);
  for (let i: usize = 0; i < 8; i++) store<u32>(out + (i << 2), bswap<u32>(load<u32>(ctx + (i << 2))));
}

/** out32 = SHA-256 of the `length` bytes at `data`. out32 may overlap data. */
export function sha256Unsafe(out32: usize, data: usize, length: i32): void {
  sha256Init(ONE_SHOT);
  sha256Update(ONE_SHOT, data, length);
  sha256Final(ONE_SHOT, out32);
}
