/** Inputs the crypto tests share: points that are on the curve but outside the prime-order subgroup. */
import { randomBytes } from 'node:crypto';
import * as blst from '@chainsafe/blst';
import { expect } from 'vitest';

/**
 * 96 compressed bytes of a point on the G2 curve E'(Fp2) that is not in the order-r subgroup: a random
 * x (each Fp coordinate kept below 2^380 < p) until blst accepts it as a curve point without the
 * subgroup check; blst must then reject it with the check (the cofactor is huge, so a random curve
 * point is outside the subgroup except with negligible probability).
 */
export function g2PointOutsideSubgroup(): Uint8Array {
  for (;;) {
    const bytes = randomBytes(96);
    bytes[0] = 0x80 | (bytes[0]! & 0x0f);
    bytes[48] = bytes[48]! & 0x0f;
    try {
      blst.Signature.fromBytes(bytes, false);
    } catch {
      continue;
    }
    expect(() => blst.Signature.fromBytes(bytes, true)).toThrow();
    return new Uint8Array(bytes);
  }
}

/** A valid G2 subgroup point unrelated to any key of the test: a signature by a fresh random key. */
export function randomG2Point(): Uint8Array {
  return blst.SecretKey.fromKeygen(randomBytes(32)).sign(randomBytes(32)).toBytes(true);
}
