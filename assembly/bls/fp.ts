/**
 * The BLS12-381 base field Fp (p = 0x1a0111ea…aaab, 381 bits): Montgomery arithmetic on 13 limbs of
 * 30 bits, one u32 per limb in linear memory (52 bytes per element). An element is a pointer; every
 * function writes its result through an `out` pointer, which may alias an input. Nothing allocates.
 * Not constant-time (the MSM works on public data: partial signatures, public shares, coefficients).
 *
 * Representation (Montgomery, R = 2^390; Handbook of Applied Cryptography 14.36, with the carries
 * delayed as in Mitscha-Baude, "Faster Montgomery multiplication in WebAssembly", ZPrize 2022):
 * - limbs are always normalised (each < 2^30); values are kept lazily in [0, 4p) instead of [0, p):
 *   the Montgomery product of inputs below 16p is below 2p (16p^2 < pR because 16p < 2^390), so no
 *   multiplication ever does a final subtraction, and add/sub need one conditional subtraction of 4p;
 * - an element is zero when it equals 0, p, 2p, 3p or 4p (fpIsZero); bytes leave only canonical.
 * The unrolled kernels (fpMul, fpMulPair, add/sub) are generated into montgomery.ts by generate.mjs,
 * which also derives every constant in params.ts from p, r and x and checks them against @noble/curves.
 *
 * ## Design note: limb representation, measured
 * ns per Fp multiplication, Node 20 / V8 TurboFan, AMD EPYC (Zen 4), a shared 2-core VM under a load
 * average of 2–8, so only figures from one process are comparable: 1–2 million dependent
 * multiplications per run after warm-up, min and median of 5–8 runs.
 * | variant                                                                |   min | median |
 * | A: 12 × 32-bit CIOS, fully unrolled ("no-carry" CIOS, carry per step)    |   146 |    183 |
 * | B: 14 × 29-bit, delayed carries, operand limbs in locals                 |   118 |    150 |
 * | B2: same, operand limbs re-loaded from memory (fewer register spills)    |   118 |    171 |
 * | C: 13 × 30-bit, delayed carries + one mid carry pass (338 products) ✔   |   100 |    153 |
 * | D: C in WASM SIMD, two independent products per call (i64x2 lanes),     |    71 |     89 |
 * |    cost per product ✔ (fpMulPair)                                       |       |        |
 * The 64-bit multiplier is the bottleneck (about one i64.mul per cycle), so fewer limb products win
 * over fewer carries: 13 × 30 (338 products) beats 14 × 29 (392) and 12 × 32 (288 products but a
 * serial carry chain). SIMD pays off only partly (V8 lowers i64x2.extmul_low_i32x4_u to two shuffles
 * and one pmuludq), about 1.4x per product.
 * Fp2 multiplication, same process (FpMul = 1.00): Karatsuba as one fpMulPair + one scalar fpMul +
 * additions 3.56; Karatsuba with the SIMD pair and the scalar product interleaved in one kernel (to
 * use both multipliers at once) 3.25; schoolbook with lazy reduction, both components in the two
 * SIMD lanes sharing one reduction (fp2Mul, 3 × 169 two-lane products) 2.24 ✔. Fp2 squaring as one
 * fpMulPair: 1.33. Inversion: Fermat a^(p−2) with a 4-bit window ≈ 480 FpMul; binary extended
 * Euclid on 64-bit words ≈ 130 FpMul; Pornin's optimised binary GCD (inverse.ts: 30 steps on 62-bit
 * approximations per multi-precision update) ≈ 31 FpMul ✔ (3.2 µs against 14.3 µs, one process, load ~35).
 * G1 uses the scalar kernel.
 */
import { fpMul } from './montgomery';
import {
  FP_LIMBS, LIMB_MASK, ONE_MONT, P_LIMBS, P_WORDS, R2_MONT, R3_MONT, ZERO_MULTIPLES,
} from './params';

export { fpMul, fpAdd, fpSub, fpDouble } from './montgomery';
import { fpSub } from './montgomery';
import { fpInvPlainUnsafe } from './inverse';

/** Bytes per field element in memory (13 u32 limbs). */
export const FP_BYTES: i32 = 52;
/** Bytes of a big-endian field element in the ZCash/blst encoding. */
export const FP_ENCODED_BYTES: i32 = 48;

const ZERO: usize = memory.data(FP_BYTES, 16);
/** 1 as a plain (non-Montgomery) integer: multiplying by it leaves Montgomery form. */
const PLAIN_ONE: usize = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const SCRATCH: usize = memory.data(FP_BYTES, 16);

export function fpCopy(out: usize, a: usize): void {
  memory.copy(out, a, FP_BYTES);
}

export function fpSetZero(out: usize): void {
  memory.fill(out, 0, FP_BYTES);
}

export function fpSetOne(out: usize): void {
  memory.copy(out, ONE_MONT, FP_BYTES);
}

export function fpSqr(out: usize, a: usize): void {
  fpMul(out, a, a);
}

export function fpNeg(out: usize, a: usize): void {
  fpSub(out, ZERO, a);
}

/** Whether the limbs at a (u32 every `stride` bytes) equal the 13 limbs at b. */
function limbsEqual(a: usize, stride: usize, b: usize): bool {
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    if (load<u32>(a + j * stride) != load<u32>(b + (j << 2))) return false;
  }
  return true;
}

/** Whether the element at a (limbs every `stride` bytes: 4 plain, 8 for an Fp2 component) is 0 mod p. */
export function fpIsZeroStrided(a: usize, stride: usize): bool {
  for (let k: usize = 0; k < 5; k++) {
    if (limbsEqual(a, stride, ZERO_MULTIPLES + k * <usize>FP_BYTES)) return true;
  }
  return false;
}

export function fpIsZero(a: usize): bool {
  return fpIsZeroStrided(a, 4);
}

/** a == b mod p. */
export function fpEquals(a: usize, b: usize): bool {
  fpSub(SCRATCH, a, b);
  return fpIsZero(SCRATCH);
}

/**
 * out = a^-1 (0 maps to 0): the plain inverse of the Montgomery value aR is (aR)^-1, and a Montgomery
 * product with R^3 turns it into a^-1·R. The inverse comes from Pornin's optimised binary GCD
 * (inverse.ts, about 4x faster here than the textbook algorithm below, which stays as the fallback
 * that algorithm's own check calls for and never needed in the tests).
 */
export function fpInv(out: usize, a: usize): void {
  memory.copy(INV_Y, a, FP_BYTES);
  while (!isBelowP(INV_Y)) subtractP(INV_Y);
  if (fpIsZeroStrided(INV_Y, 4)) {
    fpSetZero(out);
    return;
  }
  if (fpInvPlainUnsafe(SCRATCH, INV_Y)) fpMul(out, SCRATCH, R3_MONT);
  else fpInvBinary(out, a);
}

const INV_Y: usize = memory.data(FP_BYTES, 16);

/** x −= p (x ≥ p, normalised limbs). */
function subtractP(x: usize): void {
  let borrow: i64 = 0;
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    const d = <i64>load<u32>(x + (j << 2)) - <i64>load<u32>(P_LIMBS + (j << 2)) + borrow;
    borrow = d >> 30;
    store<u32>(x + (j << 2), <u32>(d & <i64>LIMB_MASK));
  }
}

/**
 * out = a^-1 (0 maps to 0) by the binary extended Euclidean algorithm (Guide to ECC, Algorithm 2.22)
 * on six 64-bit words — fpInv's fallback.
 */
function fpInvBinary(out: usize, a: usize): void {
  limbsToWords(INV_U, a);
  while (!wordsLess(INV_U, P_WORDS)) wordsSub(INV_U, P_WORDS);
  if (wordsIsZero(INV_U)) {
    fpSetZero(out);
    return;
  }
  memory.copy(INV_V, P_WORDS, WORDS_BYTES);
  memory.fill(INV_X1, 0, WORDS_BYTES);
  store<u64>(INV_X1, 1);
  memory.fill(INV_X2, 0, WORDS_BYTES);
  while (!wordsIsOne(INV_U) && !wordsIsOne(INV_V)) {
    while ((load<u64>(INV_U) & 1) == 0) {
      wordsHalve(INV_U);
      halveModP(INV_X1);
    }
    while ((load<u64>(INV_V) & 1) == 0) {
      wordsHalve(INV_V);
      halveModP(INV_X2);
    }
    if (!wordsLess(INV_U, INV_V)) {
      wordsSub(INV_U, INV_V);
      subModP(INV_X1, INV_X2);
    } else {
      wordsSub(INV_V, INV_U);
      subModP(INV_X2, INV_X1);
    }
  }
  wordsToLimbs(SCRATCH, wordsIsOne(INV_U) ? INV_X1 : INV_X2);
  fpMul(out, SCRATCH, R3_MONT);
}

const WORDS: usize = 6;
const WORDS_BYTES: i32 = 48;
const INV_U: usize = memory.data(WORDS_BYTES, 16);
const INV_V: usize = memory.data(WORDS_BYTES, 16);
const INV_X1: usize = memory.data(WORDS_BYTES, 16);
const INV_X2: usize = memory.data(WORDS_BYTES, 16);

/** Packs 13 normalised 30-bit limbs (value < 2^384) into six u64 words. */
function limbsToWords(words: usize, a: usize): void {
  let acc: u64 = 0;
  let bits: u32 = 0;
  let word: usize = 0;
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    const limb = <u64>load<u32>(a + (j << 2));
    acc |= limb << bits;
    bits += 30;
    if (bits >= 64) {
      store<u64>(words + (word << 3), acc);
      word++;
      bits -= 64;
      acc = limb >> (30 - bits);
    }
  }
  if (word < WORDS) store<u64>(words + (word << 3), acc);
}

/** Unpacks six u64 words (value < p) into 13 normalised 30-bit limbs. */
function wordsToLimbs(a: usize, words: usize): void {
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    const bit = j * 30;
    const w = bit >> 6;
    const shift = <u64>(bit & 63);
    let v = load<u64>(words + (w << 3)) >> shift;
    if (shift > 34 && w + 1 < WORDS) v |= load<u64>(words + ((w + 1) << 3)) << (64 - shift);
    store<u32>(a + (j << 2), <u32>(v & LIMB_MASK));
  }
}

function wordsIsZero(a: usize): bool {
  for (let i: usize = 0; i < WORDS; i++) if (load<u64>(a + (i << 3)) != 0) return false;
  return true;
}

function wordsIsOne(a: usize): bool {
  if (load<u64>(a) != 1) return false;
  for (let i: usize = 1; i < WORDS; i++) if (load<u64>(a + (i << 3)) != 0) return false;
  return true;
}

function wordsLess(a: usize, b: usize): bool {
  for (let i = <i32>WORDS - 1; i >= 0; i--) {
    const x = load<u64>(a + (<usize>i << 3)), y = load<u64>(b + (<usize>i << 3));
    if (x != y) return x < y;
  }
  return false;
}

/** a −= b (a ≥ b). */
function wordsSub(a: usize, b: usize): void {
  let borrow: u64 = 0;
  for (let i: usize = 0; i < WORDS; i++) {
    const x = load<u64>(a + (i << 3)), y = load<u64>(b + (i << 3));
    const t = x - borrow;
    const nextBorrow = <u64>(x < borrow) | <u64>(t < y);
    store<u64>(a + (i << 3), t - y);
    borrow = nextBorrow;
  }
}

/** a += b (the sum fits six words). */
function wordsAdd(a: usize, b: usize): void {
  let carry: u64 = 0;
  for (let i: usize = 0; i < WORDS; i++) {
    const x = load<u64>(a + (i << 3));
    const t = x + carry;
    const s = t + load<u64>(b + (i << 3));
    carry = <u64>(t < carry) | <u64>(s < t);
    store<u64>(a + (i << 3), s);
  }
}

function wordsHalve(a: usize): void {
  for (let i: usize = 0; i < WORDS - 1; i++) {
    store<u64>(a + (i << 3), (load<u64>(a + (i << 3)) >> 1) | (load<u64>(a + ((i + 1) << 3)) << 63));
  }
  store<u64>(a + ((WORDS - 1) << 3), load<u64>(a + ((WORDS - 1) << 3)) >> 1);
}

/** a = a / 2 mod p (a < p). */
function halveModP(a: usize): void {
  if ((load<u64>(a) & 1) != 0) wordsAdd(a, P_WORDS);
  wordsHalve(a);
}

/** a = a − b mod p (a, b < p). */
function subModP(a: usize, b: usize): void {
  if (wordsLess(a, b)) wordsAdd(a, P_WORDS);
  wordsSub(a, b);
}

/**
 * Reads a 48-byte big-endian integer into Montgomery form. Returns false (out unspecified) when the
 * integer is not below p, i.e. not a canonical field element.
 */
export function fpFromBytes(out: usize, bytes: usize): bool {
  let acc: u64 = 0;
  let bits: u32 = 0;
  let limb: usize = 0;
  for (let k = FP_ENCODED_BYTES - 1; k >= 0; k--) {
    acc |= <u64>load<u8>(bytes + <usize>k) << bits;
    bits += 8;
    if (bits >= 30) {
      store<u32>(out + (limb << 2), <u32>(acc & LIMB_MASK));
      limb++;
      acc >>= 30;
      bits -= 30;
    }
  }
  store<u32>(out + (limb << 2), <u32>acc);
  if (!isBelowP(out)) return false;
  fpMul(out, out, R2_MONT);
  return true;
}

/** Whether normalised limbs at a hold an integer below p. */
function isBelowP(a: usize): bool {
  let borrow: i64 = 0;
  for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
    const d = <i64>load<u32>(a + (j << 2)) - <i64>load<u32>(P_LIMBS + (j << 2)) + borrow;
    borrow = d >> 30;
  }
  return borrow < 0;
}

/** Writes the canonical value of a as 48 bytes big-endian. */
export function fpToBytes(bytes: usize, a: usize): void {
  fpMul(SCRATCH, a, PLAIN_ONE); // leaves Montgomery form; the result is at most p
  if (!isBelowP(SCRATCH)) {
    let borrow: i64 = 0;
    for (let j: usize = 0; j < <usize>FP_LIMBS; j++) {
      const d = <i64>load<u32>(SCRATCH + (j << 2)) - <i64>load<u32>(P_LIMBS + (j << 2)) + borrow;
      borrow = d >> 30;
      store<u32>(SCRATCH + (j << 2), <u32>(d & <i64>LIMB_MASK));
    }
  }
  let acc: u64 = 0;
  let bits: u32 = 0;
  let limb: usize = 0;
  for (let k = FP_ENCODED_BYTES - 1; k >= 0; k--) {
    if (bits < 8) {
      acc |= <u64>load<u32>(SCRATCH + (limb << 2)) << bits;
      limb++;
      bits += 30;
    }
    store<u8>(bytes + <usize>k, <u8>acc);
    acc >>= 8;
    bits -= 8;
  }
}
