/** Deterministic pseudo-random values for property-style tests, so a failure replays from its seed. */

/** An endless stream of integers in [0, modulus) from a 64-bit xorshift generator seeded with `seed`. */
export function scalarStream(seed: bigint, modulus: bigint): () => bigint {
  let state = seed;
  return (): bigint => {
    let x = 0n;
    for (let i = 0; i < 5; i++) {
      state ^= (state << 13n) & 0xffffffffffffffffn;
      state ^= state >> 7n;
      state ^= (state << 17n) & 0xffffffffffffffffn;
      x = (x << 64n) | state;
    }
    return x % modulus;
  };
}
