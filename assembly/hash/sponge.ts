/**
 * Keccak-f[1600] and the keccak-256 sponge, shared by ./keccak.ts, ./sponge-x2.ts (which finishes
 * the longer of two messages here) and ../trie/trie.ts (not exported from the WebAssembly module
 * itself: callers pass raw pointers, so only checked entry points are exported).
 *
 * Follows FIPS 202 §3 (the permutation: θ, ρ, π, χ, ι over 24 rounds) with the parameters of the
 * original Keccak submission that Ethereum uses: capacity 512 bits, rate 136 bytes, and the
 * multi-rate padding `0x01 … 0x80` (SHA3-256 differs only in its `0x06` domain byte).
 *
 * Speed: the 25 lanes live in locals for a whole run of blocks (loaded from the state once, stored
 * once), and each round is written out lane by lane with ρ and π folded into the θ step, so the
 * inner loop does no memory traffic except reading the 17 input lanes of each block and the round
 * constant. Lanes are little-endian, as WebAssembly loads them, so input bytes are XORed in with
 * plain (possibly unaligned) 64-bit loads.
 *
 * The lanes 1, 2, 8, 12, 17 and 20 are held complemented while in locals (the "lane complementing
 * transform" of the Keccak team's implementation overview, §2.2): XOR and rotation carry an
 * all-ones mask through θ, ρ, π and ι to known lanes, and χ's `b0 ^ (~b1 & b2)` then takes, lane by
 * lane, an and/or form with 8 NOTs per round instead of 25 (WebAssembly has no and-not).
 * Measured on V8 (1 MiB, alternatives in one run): complementing is ~10% faster than plain χ; one
 * round per loop iteration beats two per iteration slightly and all 24 rounds written out by 1.5-2x.
 */

/** Bytes absorbed per permutation: 1600 bits minus the 512-bit capacity. */
export const RATE: i32 = 136;
/** Size of the Keccak state: 25 lanes of 8 bytes. */
export const STATE_BYTES: i32 = 200;
/** Digest length of keccak-256. */
export const DIGEST_BYTES: i32 = 32;

/** The ι round constants RC[0..23] (FIPS 202 §3.2.5); ./sponge-x2.ts splats each into both lanes. */
export const ROUND_CONSTANTS: usize = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
  0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
  0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
  0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
  0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
  0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]);

/** The sponge state of one-shot hashes; callers of `absorbBlocks` may also use their own. */
const HASH_STATE: usize = memory.data(STATE_BYTES, 16);
/** The last, padded block of a message (and, for prefixed messages, the first block). */
const BLOCK: usize = memory.data(RATE, 16);

/**
 * XORs `blocks` consecutive 136-byte blocks starting at `data` into the state at `state`,
 * applying Keccak-f[1600] after each.
 */
export function absorbBlocks(state: usize, data: usize, blocks: i32): void {
  let a0 = load<u64>(state, 0);
  let a1 = ~load<u64>(state, 8);
  let a2 = ~load<u64>(state, 16);
  let a3 = load<u64>(state, 24);
  let a4 = load<u64>(state, 32);
  let a5 = load<u64>(state, 40);
  let a6 = load<u64>(state, 48);
  let a7 = load<u64>(state, 56);
  let a8 = ~load<u64>(state, 64);
  let a9 = load<u64>(state, 72);
  let a10 = load<u64>(state, 80);
  let a11 = load<u64>(state, 88);
  let a12 = ~load<u64>(state, 96);
  let a13 = load<u64>(state, 104);
  let a14 = load<u64>(state, 112);
  let a15 = load<u64>(state, 120);
  let a16 = load<u64>(state, 128);
  let a17 = ~load<u64>(state, 136);
  let a18 = load<u64>(state, 144);
  let a19 = load<u64>(state, 152);
  let a20 = ~load<u64>(state, 160);
  let a21 = load<u64>(state, 168);
  let a22 = load<u64>(state, 176);
  let a23 = load<u64>(state, 184);
  let a24 = load<u64>(state, 192);
  let c0: u64, c1: u64, c2: u64, c3: u64, c4: u64;
  let d0: u64, d1: u64, d2: u64, d3: u64, d4: u64;
  let b0: u64, b1: u64, b2: u64, b3: u64, b4: u64;
  let b5: u64, b6: u64, b7: u64, b8: u64, b9: u64;
  let b10: u64, b11: u64, b12: u64, b13: u64, b14: u64;
  let b15: u64, b16: u64, b17: u64, b18: u64, b19: u64;
  let b20: u64, b21: u64, b22: u64, b23: u64, b24: u64;
  // Complemented lanes are complemented on load and store; XORing input into them needs no change.
  for (let block = 0; block < blocks; block++) {
    a0 ^= load<u64>(data, 0);
    a1 ^= load<u64>(data, 8);
    a2 ^= load<u64>(data, 16);
    a3 ^= load<u64>(data, 24);
    a4 ^= load<u64>(data, 32);
    a5 ^= load<u64>(data, 40);
    a6 ^= load<u64>(data, 48);
    a7 ^= load<u64>(data, 56);
    a8 ^= load<u64>(data, 64);
    a9 ^= load<u64>(data, 72);
    a10 ^= load<u64>(data, 80);
    a11 ^= load<u64>(data, 88);
    a12 ^= load<u64>(data, 96);
    a13 ^= load<u64>(data, 104);
    a14 ^= load<u64>(data, 112);
    a15 ^= load<u64>(data, 120);
    a16 ^= load<u64>(data, 128);
    data += RATE;
    for (let round = 0; round < 24; round++) {
      // θ: column parities c, and what each column gets XORed with, d.
      c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
      c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
      c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
      c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
      c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
      d0 = c4 ^ rotl<u64>(c1, 1);
      d1 = c0 ^ rotl<u64>(c2, 1);
      d2 = c1 ^ rotl<u64>(c3, 1);
      d3 = c2 ^ rotl<u64>(c4, 1);
      d4 = c3 ^ rotl<u64>(c0, 1);
      // θ applied, then ρ (rotate lane (x, y) by r[x][y]) and π (move it to (y, 2x + 3y)), lane i = x + 5y.
      b0 = a0 ^ d0;
      b1 = rotl<u64>(a6 ^ d1, 44);
      b2 = rotl<u64>(a12 ^ d2, 43);
      b3 = rotl<u64>(a18 ^ d3, 21);
      b4 = rotl<u64>(a24 ^ d4, 14);
      b5 = rotl<u64>(a3 ^ d3, 28);
      b6 = rotl<u64>(a9 ^ d4, 20);
      b7 = rotl<u64>(a10 ^ d0, 3);
      b8 = rotl<u64>(a16 ^ d1, 45);
      b9 = rotl<u64>(a22 ^ d2, 61);
      b10 = rotl<u64>(a1 ^ d1, 1);
      b11 = rotl<u64>(a7 ^ d2, 6);
      b12 = rotl<u64>(a13 ^ d3, 25);
      b13 = rotl<u64>(a19 ^ d4, 8);
      b14 = rotl<u64>(a20 ^ d0, 18);
      b15 = rotl<u64>(a4 ^ d4, 27);
      b16 = rotl<u64>(a5 ^ d0, 36);
      b17 = rotl<u64>(a11 ^ d1, 10);
      b18 = rotl<u64>(a17 ^ d2, 15);
      b19 = rotl<u64>(a23 ^ d3, 56);
      b20 = rotl<u64>(a2 ^ d2, 62);
      b21 = rotl<u64>(a8 ^ d3, 55);
      b22 = rotl<u64>(a14 ^ d4, 39);
      b23 = rotl<u64>(a15 ^ d0, 41);
      b24 = rotl<u64>(a21 ^ d1, 2);
      // χ in its complemented form (see above), then ι.
      a0 = b0 ^ (b1 | b2);
      a1 = b1 ^ (~b2 | b3);
      a2 = b2 ^ (b3 & b4);
      a3 = b3 ^ (b4 | b0);
      a4 = b4 ^ (b0 & b1);
      a5 = b5 ^ (b6 | b7);
      a6 = b6 ^ (b7 & b8);
      a7 = b7 ^ (b8 | ~b9);
      a8 = b8 ^ (b9 | b5);
      a9 = b9 ^ (b5 & b6);
      a10 = b10 ^ (b11 | b12);
      a11 = b11 ^ (b12 & b13);
      a12 = b12 ^ (~b13 & b14);
      a13 = ~(b13 ^ (b14 | b10));
      a14 = b14 ^ (b10 & b11);
      a15 = b15 ^ (b16 & b17);
      a16 = b16 ^ (b17 | b18);
      a17 = b17 ^ (~b18 | b19);
      a18 = ~(b18 ^ (b19 & b15));
      a19 = b19 ^ (b15 | b16);
      a20 = b20 ^ (~b21 & b22);
      a21 = ~(b21 ^ (b22 | b23));
      a22 = b22 ^ (b23 & b24);
      a23 = b23 ^ (b24 | b20);
      a24 = b24 ^ (b20 & b21);
      a0 ^= load<u64>(ROUND_CONSTANTS + (<usize>round << 3));
    }
  }
  store<u64>(state, a0, 0);
  store<u64>(state, ~a1, 8);
  store<u64>(state, ~a2, 16);
  store<u64>(state, a3, 24);
  store<u64>(state, a4, 32);
  store<u64>(state, a5, 40);
  store<u64>(state, a6, 48);
  store<u64>(state, a7, 56);
  store<u64>(state, ~a8, 64);
  store<u64>(state, a9, 72);
  store<u64>(state, a10, 80);
  store<u64>(state, a11, 88);
  store<u64>(state, ~a12, 96);
  store<u64>(state, a13, 104);
  store<u64>(state, a14, 112);
  store<u64>(state, a15, 120);
  store<u64>(state, a16, 128);
  store<u64>(state, ~a17, 136);
  store<u64>(state, a18, 144);
  store<u64>(state, a19, 152);
  store<u64>(state, ~a20, 160);
  store<u64>(state, a21, 168);
  store<u64>(state, a22, 176);
  store<u64>(state, a23, 184);
  store<u64>(state, a24, 192);
}

/**
 * Absorbs the last `length` bytes of a message at `data` into `state` (every full block, then the
 * tail with Keccak padding `0x01 … 0x80`) and writes the 32-byte digest to `out`.
 */
export function absorbLastAndDigest(state: usize, data: usize, length: i32, out: usize): void {
  const blocks = length / RATE;
  if (blocks > 0) absorbBlocks(state, data, blocks);
  const tail = length - blocks * RATE;
  memory.copy(BLOCK, data + <usize>(blocks * RATE), tail);
  memory.fill(BLOCK + tail, 0, RATE - tail);
  store<u8>(BLOCK + tail, 0x01);
  store<u8>(BLOCK + RATE - 1, load<u8>(BLOCK + RATE - 1) | 0x80);
  absorbBlocks(state, BLOCK, 1);
  memory.copy(out, state, DIGEST_BYTES);
}

/** keccak-256 of the `length` bytes at `data`, written to `out`. */
export function keccak256Into(data: usize, length: i32, out: usize): void {
  memory.fill(HASH_STATE, 0, STATE_BYTES);
  absorbLastAndDigest(HASH_STATE, data, length, out);
}

/**
 * keccak-256 of `prefix ‖ data` (`prefixLength` < RATE), written to `out`, without first copying the
 * two parts together: the prefix and the start of `data` fill the first block, the rest of `data` is
 * absorbed where it lies.
 */
export function keccak256PrefixedInto(prefix: usize, prefixLength: i32, data: usize, length: i32, out: usize): void {
  memory.fill(HASH_STATE, 0, STATE_BYTES);
  memory.copy(BLOCK, prefix, prefixLength);
  const head = min(RATE - prefixLength, length);
  memory.copy(BLOCK + prefixLength, data, head);
  if (prefixLength + head < RATE) {
    // The whole message fits in one block, already gathered in BLOCK.
    absorbLastAndDigest(HASH_STATE, BLOCK, prefixLength + head, out);
    return;
  }
  absorbBlocks(HASH_STATE, BLOCK, 1);
  absorbLastAndDigest(HASH_STATE, data + <usize>head, length - head, out);
}
