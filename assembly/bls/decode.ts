/**
 * Point decoding with every check a verifier needs, subgroup membership tests and compressed
 * encoding, for G1 (public keys) and G2 (signatures) of BLS12-381. Variable-time (public inputs).
 *
 * Byte format: the ZCash serialization (draft-irtf-cfrg-pairing-friendly-curves-11, Appendix C;
 * zkcrypto/bls12_381 notes/serialization.rs), which blst, @chainsafe/blst and the Ethereum consensus
 * specs use. Byte 0 carries three flags: 0x80 compressed, 0x40 infinity, 0x20 sort (compressed
 * only: y is the lexicographically larger of ±y, i.e. canonical y > (p − 1)/2; over Fp2 y.c1
 * decides unless it is 0, then y.c0). Compressed G1 is x (48 bytes), G2 x.c1 ‖ x.c0 (96);
 * uncompressed appends y (G1 96, G2 192 bytes). Rules, as blst:
 * - the compressed flag must match the length (48/96 for G1, 96/192 for G2), else DECODE_BAD_FLAGS;
 * - infinity is exactly 0xc0 (compressed) or 0x40 (uncompressed) followed by zeros: any other bit
 *   (the sort flag included) or byte is DECODE_BAD_FLAGS, and so is the sort flag on an
 *   uncompressed encoding;
 * - a coordinate ≥ p is DECODE_NOT_CANONICAL; an x without a point (x^3 + b not a square) or an
 *   uncompressed (x, y) off the curve is DECODE_NOT_ON_CURVE;
 * - a point on the curve outside the order-r subgroup is DECODE_NOT_IN_SUBGROUP.
 *
 * Subgroup tests by the endomorphisms (Scott, "A note on group membership tests for G1, G2 and GT on
 * BLS pairing-friendly curves", eprint 2021/1130, §4 and §6; what blst and EIP-2537 use):
 * - G1: P ∈ G1 ⟺ φ(P) = [−x^2]P for φ(x, y) = (β x, y) with β of params.ts; checked as
 *   [|x|]([|x|]P) = φ'(P) = (β x, −y). Two 64-bit chains (|x| = 0xd201000000010000, Hamming weight
 *   6: 63 doublings and 5 mixed additions each). The second chain also uses mixed additions: the
 *   Jacobian Q = (X, Y, Z) = [|x|]P is the affine point (X, Y) of the isomorphic curve
 *   y^2 = x^3 + 4Z^6, and the formulas do not involve b (see g1IsInSubgroupUnsafe).
 * - G2: Q ∈ G2 ⟺ ψ(Q) = [x]Q; as x < 0, checked as [|x|]Q = −ψ(Q): one 64-bit chain.
 * The G1 doubling and mixed addition (g1DoubleHalved, g1AddAffineHalved) are the EFD formulas with
 * the result scaled by 1/2 (X/4, Y/8, Z/2 — the same Jacobian point), which removes their small
 * factors 2, 4, 8; with the squaring kernel and fused linear kernels of decode-constants.ts a G1
 * doubling costs ≈ 6.9 Fp multiplications instead of ≈ 9.6 (g1Double). The G2 chain is
 * g2-chain.ts's (shared with cofactor clearing): g2.ts's g2Double, since the same halving over Fp2
 * measured slower there on the current Fp2 kernels (see g2-chain.ts).
 *
 * Measured (release build, Node 20, the shared 2-core VM under load; in units of one fpMul of the
 * same process, ≈ 120 ns at the time): Fp sqrt 378, Fp2 sqrt 765, G1 decompression without / with
 * the subgroup test 382 / 1380 (subgroup test alone 978; blst PublicKey.fromBytes(b, true): 650),
 * G2 782 / 2370 (subgroup test alone 1555, ≈ 1,390 since its chain doubles with g2Double,
 * 2026-12-02; blst Signature.fromBytes(b, true): 860).
 */
import { FP_BYTES, FP_ENCODED_BYTES, fpAdd, fpEquals, fpFromBytes, fpInv, fpIsZero, fpMul, fpNeg, fpSub, fpToBytes } from './fp';
import { FP2_BYTES, FP2_ENCODED_BYTES, fp2Add, fp2Equals, fp2FromBytes, fp2Inv, fp2IsZero, fp2Mul, fp2Neg, fp2Split, fp2Sqr, fp2ToBytes } from './fp2';
import { fpSqrtUnsafe, fp2SqrtUnsafe } from './sqrt';
import {
  G1_AFFINE_BYTES, G1_JACOBIAN_BYTES, g1Decode, g1EndomorphismAffine, g1FromAffine, g1IsInfinity, g1SetInfinity,
} from './g1';
import { G2_AFFINE_BYTES, G2_JACOBIAN_BYTES, g2Decode, g2IsInfinity, g2NegPsiAffine } from './g2';
import { g2MulByXAbsAffine } from './g2-chain';
import { FP_LIMBS, G1_B_MONT, G2_B_MONT, P_LIMBS, X_ABS } from './params';
import {
  HALF_P_LIMBS, PLAIN_ONE, fpSquare, fpSubDoubled, fpSubLazy2p, fpSubLazy4p, fpTripleHalfLazy,
} from './decode-constants';
import {
  DECODE_BAD_FLAGS, DECODE_BAD_LENGTH, DECODE_INFINITY, DECODE_NOT_CANONICAL, DECODE_NOT_IN_SUBGROUP, DECODE_NOT_ON_CURVE,
  DECODE_POINT,
} from './encoding';

/** Compressed encodings: G1 48 bytes, G2 96 bytes. */
export const G1_COMPRESSED_BYTES: i32 = FP_ENCODED_BYTES;
export const G2_COMPRESSED_BYTES: i32 = FP2_ENCODED_BYTES;

const FLAG_COMPRESSED: u8 = 0x80;
const FLAG_INFINITY: u8 = 0x40;
const FLAG_SORT: u8 = 0x20;
const FLAGS: u8 = 0xe0;

const F1: usize = <usize>FP_BYTES;
const F2: usize = <usize>FP2_BYTES;
const BYTES: usize = memory.data(FP2_ENCODED_BYTES, 16);
const CANONICAL: usize = memory.data(FP_BYTES, 16);
const C0: usize = memory.data(FP_BYTES, 16);
const C1: usize = memory.data(FP_BYTES, 16);
const E1: usize = memory.data(FP_BYTES, 16);
const E2: usize = memory.data(FP_BYTES, 16);
const Y2: usize = memory.data(FP2_BYTES, 16);
const G1_Q: usize = memory.data(G1_JACOBIAN_BYTES, 16);
const G1_R: usize = memory.data(G1_JACOBIAN_BYTES, 16);
const G1_T: usize = memory.data(G1_AFFINE_BYTES, 16);
const G2_R: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const G2_T: usize = memory.data(G2_AFFINE_BYTES, 16);
const AFF1: usize = memory.data(G1_AFFINE_BYTES, 16);
const AFF2: usize = memory.data(G2_AFFINE_BYTES, 16);
const Z1: usize = memory.data(FP_BYTES, 16);
const Z2: usize = memory.data(FP2_BYTES, 16);
const W2: usize = memory.data(FP2_BYTES, 16);

// ---- lexicographic order of canonical values ----

/** CANONICAL = the value of a (Montgomery form, lazily reduced) in [0, p), as plain limbs. */
function toCanonical(a: usize): void {
  fpMul(CANONICAL, a, PLAIN_ONE); // leaves Montgomery form: a value in [0, p]
  if (!limbsBelow(CANONICAL, P_LIMBS)) memory.fill(CANONICAL, 0, FP_BYTES); // p ≡ 0
}

function canonicalIsZero(): bool {
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) if (load<u32>(CANONICAL + (j << 2)) != 0) return false;
  return true;
}

/** a < b for 13 normalised plain limbs. */
function limbsBelow(a: usize, b: usize): bool {
  for (let j = FP_LIMBS - 1; j >= 0; j--) {
    const x = load<u32>(a + (<usize>j << 2)), y = load<u32>(b + (<usize>j << 2));
    if (x != y) return x < y;
  }
  return false;
}

/** The ZCash sort flag of y: whether y is the larger of y, −y, i.e. canonical y > (p − 1)/2. */
function fpIsLarger(a: usize): bool {
  toCanonical(a);
  return limbsBelow(HALF_P_LIMBS, CANONICAL);
}

/** The sort flag over Fp2: y.c1 decides unless it is zero, then y.c0. */
function fp2IsLarger(a: usize): bool {
  fp2Split(C0, C1, a);
  toCanonical(C1);
  if (!canonicalIsZero()) return limbsBelow(HALF_P_LIMBS, CANONICAL);
  return fpIsLarger(C0);
}

/** Whether all `count` bytes at p are zero. */
function bytesAreZero(p: usize, count: i32): bool {
  for (let k = 0; k < count; k++) if (load<u8>(p + <usize>k) != 0) return false;
  return true;
}

/** Infinity check of an encoding whose flags byte has the infinity bit: the rest must be zero. */
function infinityStatus(bytes: usize, length: i32): i32 {
  if ((load<u8>(bytes) & 0x3f) != 0 || !bytesAreZero(bytes + 1, length - 1)) return DECODE_BAD_FLAGS;
  return DECODE_INFINITY;
}

// ---- G1 ----

/**
 * Decodes a 48-byte compressed G1 encoding into an affine point without the subgroup check.
 * Returns DECODE_POINT, DECODE_INFINITY (aff untouched) or a negative DECODE_* status.
 */
export function g1DecompressUnsafe(aff: usize, bytes: usize): i32 {
  const flags = load<u8>(bytes);
  if ((flags & FLAG_COMPRESSED) == 0) return DECODE_BAD_FLAGS;
  if ((flags & FLAG_INFINITY) != 0) return infinityStatus(bytes, G1_COMPRESSED_BYTES);
  memory.copy(BYTES, bytes, FP_ENCODED_BYTES);
  store<u8>(BYTES, flags & ~FLAGS);
  if (!fpFromBytes(aff, BYTES)) return DECODE_NOT_CANONICAL;
  fpSquare(E1, aff);
  fpMul(E1, E1, aff);
  fpAdd(E1, E1, G1_B_MONT); // x^3 + 4
  if (!fpSqrtUnsafe(aff + F1, E1)) return DECODE_NOT_ON_CURVE;
  if (fpIsLarger(aff + F1) != ((flags & FLAG_SORT) != 0)) fpNeg(aff + F1, aff + F1);
  return DECODE_POINT;
}

const DA: usize = memory.data(FP_BYTES, 16);
const DB: usize = memory.data(FP_BYTES, 16);
const DC: usize = memory.data(FP_BYTES, 16);
const DE: usize = memory.data(FP_BYTES, 16);
const DF: usize = memory.data(FP_BYTES, 16);
const DXB: usize = memory.data(FP_BYTES, 16);

/**
 * out = 2p, Jacobian, as dbl-2009-l (EFD) with D = 4XB and the result scaled by 1/2 — (X/4, Y/8, Z/2),
 * the same point: A = X^2, B = Y^2, C = B^2, E' = 3A/2, X3 = E'^2 − 2XB, Y3 = E'(XB − X3) − C,
 * Z3 = YZ. 3M + 4S with the squaring kernel and four fused linear kernels (the textbook formula: 2M + 5S
 * and 14 additions, doublings and triplings). Inputs in [0, 4p), outputs too (every kernel's bounds
 * are in decode-constants.ts); infinity (Z = 0) stays infinity. out may alias p.
 */
function g1DoubleHalved(out: usize, p: usize): void {
  fpSquare(DA, p);
  fpSquare(DB, p + F1);
  fpMul(out + 2 * F1, p + F1, p + 2 * F1); // Z3 = YZ (Y, Z not needed after)
  fpSquare(DC, DB);
  fpMul(DXB, p, DB);
  fpTripleHalfLazy(DE, DA);
  fpSquare(DF, DE);
  fpSubDoubled(out, DF, DXB); // X3 = E'^2 − 2XB
  fpSubLazy4p(DF, DXB, out);
  fpMul(DF, DE, DF);
  fpSubLazy2p(out + F1, DF, DC); // Y3 = E'(XB − X3) − C
}

const MA: usize = memory.data(FP_BYTES, 16);
const MB: usize = memory.data(FP_BYTES, 16);
const MC: usize = memory.data(FP_BYTES, 16);
const MD: usize = memory.data(FP_BYTES, 16);
const ME: usize = memory.data(FP_BYTES, 16);

/**
 * out = p + q with q affine, as madd-2007-bl (EFD) with the result scaled by 1/2 like
 * g1DoubleHalved: H = x2 Z1^2 − X1, r = y2 Z1^3 − Y1, J = H^3, V = X1 H^2, X3 = r^2 − J − 2V,
 * Y3 = r(V − X3) − Y1 J, Z3 = Z1 H (8M + 3S, fused linear kernels). p = ±q and infinity handled.
 * Inputs in [0, 4p), outputs too; out may alias p.
 */
function g1AddAffineHalved(out: usize, p: usize, q: usize): void {
  if (g1IsInfinity(p)) {
    g1FromAffine(out, q);
    return;
  }
  const z = p + 2 * F1;
  fpSquare(MA, z); // Z1^2
  fpMul(MB, q, MA);
  fpMul(MC, q + F1, z);
  fpMul(MC, MC, MA);
  fpSub(MB, MB, p); // H
  fpSub(MC, MC, p + F1); // r
  if (fpIsZero(MB)) {
    if (fpIsZero(MC)) g1DoubleHalved(out, p);
    else g1SetInfinity(out);
    return;
  }
  fpSquare(MA, MB); // H^2
  fpMul(out + 2 * F1, z, MB); // Z3 = Z1 H (Z1 not needed after)
  fpMul(MD, MB, MA); // J = H^3
  fpMul(MA, p, MA); // V = X1 H^2
  fpMul(ME, p + F1, MD); // Y1 J
  fpSquare(MB, MC);
  fpSubLazy2p(MB, MB, MD); // r^2 − J
  fpSubDoubled(out, MB, MA); // X3 = r^2 − J − 2V
  fpSubLazy4p(MB, MA, out);
  fpMul(MB, MC, MB);
  fpSubLazy2p(out + F1, MB, ME); // Y3 = r(V − X3) − Y1 J
}

/** out = [|x|]a for an affine a (mixed additions). */
function g1MulByXAbsAffine(out: usize, a: usize): void {
  g1FromAffine(out, a);
  for (let i = 62; i >= 0; i--) {
    g1DoubleHalved(out, out);
    if (((X_ABS >> <u64>i) & 1) != 0) g1AddAffineHalved(out, out, a);
  }
}

/** Whether the Jacobian p equals the affine a. */
function g1EqualsAffine(p: usize, a: usize): bool {
  if (g1IsInfinity(p)) return false;
  fpSquare(Z1, p + 2 * F1);
  fpMul(E2, a, Z1);
  if (!fpEquals(E2, p)) return false;
  fpMul(Z1, Z1, p + 2 * F1);
  fpMul(E2, a + F1, Z1);
  return fpEquals(E2, p + F1);
}

/** Whether an affine point of E(Fp) (on the curve, not infinity) lies in the order-r subgroup G1. */
export function g1IsInSubgroupUnsafe(a: usize): bool {
  g1MulByXAbsAffine(G1_Q, a); // Q = [|x|]a = (X, Y, Z)
  // [|x|]a = O only for a = O (gcd(|x|, #E(Fp)) = 1); kept so that the curve below is never singular
  if (g1IsInfinity(G1_Q)) return false;
  // (X, Y) is an affine point of y^2 = x^3 + 4Z^6, which (x, y) ↦ (x/Z^2, y/Z^3) maps onto E. The
  // doubling and mixed-addition formulas do not involve b, so the second chain runs on that curve
  // with mixed additions of (X, Y) (instead of full Jacobian additions of Q), and its result
  // (X', Y', Z') is (X', Y', Z'Z) on E.
  memory.copy(G1_T, G1_Q, 2 * F1);
  g1MulByXAbsAffine(G1_R, G1_T);
  fpMul(G1_R + 2 * F1, G1_R + 2 * F1, G1_Q + 2 * F1); // [x^2]a
  g1EndomorphismAffine(G1_T, a); // φ'(a) = (β x, −y), [x^2]a on G1
  return g1EqualsAffine(G1_R, G1_T);
}

/**
 * Decodes a G1 encoding of `length` bytes (48 compressed or 96 uncompressed) with every check,
 * the subgroup included. Returns DECODE_POINT (affine point at affineOut, internal form),
 * DECODE_INFINITY (affineOut untouched) or a negative status of encoding.ts.
 */
export function g1DecodeCheckedUnsafe(affineOut: usize, bytes: usize, length: i32): i32 {
  let status: i32;
  if (length == G1_COMPRESSED_BYTES) {
    status = g1DecompressUnsafe(affineOut, bytes);
  } else if (length == 2 * G1_COMPRESSED_BYTES) {
    status = g1Decode(affineOut, bytes); // rejects the compressed and sort flags
  } else {
    return DECODE_BAD_LENGTH;
  }
  if (status != DECODE_POINT) return status;
  return g1IsInSubgroupUnsafe(affineOut) ? DECODE_POINT : DECODE_NOT_IN_SUBGROUP;
}

/** Writes the 48-byte compressed encoding of an affine point (not infinity). */
export function g1EncodeCompressedAffine(bytes48: usize, a: usize): void {
  fpToBytes(bytes48, a);
  store<u8>(bytes48, load<u8>(bytes48) | FLAG_COMPRESSED | (fpIsLarger(a + F1) ? FLAG_SORT : 0));
}

/** Writes the 48-byte compressed encoding of a Jacobian point (one inversion); infinity is 0xc0 ‖ 0…. */
export function g1EncodeCompressed(bytes48: usize, jacobian: usize): void {
  if (g1IsInfinity(jacobian)) {
    memory.fill(bytes48, 0, G1_COMPRESSED_BYTES);
    store<u8>(bytes48, FLAG_COMPRESSED | FLAG_INFINITY);
    return;
  }
  fpInv(Z1, jacobian + 2 * F1);
  fpSquare(E1, Z1);
  fpMul(AFF1, jacobian, E1);
  fpMul(E1, E1, Z1);
  fpMul(AFF1 + F1, jacobian + F1, E1);
  g1EncodeCompressedAffine(bytes48, AFF1);
}

// ---- G2 ----

/**
 * Decodes a 96-byte compressed G2 encoding (x.c1 ‖ x.c0) into an affine point without the subgroup
 * check. Returns DECODE_POINT, DECODE_INFINITY (aff untouched) or a negative DECODE_* status.
 */
export function g2DecompressUnsafe(aff: usize, bytes: usize): i32 {
  const flags = load<u8>(bytes);
  if ((flags & FLAG_COMPRESSED) == 0) return DECODE_BAD_FLAGS;
  if ((flags & FLAG_INFINITY) != 0) return infinityStatus(bytes, G2_COMPRESSED_BYTES);
  memory.copy(BYTES, bytes, FP2_ENCODED_BYTES);
  store<u8>(BYTES, flags & ~FLAGS);
  if (!fp2FromBytes(aff, BYTES)) return DECODE_NOT_CANONICAL;
  fp2Sqr(Y2, aff);
  fp2Mul(Y2, Y2, aff);
  fp2Add(Y2, Y2, G2_B_MONT); // x^3 + 4(1 + u)
  if (!fp2SqrtUnsafe(aff + F2, Y2)) return DECODE_NOT_ON_CURVE;
  if (fp2IsLarger(aff + F2) != ((flags & FLAG_SORT) != 0)) fp2Neg(aff + F2, aff + F2);
  return DECODE_POINT;
}

/** Whether the Jacobian p equals the affine a. */
function g2EqualsAffine(p: usize, a: usize): bool {
  if (g2IsInfinity(p)) return false;
  fp2Sqr(Z2, p + 2 * F2);
  fp2Mul(W2, a, Z2);
  if (!fp2Equals(W2, p)) return false;
  fp2Mul(Z2, Z2, p + 2 * F2);
  fp2Mul(W2, a + F2, Z2);
  return fp2Equals(W2, p + F2);
}

/** Whether an affine point of E'(Fp2) (on the curve, not infinity) lies in the order-r subgroup G2. */
export function g2IsInSubgroupUnsafe(a: usize): bool {
  g2MulByXAbsAffine(G2_R, a);
  g2NegPsiAffine(G2_T, a); // −ψ(a), [|x|]a on G2
  return g2EqualsAffine(G2_R, G2_T);
}

/**
 * Decodes a G2 encoding of `length` bytes (96 compressed or 192 uncompressed) with every check,
 * the subgroup included. Returns DECODE_POINT (affine point at affineOut, internal form),
 * DECODE_INFINITY (affineOut untouched) or a negative status of encoding.ts.
 */
export function g2DecodeCheckedUnsafe(affineOut: usize, bytes: usize, length: i32): i32 {
  const status = g2DecodeOnCurveUnsafe(affineOut, bytes, length);
  if (status != DECODE_POINT) return status;
  return g2IsInSubgroupUnsafe(affineOut) ? DECODE_POINT : DECODE_NOT_IN_SUBGROUP;
}

/**
 * g2DecodeCheckedUnsafe without the subgroup check, for a caller that makes it another way
 * (verify.ts: from the Miller loop's [|x|]a, g2IsInSubgroupGivenMultipleUnsafe). DECODE_POINT means
 * on the curve, not infinity, canonical — not yet in G2.
 */
export function g2DecodeOnCurveUnsafe(affineOut: usize, bytes: usize, length: i32): i32 {
  let status: i32;
  if (length == G2_COMPRESSED_BYTES) {
    status = g2DecompressUnsafe(affineOut, bytes);
  } else if (length == 2 * G2_COMPRESSED_BYTES) {
    status = g2Decode(affineOut, bytes); // rejects the compressed and sort flags
  } else {
    return DECODE_BAD_LENGTH;
  }
  return status;
}

/**
 * Scott's G2 test (as g2IsInSubgroupUnsafe) with [|x|]a already computed elsewhere: whether t, a
 * homogeneous projective point (X : Y : Z) ↔ (X/Z, Y/Z) meant to be [|x|]a, equals −ψ(a) for the
 * affine a (on E'(Fp2), not infinity). Z = 0 is a failure: the Miller loop's projective formulas
 * (pairing/miller.ts) leave Z = 0 for good once they meet O or T = ±Q, which only happens for a of
 * order below 2^64, i.e. outside G2; with Z ≠ 0 they met no exceptional case and t is exactly [|x|]a.
 */
export function g2IsInSubgroupGivenMultipleUnsafe(a: usize, t: usize): bool {
  if (fp2IsZero(t + 2 * F2)) return false;
  g2NegPsiAffine(G2_T, a);
  fp2Mul(W2, G2_T, t + 2 * F2);
  if (!fp2Equals(W2, t)) return false;
  fp2Mul(W2, G2_T + F2, t + 2 * F2);
  return fp2Equals(W2, t + F2);
}

/** Writes the 96-byte compressed encoding of an affine point (not infinity). */
export function g2EncodeCompressedAffine(bytes96: usize, a: usize): void {
  fp2ToBytes(bytes96, a);
  store<u8>(bytes96, load<u8>(bytes96) | FLAG_COMPRESSED | (fp2IsLarger(a + F2) ? FLAG_SORT : 0));
}

/** Writes the 96-byte compressed encoding of a Jacobian point (one inversion); infinity is 0xc0 ‖ 0…. */
export function g2EncodeCompressed(bytes96: usize, jacobian: usize): void {
  if (g2IsInfinity(jacobian)) {
    memory.fill(bytes96, 0, G2_COMPRESSED_BYTES);
    store<u8>(bytes96, FLAG_COMPRESSED | FLAG_INFINITY);
    return;
  }
  fp2Inv(Z2, jacobian + 2 * F2);
  fp2Sqr(W2, Z2);
  fp2Mul(AFF2, jacobian, W2);
  fp2Mul(W2, W2, Z2);
  fp2Mul(AFF2 + F2, jacobian + F2, W2);
  g2EncodeCompressedAffine(bytes96, AFF2);
}
