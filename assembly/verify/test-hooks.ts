/**
 * Test hooks for G2 code that the public calls reach only with the values their inputs happen to
 * produce: the [|x|] chain of ../bls/g2-chain.ts (with its doubling) on any point of E'(Fp2)
 * (inside or outside G2), and the short MSM of short-msm.ts on chosen points and scalars (edge
 * digits, repeated points, a point and its negation, both of its bucket paths, more points than one
 * batch-affine pass). test/wasm/g2-chain-msm.test.ts checks them against @noble/curves in both
 * builds. Points in and out are 192-byte uncompressed encodings (no subgroup check), one per
 * TEST_POINT_STRIDE bytes of the region; scalars u64 little-endian. Not used by any other call.
 */
import { G2_AFFINE_BYTES, G2_ENCODED_BYTES, G2_JACOBIAN_BYTES, g2Decode, g2Double, g2Encode, g2FromAffine } from '../bls/g2';
import { DECODE_POINT } from '../bls/encoding';
import { g2MulByXAbsJacobian } from '../bls/g2-chain';
import { g2MsmShortUnsafe } from './short-msm';

/** Most points of one hook call: more than one batch-affine pass (short-msm.ts BATCH_MAX_POINTS). */
const TEST_MAX_POINTS: i32 = 1100;
const TEST_POINT_STRIDE: i32 = G2_AFFINE_BYTES;
const POINTS: usize = memory.data(TEST_MAX_POINTS * TEST_POINT_STRIDE, 16);
const SCALARS: usize = memory.data(TEST_MAX_POINTS * 8, 16);
const OUT: usize = memory.data(G2_ENCODED_BYTES, 16);
const AFFINE: usize = memory.data(G2_AFFINE_BYTES, 16);
const JACOBIAN: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const RESULT: usize = memory.data(G2_JACOBIAN_BYTES, 16);

export function g2TestMaxPoints(): i32 { return TEST_MAX_POINTS; }
export function g2TestPointsOffset(): usize { return POINTS; }
export function g2TestScalarsOffset(): usize { return SCALARS; }
export function g2TestOutOffset(): usize { return OUT; }

/** Decodes the `count` encodings of POINTS in place into affine points; false if one is off the curve or infinity. */
function decodePoints(count: i32): bool {
  for (let i = 0; i < count; i++) {
    const slot = POINTS + <usize>i * <usize>TEST_POINT_STRIDE;
    if (g2Decode(AFFINE, slot) != DECODE_POINT) return false;
    memory.copy(slot, AFFINE, G2_AFFINE_BYTES);
  }
  return true;
}

/**
 * Point 0 of POINTS, P, as Jacobian with Z = 1; then `doublings` × g2Double (op 0) or, for op 1,
 * one doubling (so that Z ≠ 1) and then [|x|] by g2MulByXAbsJacobian: [2^k]P or [2|x|]P, encoded
 * to OUT. Returns 0, or −1 when point 0 does not decode.
 */
export function g2TestChain(op: i32, doublings: i32): i32 {
  if (!decodePoints(1)) return -1;
  g2FromAffine(JACOBIAN, POINTS);
  if (op == 0) {
    for (let k = 0; k < doublings; k++) g2Double(JACOBIAN, JACOBIAN);
  } else {
    g2Double(JACOBIAN, JACOBIAN);
    g2MulByXAbsJacobian(JACOBIAN, JACOBIAN);
  }
  g2Encode(OUT, JACOBIAN);
  return 0;
}

/** OUT = the encoding of Σ SCALARS[i]·POINTS[i] over `count` points (g2MsmShortUnsafe). −1 for a bad input. */
export function g2TestMsmShort(count: i32): i32 {
  if (count < 0 || count > TEST_MAX_POINTS || !decodePoints(count)) return -1;
  g2MsmShortUnsafe(RESULT, POINTS, SCALARS, count);
  g2Encode(OUT, RESULT);
  return 0;
}

