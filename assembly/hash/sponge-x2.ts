/**
 * Two keccak-256 sponges run side by side: Keccak-f[1600] on two independent states at once, lane i of
 * message A in the low 64 bits and lane i of message B in the high 64 bits of one v128, so each
 * WebAssembly SIMD instruction does the step of both (instances in parallel, one per SIMD lane, as
 * the Keccak team's implementation overview describes for SIMD units). Used by ../trie/trie.ts to hash two trie nodes per permutation and by
 * ./keccak.ts for batches; the one-message sponge is ./sponge.ts, whose docblock gives the
 * parameters (FIPS 202 §3 permutation, capacity 512, rate 136, Keccak padding `0x01 … 0x80`).
 *
 * The round is the one of ./sponge.ts without lane complementing: SIMD has an and-not
 * (`v128.andnot`), so χ is `b0 ^ (b2 & ~b1)` in one instruction per lane. There is no 64-bit vector
 * rotate, so ρ and θ's rotations are `shl | shr_u` by constants (the two by 8 and 56 bits are one
 * byte shuffle each).
 *
 * Speed, measured in V8 (Node 20, x64, CPU time, alternatives interleaved in one process): one
 * permutation of two states takes ~515-550 ns against ~355-375 ns for one scalar permutation
 * (./sponge.ts), so two messages cost ~1.33x less than two scalar runs. That is about the ceiling
 * here: V8 emits 184 vector ALU instructions per round, and x64 has three vector ALU ports against
 * ~140 instructions on four integer ports for the scalar round. Tried and not kept (no gain within
 * the noise): χ row by row with θ's parities summed as the lanes come, two rounds per iteration
 * (slower), rotation by 1 as `add | shr_u`, and a third message in scalar code in the same loop.
 *
 * The two messages may differ in length. Both are absorbed together for as many blocks as the shorter
 * one has; the shorter one's digest is then taken from its half, and the rest of the longer one goes
 * to the scalar sponge (one message per permutation is faster in scalar code than in a half-empty
 * vector). Callers that can choose should pair messages of the same number of blocks.
 *
 * Memory: no allocation. Each message is `prefix ‖ data` (the prefix under one block); its first
 * block (prefix and the start of data) and its padded last block are gathered into fixed 136-byte
 * blocks below, and the blocks between are read where they lie (unaligned 64-bit loads, as
 * WebAssembly allows). A plain message is one with `prefixLength` 0.
 */
import { absorbBlocks, DIGEST_BYTES, RATE, ROUND_CONSTANTS, STATE_BYTES } from './sponge';

/** First and padded last block of message A, then of message B. */
const HEAD_A: usize = memory.data(RATE, 16);
const TAIL_A: usize = memory.data(RATE, 16);
const HEAD_B: usize = memory.data(RATE, 16);
const TAIL_B: usize = memory.data(RATE, 16);
/** The scalar state the longer message is finished in. */
const REST_STATE: usize = memory.data(STATE_BYTES, 16);

/**
 * Copies `length` bytes (at most a block) 8 at a time, then the rest byte by byte: at these sizes a
 * word loop is cheaper than `memory.copy`, which V8 runs as a call.
 */
@inline
function copyShort(out: usize, from: usize, length: i32): void {
  let i = 0;
  for (; i + 8 <= length; i += 8) store<u64>(out + <usize>i, load<u64>(from + <usize>i));
  for (; i < length; i++) store<u8>(out + <usize>i, load<u8>(from + <usize>i));
}

/** Zeroes the block at `block` from byte `length` on and adds the Keccak padding `0x01 … 0x80`. */
@inline
function pad(block: usize, length: i32): void {
  let i = length;
  for (; i & 7; i++) store<u8>(block + <usize>i, 0);
  for (; i < RATE; i += 8) store<u64>(block + <usize>i, 0);
  store<u8>(block + <usize>length, 0x01);
  store<u8>(block + RATE - 1, load<u8>(block + RATE - 1) | 0x80);
}

/**
 * Gathers the first and padded last block of `prefix ‖ data` into `head` and `tail` and returns the
 * number of blocks (the padding always adds one byte, so it is `length / RATE + 1`). With one block
 * the whole padded message is in `head`; the blocks between head and tail start at
 * `data + RATE - prefixLength`.
 */
function gather(prefix: usize, prefixLength: i32, data: usize, length: i32, head: usize, tail: usize): i32 {
  const total = prefixLength + length;
  const blocks = total / RATE + 1;
  copyShort(head, prefix, prefixLength);
  if (blocks == 1) {
    copyShort(head + <usize>prefixLength, data, length);
    pad(head, total);
  } else {
    copyShort(head + <usize>prefixLength, data, RATE - prefixLength);
    const lastLength = total - (blocks - 1) * RATE;
    copyShort(tail, data + <usize>((blocks - 1) * RATE - prefixLength), lastLength);
    pad(tail, lastLength);
  }
  return blocks;
}

/** Block `k` of a gathered message of `blocks` blocks whose middle blocks start at `middle`. */
@inline
function blockAt(k: i32, blocks: i32, head: usize, middle: usize, tail: usize): usize {
  return k == 0 ? head : k == blocks - 1 ? tail : middle + <usize>((k - 1) * RATE);
}

/** Lane `offset / 8` of the blocks at `a` (low half) and `b` (high half). */
@inline
function lanes(a: usize, b: usize, offset: usize): v128 {
  return v128.load64_lane(b + offset, v128.load64_zero(a + offset), 1);
}

/** Both 64-bit halves rotated left by `n` (1..63): shift left, shift right, or. */
@inline
function rotl2(x: v128, n: i32): v128 {
  return v128.or(i64x2.shl(x, n), i64x2.shr_u(x, 64 - n));
}

/** Both halves rotated left by 8 bits, one byte shuffle (little-endian lanes). */
@inline
function rotl8(x: v128): v128 {
  return i8x16.shuffle(x, x, 7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12, 13, 14);
}

/** Both halves rotated left by 56 (right by 8). */
@inline
function rotr8(x: v128): v128 {
  return i8x16.shuffle(x, x, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8);
}

/**
 * keccak-256 of `prefixA ‖ dataA` to `outA` and of `prefixB ‖ dataB` to `outB` (each prefix under
 * RATE bytes, either may be empty; the outputs may not overlap the inputs of the other message).
 */
export function keccak256PrefixedX2(
  prefixA: usize, prefixLengthA: i32, dataA: usize, lengthA: i32, outA: usize,
  prefixB: usize, prefixLengthB: i32, dataB: usize, lengthB: i32, outB: usize,
): void {
  const blocksA = gather(prefixA, prefixLengthA, dataA, lengthA, HEAD_A, TAIL_A);
  const blocksB = gather(prefixB, prefixLengthB, dataB, lengthB, HEAD_B, TAIL_B);
  const middleA = dataA + <usize>(RATE - prefixLengthA);
  const middleB = dataB + <usize>(RATE - prefixLengthB);
  const together = min(blocksA, blocksB);
  const zero = i64x2.splat(0);
  let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero;
  let a5 = zero, a6 = zero, a7 = zero, a8 = zero, a9 = zero;
  let a10 = zero, a11 = zero, a12 = zero, a13 = zero, a14 = zero;
  let a15 = zero, a16 = zero, a17 = zero, a18 = zero, a19 = zero;
  let a20 = zero, a21 = zero, a22 = zero, a23 = zero, a24 = zero;
  let c0: v128, c1: v128, c2: v128, c3: v128, c4: v128;
  let d0: v128, d1: v128, d2: v128, d3: v128, d4: v128;
  let b0: v128, b1: v128, b2: v128, b3: v128, b4: v128;
  let b5: v128, b6: v128, b7: v128, b8: v128, b9: v128;
  let b10: v128, b11: v128, b12: v128, b13: v128, b14: v128;
  let b15: v128, b16: v128, b17: v128, b18: v128, b19: v128;
  let b20: v128, b21: v128, b22: v128, b23: v128, b24: v128;
  for (let k = 0; k < together; k++) {
    const pa = blockAt(k, blocksA, HEAD_A, middleA, TAIL_A);
    const pb = blockAt(k, blocksB, HEAD_B, middleB, TAIL_B);
    a0 = v128.xor(a0, lanes(pa, pb, 0));
    a1 = v128.xor(a1, lanes(pa, pb, 8));
    a2 = v128.xor(a2, lanes(pa, pb, 16));
    a3 = v128.xor(a3, lanes(pa, pb, 24));
    a4 = v128.xor(a4, lanes(pa, pb, 32));
    a5 = v128.xor(a5, lanes(pa, pb, 40));
    a6 = v128.xor(a6, lanes(pa, pb, 48));
    a7 = v128.xor(a7, lanes(pa, pb, 56));
    a8 = v128.xor(a8, lanes(pa, pb, 64));
    a9 = v128.xor(a9, lanes(pa, pb, 72));
    a10 = v128.xor(a10, lanes(pa, pb, 80));
    a11 = v128.xor(a11, lanes(pa, pb, 88));
    a12 = v128.xor(a12, lanes(pa, pb, 96));
    a13 = v128.xor(a13, lanes(pa, pb, 104));
    a14 = v128.xor(a14, lanes(pa, pb, 112));
    a15 = v128.xor(a15, lanes(pa, pb, 120));
    a16 = v128.xor(a16, lanes(pa, pb, 128));
    for (let round = 0; round < 24; round++) {
      // θ: column parities c, and what each column gets XORed with, d.
      c0 = v128.xor(v128.xor(v128.xor(a0, a5), v128.xor(a10, a15)), a20);
      c1 = v128.xor(v128.xor(v128.xor(a1, a6), v128.xor(a11, a16)), a21);
      c2 = v128.xor(v128.xor(v128.xor(a2, a7), v128.xor(a12, a17)), a22);
      c3 = v128.xor(v128.xor(v128.xor(a3, a8), v128.xor(a13, a18)), a23);
      c4 = v128.xor(v128.xor(v128.xor(a4, a9), v128.xor(a14, a19)), a24);
      d0 = v128.xor(c4, rotl2(c1, 1));
      d1 = v128.xor(c0, rotl2(c2, 1));
      d2 = v128.xor(c1, rotl2(c3, 1));
      d3 = v128.xor(c2, rotl2(c4, 1));
      d4 = v128.xor(c3, rotl2(c0, 1));
      // θ applied, then ρ and π, lane by lane as in ./sponge.ts.
      b0 = v128.xor(a0, d0);
      b1 = rotl2(v128.xor(a6, d1), 44);
      b2 = rotl2(v128.xor(a12, d2), 43);
      b3 = rotl2(v128.xor(a18, d3), 21);
      b4 = rotl2(v128.xor(a24, d4), 14);
      b5 = rotl2(v128.xor(a3, d3), 28);
      b6 = rotl2(v128.xor(a9, d4), 20);
      b7 = rotl2(v128.xor(a10, d0), 3);
      b8 = rotl2(v128.xor(a16, d1), 45);
      b9 = rotl2(v128.xor(a22, d2), 61);
      b10 = rotl2(v128.xor(a1, d1), 1);
      b11 = rotl2(v128.xor(a7, d2), 6);
      b12 = rotl2(v128.xor(a13, d3), 25);
      b13 = rotl8(v128.xor(a19, d4));
      b14 = rotl2(v128.xor(a20, d0), 18);
      b15 = rotl2(v128.xor(a4, d4), 27);
      b16 = rotl2(v128.xor(a5, d0), 36);
      b17 = rotl2(v128.xor(a11, d1), 10);
      b18 = rotl2(v128.xor(a17, d2), 15);
      b19 = rotr8(v128.xor(a23, d3));
      b20 = rotl2(v128.xor(a2, d2), 62);
      b21 = rotl2(v128.xor(a8, d3), 55);
      b22 = rotl2(v128.xor(a14, d4), 39);
      b23 = rotl2(v128.xor(a15, d0), 41);
      b24 = rotl2(v128.xor(a21, d1), 2);
      // χ: b[x] ^ (~b[x+1] & b[x+2]) along each row, then ι.
      a0 = v128.xor(b0, v128.andnot(b2, b1));
      a1 = v128.xor(b1, v128.andnot(b3, b2));
      a2 = v128.xor(b2, v128.andnot(b4, b3));
      a3 = v128.xor(b3, v128.andnot(b0, b4));
      a4 = v128.xor(b4, v128.andnot(b1, b0));
      a5 = v128.xor(b5, v128.andnot(b7, b6));
      a6 = v128.xor(b6, v128.andnot(b8, b7));
      a7 = v128.xor(b7, v128.andnot(b9, b8));
      a8 = v128.xor(b8, v128.andnot(b5, b9));
      a9 = v128.xor(b9, v128.andnot(b6, b5));
      a10 = v128.xor(b10, v128.andnot(b12, b11));
      a11 = v128.xor(b11, v128.andnot(b13, b12));
      a12 = v128.xor(b12, v128.andnot(b14, b13));
      a13 = v128.xor(b13, v128.andnot(b10, b14));
      a14 = v128.xor(b14, v128.andnot(b11, b10));
      a15 = v128.xor(b15, v128.andnot(b17, b16));
      a16 = v128.xor(b16, v128.andnot(b18, b17));
      a17 = v128.xor(b17, v128.andnot(b19, b18));
      a18 = v128.xor(b18, v128.andnot(b15, b19));
      a19 = v128.xor(b19, v128.andnot(b16, b15));
      a20 = v128.xor(b20, v128.andnot(b22, b21));
      a21 = v128.xor(b21, v128.andnot(b23, b22));
      a22 = v128.xor(b22, v128.andnot(b24, b23));
      a23 = v128.xor(b23, v128.andnot(b20, b24));
      a24 = v128.xor(b24, v128.andnot(b21, b20));
      a0 = v128.xor(a0, i64x2.splat(load<u64>(ROUND_CONSTANTS + (<usize>round << 3))));
    }
  }
  if (blocksA == blocksB) {
    storeDigest(outA, a0, a1, a2, a3, 0);
    storeDigest(outB, a0, a1, a2, a3, 1);
    return;
  }
  // One message is done: its digest is its half of lanes 0..3; the other goes on alone.
  const longerIsA = blocksA > blocksB;
  const half: u8 = longerIsA ? 0 : 1;
  storeDigest(longerIsA ? outB : outA, a0, a1, a2, a3, 1 - half);
  const s = REST_STATE;
  if (half == 0) {
    store<u64>(s, i64x2.extract_lane(a0, 0), 0);
    store<u64>(s, i64x2.extract_lane(a1, 0), 8);
    store<u64>(s, i64x2.extract_lane(a2, 0), 16);
    store<u64>(s, i64x2.extract_lane(a3, 0), 24);
    store<u64>(s, i64x2.extract_lane(a4, 0), 32);
    store<u64>(s, i64x2.extract_lane(a5, 0), 40);
    store<u64>(s, i64x2.extract_lane(a6, 0), 48);
    store<u64>(s, i64x2.extract_lane(a7, 0), 56);
    store<u64>(s, i64x2.extract_lane(a8, 0), 64);
    store<u64>(s, i64x2.extract_lane(a9, 0), 72);
    store<u64>(s, i64x2.extract_lane(a10, 0), 80);
    store<u64>(s, i64x2.extract_lane(a11, 0), 88);
    store<u64>(s, i64x2.extract_lane(a12, 0), 96);
    store<u64>(s, i64x2.extract_lane(a13, 0), 104);
    store<u64>(s, i64x2.extract_lane(a14, 0), 112);
    store<u64>(s, i64x2.extract_lane(a15, 0), 120);
    store<u64>(s, i64x2.extract_lane(a16, 0), 128);
    store<u64>(s, i64x2.extract_lane(a17, 0), 136);
    store<u64>(s, i64x2.extract_lane(a18, 0), 144);
    store<u64>(s, i64x2.extract_lane(a19, 0), 152);
    store<u64>(s, i64x2.extract_lane(a20, 0), 160);
    store<u64>(s, i64x2.extract_lane(a21, 0), 168);
    store<u64>(s, i64x2.extract_lane(a22, 0), 176);
    store<u64>(s, i64x2.extract_lane(a23, 0), 184);
    store<u64>(s, i64x2.extract_lane(a24, 0), 192);
  } else {
    store<u64>(s, i64x2.extract_lane(a0, 1), 0);
    store<u64>(s, i64x2.extract_lane(a1, 1), 8);
    store<u64>(s, i64x2.extract_lane(a2, 1), 16);
    store<u64>(s, i64x2.extract_lane(a3, 1), 24);
    store<u64>(s, i64x2.extract_lane(a4, 1), 32);
    store<u64>(s, i64x2.extract_lane(a5, 1), 40);
    store<u64>(s, i64x2.extract_lane(a6, 1), 48);
    store<u64>(s, i64x2.extract_lane(a7, 1), 56);
    store<u64>(s, i64x2.extract_lane(a8, 1), 64);
    store<u64>(s, i64x2.extract_lane(a9, 1), 72);
    store<u64>(s, i64x2.extract_lane(a10, 1), 80);
    store<u64>(s, i64x2.extract_lane(a11, 1), 88);
    store<u64>(s, i64x2.extract_lane(a12, 1), 96);
    store<u64>(s, i64x2.extract_lane(a13, 1), 104);
    store<u64>(s, i64x2.extract_lane(a14, 1), 112);
    store<u64>(s, i64x2.extract_lane(a15, 1), 120);
    store<u64>(s, i64x2.extract_lane(a16, 1), 128);
    store<u64>(s, i64x2.extract_lane(a17, 1), 136);
    store<u64>(s, i64x2.extract_lane(a18, 1), 144);
    store<u64>(s, i64x2.extract_lane(a19, 1), 152);
    store<u64>(s, i64x2.extract_lane(a20, 1), 160);
    store<u64>(s, i64x2.extract_lane(a21, 1), 168);
    store<u64>(s, i64x2.extract_lane(a22, 1), 176);
    store<u64>(s, i64x2.extract_lane(a23, 1), 184);
    store<u64>(s, i64x2.extract_lane(a24, 1), 192);
  }
  // Blocks together .. blocks-2 lie in place from the middle on; the last is the gathered tail.
  const blocks = longerIsA ? blocksA : blocksB;
  const middle = longerIsA ? middleA : middleB;
  const inPlace = blocks - 1 - together;
  if (inPlace > 0) absorbBlocks(s, middle + <usize>((together - 1) * RATE), inPlace);
  absorbBlocks(s, longerIsA ? TAIL_A : TAIL_B, 1);
  copyShort(longerIsA ? outA : outB, s, DIGEST_BYTES);
}

/** Writes lanes 0..3 of one half (0: message A, 1: message B), the 32-byte digest, to `out`. */
@inline
function storeDigest(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, half: i32): void {
  if (half == 0) {
    store<u64>(out, i64x2.extract_lane(a0, 0), 0);
    store<u64>(out, i64x2.extract_lane(a1, 0), 8);
    store<u64>(out, i64x2.extract_lane(a2, 0), 16);
    store<u64>(out, i64x2.extract_lane(a3, 0), 24);
  } else {
    store<u64>(out, i64x2.extract_lane(a0, 1), 0);
    store<u64>(out, i64x2.extract_lane(a1, 1), 8);
    store<u64>(out, i64x2.extract_lane(a2, 1), 16);
    store<u64>(out, i64x2.extract_lane(a3, 1), 24);
  }
}
