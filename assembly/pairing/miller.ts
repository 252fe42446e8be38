/**
 * The optimal ate pairing of BLS12-381 (Vercauteren, "Optimal pairings", 2010): the Miller loop over
 * |x| = 0xd201000000010000 and the multi-pairing product ∏ e(P_i, Q_i) with ONE shared Miller
 * accumulator (one Fp12 squaring per bit for all pairs) and ONE final exponentiation.
 *
 * Q_i stays on the twist E'(Fp2): y^2 = x^3 + 4(1 + u), an M-type sextic twist, in homogeneous
 * projective coordinates (no inversion in the loop). Each step's line is evaluated at P_i straight
 * into the sparse "014" shape ℓ = l0 + l1·v + l2·vw (Fp12 slots c0.c0, c0.c1, c1.c1) and multiplied
 * into the accumulator by fp12MulByLine. Doubling and addition steps: Costello–Lange–Naehrig,
 * "Faster pairing computations on curves with high-degree twists" (PKC 2010, eprint 2009/615) §5 in
 * the form of Aranha, Karabina, Longa, Gebotys, López, "Faster explicit formulas for computing
 * pairings over ordinary curves" (Eurocrypt 2011, eprint 2010/526) eqs. (10) and (12), generated into
 * kernels.ts (millerDoubleStepUnsafe, millerAddStepUnsafe; see generate.mjs for the exact scaling).
 * Lines are off from the textbook ones by factors in Fp2 (and T by powers of 4), which the final
 * exponentiation removes. With two or more pairs the lines of a step are multiplied together two at a
 * time first (fp12LineProductUnsafe, 6 Fp2 products) and the accumulator by their five-slot product
 * (fp12MulBySparseUnsafe, 17) instead of twice by a line (2 × 13). x < 0: the loop value is
 * conjugated at the end (f_{−|x|} ~ 1/f_{|x|}).
 */
import { FP_BYTES, fpAdd, fpMul } from '../bls/fp';
import { FP2_BYTES, fp2Join, fp2SetOne } from '../bls/fp2';
import { fp2SetZero } from './fp6';
import { ATE_LOOP, NEG_INV4 } from './constants';
import { fp12Conj, fp12IsOne, fp12MulByLine, fp12SetLine, fp12SetOne, fp12Sqr, FP12_BYTES } from './fp12';
import { finalExponentiationUnsafe } from './final-exp';
import {
  fp12LineProductUnsafe, fp12MulBySparseUnsafe, millerAddStepUnsafe, millerDoubleStepUnsafe,
} from './kernels';

/** Bytes of one input pair: G1 affine x ‖ y (2 × 52) then G2 affine x ‖ y (2 × 104), Montgomery form. */
export const PAIR_BYTES: i32 = 2 * FP_BYTES + 2 * FP2_BYTES;
/** Most pairs one Miller loop takes (its per-pair scratch). */
export const MILLER_MAX_PAIRS: i32 = 64;

const F: usize = <usize>FP2_BYTES;
/** Per pair: T (projective X ‖ Y ‖ Z, 3 Fp2) ‖ c (3·xP and −yP/4 duplicated into both lanes, 2 Fp2). */
const STATE_BYTES: usize = 5 * F;
const STATE: usize = memory.data(MILLER_MAX_PAIRS * <i32>STATE_BYTES, 16);
const LINE: usize = memory.data(3 * FP2_BYTES, 16);
const LINE2: usize = memory.data(3 * FP2_BYTES, 16);
const SPARSE: usize = memory.data(FP12_BYTES, 16);
const TMP: usize = memory.data(FP_BYTES, 16);
const PRODUCT: usize = memory.data(FP12_BYTES, 16);

/**
 * f = ∏ f_{x,Q_i}(P_i), the Miller values of `count` pairs (PAIR_BYTES each at `pairs`, none at
 * infinity, count ≤ MILLER_MAX_PAIRS) multiplied together, already conjugated for x < 0 — ready for
 * finalExponentiationUnsafe. count = 0 gives f = 1.
 */
export function millerLoopUnsafe(f: usize, pairs: usize, count: i32): void {
  assert(count <= MILLER_MAX_PAIRS, 'millerLoopUnsafe: more pairs than its scratch holds');
  if (count <= 0) {
    fp12SetOne(f);
    return;
  }
  const n = <usize>count;
  for (let j: usize = 0; j < n; j++) {
    const pair = pairs + j * <usize>PAIR_BYTES;
    const state = STATE + j * STATE_BYTES;
    memory.copy(state, pair + 2 * <usize>FP_BYTES, 2 * F); // T = (xQ, yQ, 1)
    fp2SetOne(state + 2 * F);
    fpAdd(TMP, pair, pair);
    fpAdd(TMP, TMP, pair);
    fp2Join(state + 3 * F, TMP, TMP); // 3·xP in both lanes
    fpMul(TMP, pair + <usize>FP_BYTES, NEG_INV4);
    fp2Join(state + 4 * F, TMP, TMP); // −yP/4 in both lanes
  }
  // the top bit of |x| is T = Q itself; bit 62 down to 0 below
  for (let i = 62; i >= 0; i--) {
    if (i != 62) fp12Sqr(f, f);
    lineStepsUnsafe(f, pairs, n, false, i == 62);
    if (((ATE_LOOP >> <u64>i) & 1) != 0) lineStepsUnsafe(f, pairs, n, true, false);
  }
  fp12Conj(f, f);
}

/**
 * One doubling (or addition) step for every pair, each line multiplied into f. Lines are taken two at
 * a time: ℓ·μ first (fp12LineProductUnsafe, 6 fp2Mul), then f by that five-slot product (17 fp2Mul),
 * instead of two sparse multiplications (2 × 13). `first`: f is still 1, so it is set, not multiplied.
 */
function lineStepsUnsafe(f: usize, pairs: usize, n: usize, addition: bool, first: bool): void {
  let j: usize = 0;
  for (; j + 1 < n; j += 2) {
    step(pairs, j, LINE, addition);
    step(pairs, j + 1, LINE2, addition);
    if (first && j == 0) {
      fp12LineProductUnsafe(f, LINE, LINE2);
      fp2SetZero(f + 3 * F);
    } else {
      fp12LineProductUnsafe(SPARSE, LINE, LINE2);
      fp12MulBySparseUnsafe(f, SPARSE);
    }
  }
  if (j < n) {
    step(pairs, j, LINE, addition);
    if (first && j == 0) fp12SetLine(f, LINE);
    else fp12MulByLine(f, LINE);
  }
}

/** The doubling or addition step of pair j: T_j updated, its line at P_j into `line`. */
@inline
function step(pairs: usize, j: usize, line: usize, addition: bool): void {
  const state = STATE + j * STATE_BYTES;
  if (addition) millerAddStepUnsafe(state, pairs + j * <usize>PAIR_BYTES + 2 * <usize>FP_BYTES, line, state + 3 * F);
  else millerDoubleStepUnsafe(state, line, state + 3 * F);
}

/**
 * After millerLoopUnsafe: pair j's final T, which is [|x|]Q_j in homogeneous projective X ‖ Y ‖ Z
 * (the loop runs double-and-add over |x|). Its Z is 0 when the formulas met an exceptional case
 * (T = O or T = ±Q_j), possible only for a Q_j of small order. verify.ts reads it for G2's subgroup
 * check of the signature, saving the separate [|x|]σ.
 */
export function millerLoopMultipleOf(j: i32): usize {
  return STATE + <usize>j * STATE_BYTES;
}

/** ∏ e(P_i, Q_i) == 1 over `count` pairs (layout of millerLoopUnsafe; points in the prime-order subgroups). */
export function pairingProductIsOneUnsafe(pairs: usize, count: i32): bool {
  millerLoopUnsafe(PRODUCT, pairs, count);
  finalExponentiationUnsafe(PRODUCT, PRODUCT);
  return fp12IsOne(PRODUCT);
}
