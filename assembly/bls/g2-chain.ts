/**
 * Multiplication by the BLS parameter |x| = 0xd201000000010000 on E'(Fp2) (63 doublings and 5
 * additions, |x| having Hamming weight 6), shared by G2's subgroup test (decode.ts) and cofactor
 * clearing (hash/hash-to-g2.ts).
 *
 * - Doublings: g2.ts's g2Double (dbl-2009-l, EFD hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-0.html,
 *   2M + 5S), which runs pairing/kernels.ts's g2DoubleJacobianUnsafe: the formula's additions fused
 *   into 5 linear kernels, its 5 squarings one fpMulPair each and its 2 products side by side on
 *   fpMulPair lanes (8 fpMulPair). Against the unfused one (6 squarings, 2 fp2Mul, 10 linear calls),
 *   hash-to-G2 ran 13–19 % faster (interleaved A/B, 2026-12-03). The variant with the result scaled
 *   by 1/2 (3M + 4S, which decode.ts's G1 chain uses) measured slower in a chain on these kernels.
 * - Additions: mixed (madd-2007-bl, g2.ts's g2AddAffine, 7M + 4S, ≈ 36 fpMul against ≈ 47 for a full
 *   Jacobian addition) against the chain's base point. For a Jacobian base P = (X, Y, Z), Z ≠ 0,
 *   (X, Y) is an affine point of the isomorphic curve y^2 = x^3 + b·Z^6 ((x, y) ↦ (x/Z^2, y/Z^3)
 *   maps it onto E'), and neither the doubling nor the mixed addition involves b: the chain runs on
 *   that curve with (X, Y) as its affine base, and its result (X', Y', Z') is (X', Y', Z'·Z) on E' —
 *   mixed additions without an inversion, for one Fp2 product (the trick of decode.ts's G1 test).
 * Exceptional cases: infinity (Z = 0) stays infinity through the doubling, and g2AddAffine handles
 * T = ±base (doubling, infinity); both are reachable only for bases of small order. Variable-time
 * (inputs are public).
 */
import { FP2_BYTES, fp2IsZero, fp2Mul } from './fp2';
import { G2_AFFINE_BYTES, g2AddAffine, g2Double, g2FromAffine, g2SetInfinity } from './g2';
import { X_ABS } from './params';

const F2: usize = <usize>FP2_BYTES;
const BASE: usize = memory.data(G2_AFFINE_BYTES, 16);
const BASE_Z: usize = memory.data(FP2_BYTES, 16);

/** out = [|x|]a (Jacobian) for an affine a (mixed additions). out must not alias a. */
export function g2MulByXAbsAffine(out: usize, a: usize): void {
  g2FromAffine(out, a);
  for (let i = 62; i >= 0; i--) {
    g2Double(out, out);
    if (((X_ABS >> <u64>i) & 1) != 0) g2AddAffine(out, out, a);
  }
}

/**
 * out = [|x|]p for a Jacobian p, on the isomorphic curve of the docblock (mixed additions, no
 * inversion); p at infinity gives infinity. out may alias p.
 */
export function g2MulByXAbsJacobian(out: usize, p: usize): void {
  if (fp2IsZero(p + 2 * F2)) {
    g2SetInfinity(out);
    return;
  }
  memory.copy(BASE, p, 2 * F2);
  memory.copy(BASE_Z, p + 2 * F2, F2);
  g2MulByXAbsAffine(out, BASE);
  fp2Mul(out + 2 * F2, out + 2 * F2, BASE_Z);
}
