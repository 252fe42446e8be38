/**
 * hash_to_curve for BLS12-381 G2, suite BLS12381G2_XMD:SHA-256_SSWU_RO_ (RFC 9380 §3, §8.8.2):
 *   u0, u1 = hash_to_field(msg, 2)       (./expand.ts: expand_message_xmd over SHA-256, L = 64)
 *   Q0, Q1 = map_to_curve(u0), (u1)      (./sswu.ts: simplified SWU on E', 3-isogeny to E)
 *   P      = clear_cofactor(Q0 + Q1)     (here)
 * Ethereum signs with DST "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_".
 *
 * Cofactor clearing multiplies by h_eff with the endomorphism ψ (Budroni–Pintore, "Efficient hash
 * maps to G2 on BLS curves", §4.1; RFC 9380 Appendix G.3):
 *   h_eff·P = [x^2 − x − 1]P + [x − 1]ψ(P) + ψ^2(2P),
 * evaluated as t1 = [x]P, t2 = [x](t1 + ψ(P)), then ψ^2(2P) − ψ(P) + t2 − t1 − P: two
 * multiplications by the 64-bit x = −0xd201000000010000 (63 doublings and 5 additions each), all in
 * Jacobian coordinates (ψ and ψ^2 act on X, Y, Z coordinate-wise, since conjugation is a field
 * automorphism). The multiplications are ../bls/g2-chain.ts's: their 5 additions are mixed ones
 * (7M + 4S instead of 11M + 5S), on the curve isomorphic to E' through the base's Z, where the
 * Jacobian base is an affine point. Variable-time; inputs are public.
 *
 * Cost per hash (release build, one process, in units of one fpMul measured alongside): expand
 * 48, hash_to_field 11, both map_to_curve 1,770 (two paired square-root exponentiations 2 × 670,
 * one shared Fp2 inversion, two isogenies 2 × 58), Q0 + Q1 57 (those four from an earlier
 * measurement), clear_cofactor ≈ 3,000 (its two [x] multiplications 2 × ≈ 1,390) — about 4,900 in
 * all (2026-12-02, load 4–5; full Jacobian additions in the chain: clear_cofactor ≈ 3,100–3,260,
 * the hash ≈ 4,970–5,150 in the same runs); the 127 doublings of clear_cofactor were over half.
 * Since then g2Double runs the fused pairing/kernels.ts g2DoubleJacobianUnsafe (8 fpMulPair instead of
 * 6 squarings and 2 fp2Mul): the whole hash 9–19 % faster in interleaved A/B runs (2026-12-03).
 */
import { FP2_BYTES, fp2Conj, fp2Mul, fp2Neg } from '../bls/fp2';
import { G2_JACOBIAN_BYTES, g2Add, g2Double } from '../bls/g2';
import { g2MulByXAbsJacobian } from '../bls/g2-chain';
import { fpMulPair } from '../bls/montgomery';
import { G2_PSI_X_MONT, G2_PSI_Y_MONT } from '../bls/params';
import { PSI2_X_PAIR, PSI2_Y_PAIR } from './constants';
import { H2F_UNIFORM_BYTES, expandMessageXmdFinish, expandMessageXmdStart, hashToFieldFp2x2 } from './expand';
import { SHA256_CONTEXT_BYTES, sha256Update } from './sha256';
import { mapToCurvePairUnsafe } from './sswu';

const F: usize = <usize>FP2_BYTES;
const J: usize = <usize>G2_JACOBIAN_BYTES;

const CONTEXT: usize = memory.data(SHA256_CONTEXT_BYTES, 16);
const UNIFORM: usize = memory.data(H2F_UNIFORM_BYTES, 16);
const U: usize = memory.data(2 * FP2_BYTES, 16);
const Q0: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const Q1: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const C1: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const C2: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const C3: usize = memory.data(G2_JACOBIAN_BYTES, 16);
const C4: usize = memory.data(G2_JACOBIAN_BYTES, 16);

/** out = −p (Jacobian). out may alias p. */
function g2NegJacobian(out: usize, p: usize): void {
  if (out != p) memory.copy(out, p, J);
  fp2Neg(out + F, out + F);
}

/** out = ψ(p) = (c_x·conj(X), c_y·conj(Y), conj(Z)) for a Jacobian p. out may alias p. */
export function g2PsiJacobian(out: usize, p: usize): void {
  fp2Conj(out, p);
  fp2Mul(out, out, G2_PSI_X_MONT);
  fp2Conj(out + F, p + F);
  fp2Mul(out + F, out + F, G2_PSI_Y_MONT);
  fp2Conj(out + 2 * F, p + 2 * F);
}

/** out = ψ^2(p) = (N(c_x)·X, N(c_y)·Y, Z), the Fp factors applied to both components in one SIMD product. */
function g2Psi2Jacobian(out: usize, p: usize): void {
  fpMulPair(out, p, PSI2_X_PAIR);
  fpMulPair(out + F, p + F, PSI2_Y_PAIR);
  if (out != p) memory.copy(out + 2 * F, p + 2 * F, F);
}

/**
 * out = [x]p for the BLS parameter x = −|x|: [|x|]p by g2-chain.ts (mixed additions on the isomorphic
 * curve of p's Z instead of full Jacobian ones), negated. out may alias p.
 */
export function g2MulByXUnsafe(out: usize, p: usize): void {
  g2MulByXAbsJacobian(out, p);
  fp2Neg(out + F, out + F);
}

/** out = h_eff·p (RFC 9380 Appendix G.3), in the prime-order subgroup G2. out may alias p. */
export function g2ClearCofactorUnsafe(out: usize, p: usize): void {
  g2MulByXUnsafe(C1, p); // t1 = [x]P
  g2PsiJacobian(C2, p); // t2 = ψ(P)
  g2Double(C3, p);
  g2Psi2Jacobian(C3, C3); // t3 = ψ^2(2P)
  g2NegJacobian(C4, C2);
  g2Add(C3, C3, C4); // t3 = t3 − t2
  g2Add(C2, C1, C2); // t2 = t1 + t2
  g2MulByXUnsafe(C4, C2); // t2 = [x]t2
  g2Add(C3, C3, C4); // t3 = t3 + t2
  g2NegJacobian(C1, C1);
  g2Add(C3, C3, C1); // t3 = t3 − t1
  g2NegJacobian(C4, p);
  g2Add(out, C3, C4); // Q = t3 − P
}

/**
 * outJacobian (X ‖ Y ‖ Z, 312 bytes, in the prime-order subgroup) = hash_to_curve of the message
 * whose b_0 context `ctx` has absorbed Z_pad and the message (expandMessageXmdStart + sha256Update).
 * dstLength is 1..255.
 */
export function hashToG2FinishUnsafe(outJacobian: usize, ctx: usize, dst: usize, dstLength: i32): void {
  sumOfMaps(outJacobian, ctx, dst, dstLength);
  g2ClearCofactorUnsafe(outJacobian, outJacobian);
}

/** outJacobian = map_to_curve(u0) + map_to_curve(u1), u0, u1 = hash_to_field of the message absorbed in `ctx`. */
function sumOfMaps(outJacobian: usize, ctx: usize, dst: usize, dstLength: i32): void {
  expandMessageXmdFinish(UNIFORM, H2F_UNIFORM_BYTES, ctx, dst, dstLength);
  hashToFieldFp2x2(U, UNIFORM);
  mapToCurvePairUnsafe(Q0, Q1, U, U + F);
  g2Add(outJacobian, Q0, Q1);
}

/**
 * outJacobian (X ‖ Y ‖ Z, 312 bytes, in the prime-order subgroup) = hash_to_curve(message) for
 * BLS12381G2_XMD:SHA-256_SSWU_RO_ with the given DST (1..255 bytes; longer ones must be reduced first,
 * RFC 9380 §5.3.3). Nothing is checked.
 */
export function hashToG2Unsafe(outJacobian: usize, message: usize, messageLength: i32, dst: usize, dstLength: i32): void {
  expandMessageXmdStart(CONTEXT);
  sha256Update(CONTEXT, message, messageLength);
  hashToG2FinishUnsafe(outJacobian, CONTEXT, dst, dstLength);
}

/**
 * outJacobian = map_to_curve(u0) + map_to_curve(u1) for the message: hash_to_curve without its last
 * step, clear_cofactor (a point of E'(Fp2), generally not in G2). clear_cofactor is a group
 * homomorphism, so a caller summing many hashes with scalars (Σ rᵢ·H(mᵢ), verify.ts) may clear
 * the cofactor once on the sum: h_eff·Σ rᵢQᵢ = Σ rᵢ·(h_eff·Qᵢ). dstLength is 1..255.
 */
export function hashToCurveBeforeClearingUnsafe(outJacobian: usize, message: usize, messageLength: i32, dst: usize, dstLength: i32): void {
  expandMessageXmdStart(CONTEXT);
  sha256Update(CONTEXT, message, messageLength);
  sumOfMaps(outJacobian, CONTEXT, dst, dstLength);
}

/** outJacobian = clear_cofactor(map_to_curve(u)) for one Fp2 element u (encode_to_curve's map; EIP-2537's MAP_FP2_TO_G2). */
export function mapToG2Unsafe(outJacobian: usize, u: usize): void {
  mapToCurvePairUnsafe(Q0, Q1, u, u);
  g2ClearCofactorUnsafe(outJacobian, Q0);
}
