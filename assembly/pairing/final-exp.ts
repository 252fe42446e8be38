/**
 * The final exponentiation of the BLS12-381 optimal ate pairing: f ↦ f^(3(p^12 − 1)/r).
 *
 * - Easy part f^((p^6 − 1)(p^2 + 1)): one conjugation, one inversion, one Frobenius p^2. Its result
 *   lies in the cyclotomic subgroup (order Φ12(p) = p^4 − p^2 + 1), where inversion is conjugation and
 *   squaring is the cheaper Granger–Scott squaring (fp12CyclotomicSqr).
 * - Hard part by the x-chain of Hayashida, Hayasaka and Teruya, "Efficient final exponentiation via
 *   cyclotomic structure for pairings over families of elliptic curves" (eprint 2020/875), §4 for
 *   BLS12: 3·Φ12(p)/r = (x − 1)^2 (x + p)(x^2 + p^2 − 1) + 3, which generate.mjs checks exactly.
 *   Five exponentiations by |x| (57 Karabina compressed squarings, 6 Granger–Scott squarings, one
 *   Fp2 inversion and 5 multiplications each, |x| having Hamming weight 6), two Frobenius maps, a
 *   handful of multiplications.
 * The exponent is 3 times the textbook (p^12 − 1)/r — the same power @noble/curves' chain computes, so
 * pairing values agree with bls12_381.pairing byte for byte; gcd(3, r) = 1, so "is one" is unaffected.
 */
import {
  FP2_BYTES, fp2Add, fp2Copy, fp2Double, fp2Inv, fp2IsZero, fp2Mul, fp2SetOne, fp2Sqr, fp2Sub,
} from '../bls/fp2';
import {
  FP12_BYTES, fp12Conj, fp12CyclotomicSqr, fp12Frobenius, fp12Inv, fp12Mul, fp12SetOne,
} from './fp12';
import { fp2SetZero } from './fp6';
import { fp12CompressedSqrUnsafe, fp2MulByXi } from './kernels';

const R: usize = memory.data(FP12_BYTES, 16);
const A: usize = memory.data(FP12_BYTES, 16);
const B: usize = memory.data(FP12_BYTES, 16);
const C: usize = memory.data(FP12_BYTES, 16);
const F: usize = <usize>FP2_BYTES;
/** Compressed forms (g2, g3, g4, g5), four Fp2 each: the working value and the two kept. */
const CW: usize = memory.data(4 * FP2_BYTES, 16);
const C16: usize = memory.data(4 * FP2_BYTES, 16);
const C48: usize = memory.data(4 * FP2_BYTES, 16);
const Z16: usize = memory.data(FP12_BYTES, 16);
const Z48: usize = memory.data(FP12_BYTES, 16);
const Z57: usize = memory.data(FP12_BYTES, 16);
const NUM: usize = memory.data(3 * FP2_BYTES, 16);
const DEN: usize = memory.data(3 * FP2_BYTES, 16);
const T0: usize = memory.data(FP2_BYTES, 16);
const T1: usize = memory.data(FP2_BYTES, 16);
const T2: usize = memory.data(FP2_BYTES, 16);

/**
 * out = a^|x| for a in the cyclotomic subgroup, |x| = 2^63 + 2^62 + 2^60 + 2^57 + 2^48 + 2^16: 57
 * Karabina compressed squarings (6 Fp2 squarings each instead of Granger–Scott's 9), the three values
 * a^(2^16), a^(2^48), a^(2^57) decompressed with one shared Fp2 inversion (Montgomery's trick), then 6
 * Granger–Scott squarings and 5 multiplications. out may alias a.
 */
export function fp12CyclotomicExpAbsXUnsafe(out: usize, a: usize): void {
  compress(CW, a);
  for (let i = 0; i < 16; i++) fp12CompressedSqrUnsafe(CW, CW);
  memory.copy(C16, CW, 4 * FP2_BYTES);
  for (let i = 0; i < 32; i++) fp12CompressedSqrUnsafe(CW, CW);
  memory.copy(C48, CW, 4 * FP2_BYTES);
  for (let i = 0; i < 9; i++) fp12CompressedSqrUnsafe(CW, CW);
  // numerators and denominators of g1, one inversion for the three denominators
  const one16 = decompressRatio(NUM, DEN, C16);
  const one48 = decompressRatio(NUM + F, DEN + F, C48);
  const one57 = decompressRatio(NUM + 2 * F, DEN + 2 * F, CW);
  fp2Mul(T0, DEN, DEN + F); // d0 d1
  fp2Mul(T1, T0, DEN + 2 * F); // d0 d1 d2
  fp2Inv(T1, T1);
  fp2Mul(T2, T1, T0); // 1/d2
  fp2Mul(NUM + 2 * F, NUM + 2 * F, T2);
  fp2Mul(T1, T1, DEN + 2 * F); // 1/(d0 d1)
  fp2Mul(T2, T1, DEN + F); // 1/d0
  fp2Mul(NUM, NUM, T2);
  fp2Mul(T2, T1, DEN); // 1/d1
  fp2Mul(NUM + F, NUM + F, T2);
  decompressFinish(Z16, C16, NUM, one16);
  decompressFinish(Z48, C48, NUM + F, one48);
  decompressFinish(Z57, CW, NUM + 2 * F, one57);
  fp12Mul(out, Z16, Z48);
  fp12Mul(out, out, Z57);
  for (let i = 0; i < 3; i++) fp12CyclotomicSqr(Z57, Z57); // a^(2^60)
  fp12Mul(out, out, Z57);
  for (let i = 0; i < 2; i++) fp12CyclotomicSqr(Z57, Z57); // a^(2^62)
  fp12Mul(out, out, Z57);
  fp12CyclotomicSqr(Z57, Z57); // a^(2^63)
  fp12Mul(out, out, Z57);
}

/**
 * out = Karabina's decompression of the compressed part (slots c1.c0, c0.c2, c0.c1, c1.c2) of a, with
 * its own inversion: equals a when a lies in the cyclotomic subgroup. A test hook's entry point.
 */
export function fp12DecompressUnsafe(out: usize, a: usize): void {
  compress(CW, a);
  const isOne = decompressRatio(NUM, DEN, CW);
  fp2Inv(T0, DEN);
  fp2Mul(NUM, NUM, T0);
  decompressFinish(out, CW, NUM, isOne);
}

/** c = (g2, g3, g4, g5) = slots (c1.c0, c0.c2, c0.c1, c1.c2) of a. */
function compress(c: usize, a: usize): void {
  fp2Copy(c, a + 3 * F);
  fp2Copy(c + F, a + 2 * F);
  fp2Copy(c + 2 * F, a + F);
  fp2Copy(c + 3 * F, a + 5 * F);
}

/**
 * g1 = num/den of Karabina's decompression: (3g4^2 − 2g3 + ξg5^2)/(4g2), or 2g4g5/g3 when g2 = 0.
 * When g2 = g3 = 0 the element is 1 (the only such element of the cyclotomic subgroup): den = 1 and
 * true is returned.
 */
function decompressRatio(num: usize, den: usize, c: usize): bool {
  const g2 = c, g3 = c + F, g4 = c + 2 * F, g5 = c + 3 * F;
  if (!fp2IsZero(g2)) {
    fp2Sqr(T0, g4);
    fp2Double(T1, T0);
    fp2Add(T0, T0, T1); // 3 g4^2
    fp2Double(T1, g3);
    fp2Sub(T0, T0, T1);
    fp2Sqr(T1, g5);
    fp2MulByXi(T1, T1);
    fp2Add(num, T0, T1);
    fp2Double(den, g2);
    fp2Double(den, den);
    return false;
  }
  if (!fp2IsZero(g3)) {
    fp2Mul(num, g4, g5);
    fp2Double(num, num);
    fp2Copy(den, g3);
    return false;
  }
  fp2SetZero(num);
  fp2SetOne(den);
  return true;
}

/** out = the element with compressed form c and g1 (already divided): g0 = ξ(2g1^2 − 3g3g4 + g2g5) + 1. */
function decompressFinish(out: usize, c: usize, g1: usize, isOne: bool): void {
  if (isOne) {
    fp12SetOne(out);
    return;
  }
  const g2 = c, g3 = c + F, g4 = c + 2 * F, g5 = c + 3 * F;
  fp2Sqr(T0, g1);
  fp2Double(T0, T0);
  fp2Mul(T1, g3, g4);
  fp2Double(T2, T1);
  fp2Add(T1, T1, T2);
  fp2Sub(T0, T0, T1);
  fp2Mul(T1, g2, g5);
  fp2Add(T0, T0, T1);
  fp2MulByXi(T0, T0);
  fp2SetOne(T1);
  fp2Add(out, T0, T1); // g0
  fp2Copy(out + F, g4);
  fp2Copy(out + 2 * F, g3);
  fp2Copy(out + 3 * F, g2);
  fp2Copy(out + 4 * F, g1);
  fp2Copy(out + 5 * F, g5);
}

/** out = a^(x − 1) = conj(a^(|x| + 1)) in the cyclotomic subgroup (x < 0). out must not alias a. */
function expXMinusOne(out: usize, a: usize): void {
  fp12CyclotomicExpAbsXUnsafe(out, a);
  fp12Mul(out, out, a);
  fp12Conj(out, out);
}

/** out = f^(3(p^12 − 1)/r). f must be non-zero (a Miller loop value is). out may alias f. */
export function finalExponentiationUnsafe(out: usize, f: usize): void {
  // easy part: r = f^(p^6 − 1) = conj(f)/f, then r^(p^2 + 1)
  fp12Inv(A, f);
  fp12Conj(R, f);
  fp12Mul(R, R, A);
  fp12Frobenius(A, R, 2);
  fp12Mul(R, R, A);
  // hard part: ((r^(x−1))^(x−1))^(x+p) ^(x^2+p^2−1) · r^3
  expXMinusOne(A, R); // r^(x−1)
  expXMinusOne(B, A); // r^((x−1)^2)
  fp12CyclotomicExpAbsXUnsafe(A, B);
  fp12Conj(A, A); // b^x
  fp12Frobenius(C, B, 1);
  fp12Mul(C, C, A); // c = b^(x+p)
  fp12CyclotomicExpAbsXUnsafe(A, C);
  fp12CyclotomicExpAbsXUnsafe(B, A); // c^(x^2)
  fp12Frobenius(A, C, 2);
  fp12Mul(B, B, A); // · c^(p^2)
  fp12Conj(C, C);
  fp12Mul(B, B, C); // · c^-1
  fp12CyclotomicSqr(A, R);
  fp12Mul(A, A, R); // r^3
  fp12Mul(out, B, A);
}
