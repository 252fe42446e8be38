/**
 * Inversion in Fp by Pornin's optimised binary GCD ("Optimized Binary GCD for Modular Inversion",
 * eprint 2020/972, Algorithm 2), on the 13 × 30-bit limbs of fp.ts: instead of one multi-precision
 * step per bit (the textbook binary algorithm halves or subtracts 381-bit numbers about 1,100 times),
 * each outer iteration runs 30 inner steps on 62-bit approximations of a and b — the low 30 bits and
 * the top 32 bits of each, which decide every parity and (nearly always) every comparison — records
 * them as a 2 × 2 matrix of factors |f| + |g| ≤ 2^30, and then applies the matrix once to the full
 * a, b (exact divisions by 2^30) and to u, v (with one Montgomery division by 2^30 mod p). Invariants:
 * a ≡ y·u and b ≡ y·v (mod p); b = p initially, and 26 outer iterations (780 ≥ 2·381 − 1 inner steps)
 * bring a to 0 and b to gcd(y, p) = 1, so then v = y^-1 mod p.
 *
 * The approximations may take a wrong swap decision, so a or b can come out negative (then negated
 * with its factors); Pornin proves the length still shrinks enough. The result is accepted only if
 * b ended as exactly 1: fpInvPlainUnsafe returns false otherwise and the caller falls back to the
 * textbook algorithm (never seen in the tests). Variable-time (inputs are public), no allocation.
 * Magnitudes: limbs < 2^30, factors ≤ 2^30, so every limb product is < 2^60 and a column sum with
 * the Montgomery term and the carry < 2^62 — i64 throughout.
 */
import { FP_LIMBS, P_LIMBS } from './params';

const L: usize = <usize>FP_LIMBS;
const MASK: i64 = 0x3fffffff;
/** −p^-1 mod 2^30 (the m of Montgomery's reduction, as in montgomery.ts). */
const NEG_PINV: i64 = 0x3ffcfffd;
/** Outer iterations: 26 × 30 = 780 ≥ 2·381 − 1 inner steps (Pornin's bound). */
const OUTER: i32 = 26;

const IA: usize = memory.data(52, 16);
const IB: usize = memory.data(52, 16);
const IU: usize = memory.data(52, 16);
const IV: usize = memory.data(52, 16);

@inline function limb(x: usize, j: usize): i64 {
  return <i64>load<i32>(x + (j << 2));
}

@inline function setLimb(x: usize, j: usize, v: i64): void {
  store<i32>(x + (j << 2), <i32>v);
}

/** Whether the limbs at x (limbs 0..11 in [0, 2^30), limb 12 signed) hold a negative value. */
@inline function isNegative(x: usize): bool {
  return limb(x, L - 1) < 0;
}

/** x = −x (limbs 0..11 normalised, the top limb signed). */
function negate(x: usize): void {
  let c: i64 = 0;
  for (let j: usize = 0; j < L - 1; j++) {
    const t = c - limb(x, j);
    setLimb(x, j, t & MASK);
    c = t >> 30;
  }
  setLimb(x, L - 1, c - limb(x, L - 1));
}

/** Whether x (non-negative, normalised) is below p. */
function belowP(x: usize): bool {
  let borrow: i64 = 0;
  for (let j: usize = 0; j < L; j++) borrow = (limb(x, j) - <i64>load<u32>(P_LIMBS + (j << 2)) + borrow) >> 30;
  return borrow < 0;
}

/** x = x + sign·p (sign ±1). */
function addP(x: usize, sign: i64): void {
  let c: i64 = 0;
  for (let j: usize = 0; j < L - 1; j++) {
    const t = limb(x, j) + sign * <i64>load<u32>(P_LIMBS + (j << 2)) + c;
    setLimb(x, j, t & MASK);
    c = t >> 30;
  }
  setLimb(x, L - 1, limb(x, L - 1) + sign * <i64>load<u32>(P_LIMBS + ((L - 1) << 2)) + c);
}

/** Bit length of the larger of a and b (both non-negative), at least 62. */
function lengthOf(a: usize, b: usize): i32 {
  for (let j = <i32>L - 1; j >= 0; j--) {
    const w = <u32>(limb(a, <usize>j) | limb(b, <usize>j));
    if (w != 0) return max(62, j * 30 + 32 - <i32>clz(w));
  }
  return 62;
}

/** floor(x / 2^s) mod 2^32 for non-negative normalised x and 30 ≤ s. */
function bitsFrom(x: usize, s: i32): u64 {
  const j = <usize>(s / 30);
  const r = <u64>(s % 30);
  let v = <u64>limb(x, j) >> r;
  if (j + 1 < L) v |= <u64>limb(x, j + 1) << (30 - r);
  if (j + 2 < L) v |= <u64>limb(x, j + 2) << (60 - r);
  return v & 0xffffffff;
}

/**
 * out = y^-1 mod p in plain limbs (y plain, normalised, in [1, p)), in [0, p). False if the run did
 * not end with b = 1 (the caller then inverts another way).
 */
export function fpInvPlainUnsafe(out: usize, y: usize): bool {
  memory.copy(IA, y, 52);
  memory.copy(IB, P_LIMBS, 52);
  memory.fill(IU, 0, 52);
  store<u32>(IU, 1);
  memory.fill(IV, 0, 52);
  for (let outer = 0; outer < OUTER; outer++) {
    const n = lengthOf(IA, IB);
    let a = <u64>limb(IA, 0) | (bitsFrom(IA, n - 32) << 30);
    let b = <u64>limb(IB, 0) | (bitsFrom(IB, n - 32) << 30);
    let f0: i64 = 1, g0: i64 = 0, f1: i64 = 0, g1: i64 = 1;
    for (let i = 0; i < 30; i++) {
      if ((a & 1) != 0) {
        if (a < b) {
          const t = a; a = b; b = t;
          const tf = f0; f0 = f1; f1 = tf;
          const tg = g0; g0 = g1; g1 = tg;
        }
        a -= b;
        f0 -= f1;
        g0 -= g1;
      }
      a >>= 1;
      f1 <<= 1;
      g1 <<= 1;
    }
    // (a, b) ← ((a f0 + b g0) / 2^30, (a f1 + b g1) / 2^30), exact divisions
    let ca: i64 = 0, cb: i64 = 0;
    for (let j: usize = 0; j < L; j++) {
      const x = limb(IA, j), z = limb(IB, j);
      const sa = x * f0 + z * g0 + ca;
      const sb = x * f1 + z * g1 + cb;
      ca = sa >> 30;
      cb = sb >> 30;
      if (j > 0) {
        setLimb(IA, j - 1, sa & MASK);
        setLimb(IB, j - 1, sb & MASK);
      }
    }
    setLimb(IA, L - 1, ca);
    setLimb(IB, L - 1, cb);
    if (isNegative(IA)) {
      negate(IA);
      f0 = -f0;
      g0 = -g0;
    }
    if (isNegative(IB)) {
      negate(IB);
      f1 = -f1;
      g1 = -g1;
    }
    // (u, v) ← ((u f0 + v g0) / 2^30, (u f1 + v g1) / 2^30) mod p, each then in [0, p)
    const u0 = limb(IU, 0), v0 = limb(IV, 0);
    let su = u0 * f0 + v0 * g0;
    let sv = u0 * f1 + v0 * g1;
    const mu = ((su & MASK) * NEG_PINV) & MASK;
    const mv = ((sv & MASK) * NEG_PINV) & MASK;
    const p0 = <i64>load<u32>(P_LIMBS);
    let cu = (su + mu * p0) >> 30;
    let cv = (sv + mv * p0) >> 30;
    for (let j: usize = 1; j < L; j++) {
      const pj = <i64>load<u32>(P_LIMBS + (j << 2));
      const x = limb(IU, j), z = limb(IV, j);
      su = x * f0 + z * g0 + mu * pj + cu;
      sv = x * f1 + z * g1 + mv * pj + cv;
      cu = su >> 30;
      cv = sv >> 30;
      setLimb(IU, j - 1, su & MASK);
      setLimb(IV, j - 1, sv & MASK);
    }
    setLimb(IU, L - 1, cu);
    setLimb(IV, L - 1, cv);
    // now in (−p, 2p)
    if (isNegative(IU)) addP(IU, 1);
    else if (!belowP(IU)) addP(IU, -1);
    if (isNegative(IV)) addP(IV, 1);
    else if (!belowP(IV)) addP(IV, -1);
  }
  if (limb(IB, 0) != 1) return false;
  for (let j: usize = 1; j < L; j++) if (limb(IB, j) != 0) return false;
  memory.copy(out, IV, 52);
  return true;
}
