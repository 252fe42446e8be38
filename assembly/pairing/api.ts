/**
 * The pairing check ∏ e(P_i, Q_i) == 1: the exported surface of the core's pairing (the arithmetic is
 * in fp6.ts, fp12.ts, miller.ts, final-exp.ts). Memory contract of src/wasm/core.ts: a fixed input
 * region whose offset is exported; one call checks a whole product.
 *
 * Region PAIRS: up to PAIRING_MAX_PAIRS pairs, each the uncompressed ZCash/blst encodings G1 (96
 * bytes) ‖ G2 (192 bytes), as g1Decode / g2Decode read them. A pair with either point at infinity
 * contributes 1 and is skipped. The points must lie in the prime-order subgroups: decoding checks
 * flags, canonical coordinates and the curve equations only.
 *
 * pairingCheck returns 1 (the product is 1), 0 (it is not), or a negative status of
 * ../bls/encoding.ts; pairingFailedInput() then names the pair and pairingFailedGroup() the point
 * (1 = G1, 2 = G2). The pairingTest… functions are test hooks over a separate test region.
 */
import {
  COUNT_OUT_OF_RANGE, DECODE_INFINITY, DECODE_NOT_CANONICAL, failedInputIndex, setFailedInput,
} from '../bls/encoding';
import { FP_BYTES, fpMul } from '../bls/fp';
import { FP2_BYTES, fp2Add, fp2Inv, fp2Mul, fp2Sqr } from '../bls/fp2';
import { fpMulPair } from '../bls/montgomery';
import { G1_ENCODED_BYTES, g1Decode } from '../bls/g1';
import { G2_ENCODED_BYTES, g2Decode } from '../bls/g2';
import { fp6Inv, fp6Mul } from './fp6';
import {
  FP12_BYTES, FP12_ENCODED_BYTES, fp12Conj, fp12CyclotomicSqr, fp12Frobenius, fp12FromBytes,
  fp12Inv, fp12Mul, fp12MulByLine, fp12SetOne, fp12Sqr, fp12ToBytes,
} from './fp12';
import { fp12CyclotomicExpAbsXUnsafe, fp12DecompressUnsafe, finalExponentiationUnsafe } from './final-exp';
import { MILLER_MAX_PAIRS, PAIR_BYTES, millerLoopUnsafe, pairingProductIsOneUnsafe } from './miller';
import {
  fp12CompressedSqrUnsafe, fp12LineProductUnsafe, fp12MulBySparseUnsafe, millerDoubleStepUnsafe,
} from './kernels';

/** Most pairs one call takes. */
export const PAIRING_MAX_PAIRS: i32 = MILLER_MAX_PAIRS;
const ENCODED_PAIR_BYTES: i32 = G1_ENCODED_BYTES + G2_ENCODED_BYTES;

const PAIRS: usize = memory.data(PAIRING_MAX_PAIRS * ENCODED_PAIR_BYTES, 16);
const DECODED: usize = memory.data(PAIRING_MAX_PAIRS * PAIR_BYTES, 16);
let failedGroup: i32 = 0;

export function pairingMaxPairs(): i32 {
  return PAIRING_MAX_PAIRS;
}
export function pairingPairsOffset(): usize {
  return PAIRS;
}
/** Index of the pair that made the last failing call fail. */
export function pairingFailedInput(): i32 {
  return failedInputIndex;
}
/** Which point of that pair: 1 = G1, 2 = G2 (0 when the count was wrong). */
export function pairingFailedGroup(): i32 {
  return failedGroup;
}

/** Decodes `count` encoded pairs into DECODED, skipping pairs with a point at infinity; the number kept, or a negative status. */
function decodePairs(count: i32): i32 {
  if (count < 0 || count > PAIRING_MAX_PAIRS) {
    setFailedInput(-1);
    failedGroup = 0;
    return COUNT_OUT_OF_RANGE;
  }
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const input = PAIRS + <usize>i * <usize>ENCODED_PAIR_BYTES;
    const out = DECODED + <usize>kept * <usize>PAIR_BYTES;
    const s1 = g1Decode(out, input);
    if (s1 < 0) return fail(i, 1, s1);
    const s2 = g2Decode(out + 2 * <usize>FP_BYTES, input + <usize>G1_ENCODED_BYTES);
    if (s2 < 0) return fail(i, 2, s2);
    if (s1 != DECODE_INFINITY && s2 != DECODE_INFINITY) kept++;
  }
  return kept;
}

function fail(index: i32, group: i32, status: i32): i32 {
  setFailedInput(index);
  failedGroup = group;
  return status;
}

/** 1 if ∏ e(P_i, Q_i) = 1 over the first `count` pairs of PAIRS, 0 if not, or a negative status. */
export function pairingCheck(count: i32): i32 {
  const kept = decodePairs(count);
  if (kept < 0) return kept;
  return pairingProductIsOneUnsafe(DECODED, kept) ? 1 : 0;
}

// ---- test hooks: A ‖ B ‖ OUT, each one Fp12 in noble's 576-byte form ----
const TEST_IO: usize = memory.data(3 * FP12_ENCODED_BYTES, 16);
const TEST_A: usize = TEST_IO;
const TEST_B: usize = TEST_IO + <usize>FP12_ENCODED_BYTES;
const TEST_OUT: usize = TEST_IO + 2 * <usize>FP12_ENCODED_BYTES;
const TA: usize = memory.data(FP12_BYTES, 16);
const TB: usize = memory.data(FP12_BYTES, 16);
const TR: usize = memory.data(FP12_BYTES, 16);
let benchPairs: i32 = 0;

/** Offset of the test region: A, B and OUT, 576 bytes each (noble's Fp12.toBytes order). */
export function pairingTestOffset(): usize {
  return TEST_IO;
}

function loadTestOperands(): bool {
  return fp12FromBytes(TA, TEST_A) && fp12FromBytes(TB, TEST_B);
}
function finishTest(): i32 {
  fp12ToBytes(TEST_OUT, TR);
  return 0;
}

/** OUT = A·B; 0, or DECODE_NOT_CANONICAL when A or B has a component not below p (so for every hook). */
export function pairingTestFp12Mul(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12Mul(TR, TA, TB);
  return finishTest();
}
export function pairingTestFp12Sqr(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12Sqr(TR, TA);
  return finishTest();
}
/** OUT = the Granger–Scott square of A (equals A^2 only for A in the cyclotomic subgroup). */
export function pairingTestFp12CyclotomicSqr(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12CyclotomicSqr(TR, TA);
  return finishTest();
}
export function pairingTestFp12Inv(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12Inv(TR, TA);
  return finishTest();
}
export function pairingTestFp12Conj(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12Conj(TR, TA);
  return finishTest();
}
/** OUT = A^(p^k), k = 1, 2, 3. */
export function pairingTestFp12Frobenius(k: i32): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12Frobenius(TR, TA, k);
  return finishTest();
}
/** OUT = A·ℓ with ℓ the sparse element of B's slots c0.c0, c0.c1, c1.c1 (the line shape). */
export function pairingTestFp12MulByLine(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  memory.copy(TR + 2 * <usize>FP2_BYTES, TB + 4 * <usize>FP2_BYTES, FP2_BYTES); // gather the line
  memory.copy(TR, TB, 2 * FP2_BYTES);
  memory.copy(TB, TR, 3 * FP2_BYTES);
  fp12MulByLine(TA, TB);
  memory.copy(TR, TA, FP12_BYTES);
  return finishTest();
}
/** Fp6 hooks: A's and B's first halves (c0) as Fp6 elements; OUT's first half receives the result. */
export function pairingTestFp6Mul(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12SetOne(TR);
  fp6Mul(TR, TA, TB);
  return finishTest();
}
export function pairingTestFp6Inv(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12SetOne(TR);
  fp6Inv(TR, TA);
  return finishTest();
}
/** OUT = Karabina's decompression of A's compressed slots (c1.c0, c0.c2, c0.c1, c1.c2); A itself when A is cyclotomic. */
export function pairingTestFp12Decompress(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12DecompressUnsafe(TR, TA);
  return finishTest();
}
/** OUT = A^|x| (A in the cyclotomic subgroup; compressed squarings inside). */
export function pairingTestFp12ExpAbsX(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  fp12CyclotomicExpAbsXUnsafe(TR, TA);
  return finishTest();
}
/** OUT = A^(3(p^12 − 1)/r). */
export function pairingTestFinalExp(): i32 {
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  finalExponentiationUnsafe(TR, TA);
  return finishTest();
}
/** OUT = ∏ e(P_i, Q_i) over the first `count` pairs of PAIRS (after the final exponentiation); 0 or a negative status. */
export function pairingTestToBytes(count: i32): i32 {
  const kept = decodePairs(count);
  if (kept < 0) return kept;
  millerLoopUnsafe(TR, DECODED, kept);
  finalExponentiationUnsafe(TR, TR);
  return finishTest();
}
/** OUT = the Miller loop value alone (before the final exponentiation) of the first `count` pairs. */
export function pairingTestMillerLoop(count: i32): i32 {
  const kept = decodePairs(count);
  if (kept < 0) return kept;
  millerLoopUnsafe(TR, DECODED, kept);
  return finishTest();
}

/**
 * Benchmark hook: decodes the first `count` pairs of PAIRS and A, B of the test region once, then runs
 * operation `op` n times on internal values (0 fp12Mul, 1 fp12Sqr, 2 fp12CyclotomicSqr, 3 fp12MulByLine,
 * 4 millerLoopUnsafe, 5 finalExponentiationUnsafe, 6 pairingProductIsOneUnsafe, 7 fp2Mul, 8 fp2Sqr,
 * 9 fpMul, 10 fp2Add, 11 doubling step, 12 fp12Inv, 13 fp6Mul, 14 fpMulPair, 15 compressed squaring, 16 exponentiation by |x|, 17 fp2Inv, 18 line product, 19 multiplication by a line product). Returns the decode status (≥ 0 ok).
 */
export function pairingTestBench(op: i32, n: i32, count: i32): i32 {
  const kept = decodePairs(count);
  if (kept < 0) return kept;
  benchPairs = kept;
  if (!loadTestOperands()) return DECODE_NOT_CANONICAL;
  for (let i = 0; i < n; i++) {
    if (op == 0) fp12Mul(TR, TA, TB);
    else if (op == 1) fp12Sqr(TA, TA);
    else if (op == 2) fp12CyclotomicSqr(TA, TA);
    else if (op == 3) fp12MulByLine(TA, TB);
    else if (op == 4) millerLoopUnsafe(TR, DECODED, benchPairs);
    else if (op == 5) finalExponentiationUnsafe(TR, TA);
    else if (op == 6) pairingProductIsOneUnsafe(DECODED, benchPairs);
    else if (op == 7) fp2Mul(TR, TA, TB);
    else if (op == 8) fp2Sqr(TA, TA);
    else if (op == 9) fpMul(TR, TA, TB);
    else if (op == 10) fp2Add(TR, TA, TB);
    else if (op == 11) millerDoubleStepUnsafe(TA, TR, TB);
    else if (op == 12) fp12Inv(TR, TA);
    else if (op == 13) fp6Mul(TR, TA, TB);
    else if (op == 14) fpMulPair(TR, TA, TB);
    else if (op == 15) fp12CompressedSqrUnsafe(TA, TA);
    else if (op == 16) fp12CyclotomicExpAbsXUnsafe(TR, TA);
    else if (op == 17) fp2Inv(TR, TA);
    else if (op == 18) fp12LineProductUnsafe(TR, TA, TB);
    else if (op == 19) fp12MulBySparseUnsafe(TA, TB);
  }
  return kept;
}
