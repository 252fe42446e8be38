/**
 * The BLS12-381 scalar field Fr: integers modulo the group order
 * r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001 (255 bits), one element per
 * 32-byte slot of linear memory. Single-element arithmetic for the batch calls of ./batch.ts; nothing
 * here is exported from the WebAssembly module, and nothing allocates.
 *
 * Representation: 8 little-endian 32-bit limbs in Montgomery form with R = 2^256. Multiplication is
 * CIOS (Coarsely Integrated Operand Scanning; Koç, Acar, Kaliski, "Analyzing and Comparing Montgomery
 * Multiplication Algorithms", IEEE Micro 1996) with the limbs of one operand and the accumulator in
 * locals: each 32x32-bit product plus two 32-bit addends fits a u64 exactly, so carries are folded in as
 * they go. Because r < 2^255, the result of a multiplication of reduced operands is below 2r < 2^256
 * and one conditional subtraction reduces it.
 *
 * Inversion is the binary extended Euclidean algorithm, variable-time: every inversion of the core's Fr
 * code is of public values (share indices and their differences), never of a secret.
 */

const LIMB_MASK: u64 = 0xffffffff;
/** −r⁻¹ mod 2^32, the Montgomery reduction constant. */
const R_INV_NEG: u64 = 0xffffffff;

/** r, little-endian 32-bit limbs. */
const MODULUS = memory.data<u32>([
  0x00000001, 0xffffffff, 0xfffe5bfe, 0x53bda402, 0x09a1d805, 0x3339d808, 0x299d7d48, 0x73eda753,
]);
/** R² mod r, to enter Montgomery form. */
const R_SQUARED = memory.data<u32>([
  0xf3f29c6d, 0xc999e990, 0x87925c23, 0x2b6cedcb, 0x7254398f, 0x05d31496, 0x9f59ff11, 0x0748d9d9,
]);
/** R³ mod r: turns the binary inversion's (aR)⁻¹ into Montgomery form a⁻¹R. */
const R_CUBED = memory.data<u32>([
  0x439b73af, 0xc62c1807, 0x8cf06990, 0x1b3e0d18, 0xc7b5f418, 0x73d13c71, 0xc8db33e9, 0x6e2a5bb9,
]);
/** The integer 1 (not in Montgomery form): multiplying by it leaves Montgomery form. */
const PLAIN_ONE = memory.data<u32>([1, 0, 0, 0, 0, 0, 0, 0]);
/** R mod r: the field element 1 in Montgomery form. */
export const MONT_ONE = memory.data<u32>([
  0xfffffffe, 0x00000001, 0x00034802, 0x5884b7fa, 0xecbc4ff5, 0x998c4fef, 0xacc5056f, 0x1824b159,
]);

/** Bytes of one element (8 limbs of 32 bits). */
export const FR_BYTES: i32 = 32;

// ---------------------------------------------------------------------------------------------------
// Single-element arithmetic on 32-byte slots (exported to ./batch.ts only)

// @ts-ignore: decorator
@inline
function limb(p: usize, i: usize): u64 {
  return <u64>load<u32>(p + (i << 2));
}

/** out = a · b · R⁻¹ mod r (Montgomery product). out may alias a or b. */
export function mulMont(out: usize, a: usize, b: usize): void {
  const a0 = limb(a, 0), a1 = limb(a, 1), a2 = limb(a, 2), a3 = limb(a, 3);
  const a4 = limb(a, 4), a5 = limb(a, 5), a6 = limb(a, 6), a7 = limb(a, 7);
  const p0 = limb(MODULUS, 0), p1 = limb(MODULUS, 1), p2 = limb(MODULUS, 2), p3 = limb(MODULUS, 3);
  const p4 = limb(MODULUS, 4), p5 = limb(MODULUS, 5), p6 = limb(MODULUS, 6), p7 = limb(MODULUS, 7);
  let t0: u64 = 0, t1: u64 = 0, t2: u64 = 0, t3: u64 = 0;
  let t4: u64 = 0, t5: u64 = 0, t6: u64 = 0, t7: u64 = 0, t8: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const bi = limb(b, i);
    // t += a · bᵢ
    let s = t0 + a0 * bi;
    t0 = s & LIMB_MASK;
    s = t1 + a1 * bi + (s >> 32);
    t1 = s & LIMB_MASK;
    s = t2 + a2 * bi + (s >> 32);
    t2 = s & LIMB_MASK;
    s = t3 + a3 * bi + (s >> 32);
    t3 = s & LIMB_MASK;
    s = t4 + a4 * bi + (s >> 32);
    t4 = s & LIMB_MASK;
    s = t5 + a5 * bi + (s >> 32);
    t5 = s & LIMB_MASK;
    s = t6 + a6 * bi + (s >> 32);
    t6 = s & LIMB_MASK;
    s = t7 + a7 * bi + (s >> 32);
    t7 = s & LIMB_MASK;
    t8 += s >> 32;
    // t = (t + m · r) / 2^32, with m chosen so the low limb cancels
    const m = (t0 * R_INV_NEG) & LIMB_MASK;
    s = t0 + m * p0;
    s = t1 + m * p1 + (s >> 32);
    t0 = s & LIMB_MASK;
    s = t2 + m * p2 + (s >> 32);
    t1 = s & LIMB_MASK;
    s = t3 + m * p3 + (s >> 32);
    t2 = s & LIMB_MASK;
    s = t4 + m * p4 + (s >> 32);
    t3 = s & LIMB_MASK;
    s = t5 + m * p5 + (s >> 32);
    t4 = s & LIMB_MASK;
    s = t6 + m * p6 + (s >> 32);
    t5 = s & LIMB_MASK;
    s = t7 + m * p7 + (s >> 32);
    t6 = s & LIMB_MASK;
    s = t8 + (s >> 32);
    t7 = s & LIMB_MASK;
    t8 = s >> 32;
  }
  // t < 2r < 2^256, so t8 is 0 here and one conditional subtraction of r finishes the reduction.
  store<u32>(out, <u32>t0, 0);
  store<u32>(out, <u32>t1, 4);
  store<u32>(out, <u32>t2, 8);
  store<u32>(out, <u32>t3, 12);
  store<u32>(out, <u32>t4, 16);
  store<u32>(out, <u32>t5, 20);
  store<u32>(out, <u32>t6, 24);
  store<u32>(out, <u32>t7, 28);
  reduceOnce(out);
}

/** True when the 8-limb value at a is ≥ r. */
function geModulus(a: usize): bool {
  for (let i: i32 = 7; i >= 0; i--) {
    const x = load<u32>(a + (<usize>i << 2));
    const p = load<u32>(MODULUS + (<usize>i << 2));
    if (x != p) return x > p;
  }
  return true;
}

/** a -= r when a ≥ r (a < 2r). */
function reduceOnce(a: usize): void {
  if (!geModulus(a)) return;
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const d = limb(a, i) - limb(MODULUS, i) - borrow;
    store<u32>(a + (i << 2), <u32>d);
    borrow = (d >> 63) & 1;
  }
}

/** out = a + b mod r (either form). */
export function add(out: usize, a: usize, b: usize): void {
  let carry: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const s = limb(a, i) + limb(b, i) + carry;
    store<u32>(out + (i << 2), <u32>s);
    carry = s >> 32;
  }
  // a + b < 2r < 2^256: no carry out of the top limb.
  reduceOnce(out);
}

/** out = a − b mod r (either form). */
export function sub(out: usize, a: usize, b: usize): void {
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    const d = limb(a, i) - limb(b, i) - borrow;
    store<u32>(out + (i << 2), <u32>d);
    borrow = (d >> 63) & 1;
  }
  if (borrow != 0) {
    let carry: u64 = 0;
    for (let i: usize = 0; i < 8; i++) {
      const s = limb(out, i) + limb(MODULUS, i) + carry;
      store<u32>(out + (i << 2), <u32>s);
      carry = s >> 32;
    }
  }
}

export function isZero(a: usize): bool {
  return (load<u64>(a, 0) | load<u64>(a, 8) | load<u64>(a, 16) | load<u64>(a, 24)) == 0;
}

export function copy(out: usize, a: usize): void {
  memory.copy(out, a, FR_BYTES);
}

/** r as four 64-bit limbs, for the binary inversion. */
const Q0: u64 = 0xffffffff00000001;
const Q1: u64 = 0x53bda402fffe5bfe;
const Q2: u64 = 0x3339d80809a1d805;
const Q3: u64 = 0x73eda753299d7d48;

/**
 * out = a⁻¹ (Montgomery form in and out; a must be non-zero) by the binary extended Euclidean
 * algorithm (Menezes, van Oorschot, Vanstone, "Handbook of Applied Cryptography", Algorithm 14.61,
 * specialised to an odd modulus). NOT constant time: its running time depends on a, so it is used only
 * on public values — products of share-index differences. About 4x faster here than Fermat's a^(r−2)
 * (255 Montgomery squarings), which dominated Lagrange coefficients for small t.
 *
 * Invariants: u ≡ x·a and v ≡ y·a (mod r), u and v shrink until one is 1. Run on the Montgomery value
 * aR it yields (aR)⁻¹ = a⁻¹R⁻¹; one Montgomery product with R³ turns that into a⁻¹R.
 */
export function invertUnsafe(out: usize, a: usize): void {
  let u0 = load<u64>(a, 0), u1 = load<u64>(a, 8), u2 = load<u64>(a, 16), u3 = load<u64>(a, 24);
  let v0 = Q0, v1 = Q1, v2 = Q2, v3 = Q3;
  let x0: u64 = 1, x1: u64 = 0, x2: u64 = 0, x3: u64 = 0;
  let y0: u64 = 0, y1: u64 = 0, y2: u64 = 0, y3: u64 = 0;
  let t: u64, c: u64;
  while (!(u0 == 1 && (u1 | u2 | u3) == 0) && !(v0 == 1 && (v1 | v2 | v3) == 0)) {
    while ((u0 & 1) == 0) {
      u0 = (u0 >> 1) | (u1 << 63);
      u1 = (u1 >> 1) | (u2 << 63);
      u2 = (u2 >> 1) | (u3 << 63);
      u3 >>= 1;
      // x /= 2 mod r: add r first when x is odd (x + r < 2^256 since r < 2^255).
      c = 0;
      if ((x0 & 1) != 0) {
        t = x0 + Q0; c = t < x0 ? 1 : 0; x0 = t;
        t = x1 + Q1 + c; c = t < x1 || (c == 1 && t == x1) ? 1 : 0; x1 = t;
        t = x2 + Q2 + c; c = t < x2 || (c == 1 && t == x2) ? 1 : 0; x2 = t;
        x3 = x3 + Q3 + c;
      }
      x0 = (x0 >> 1) | (x1 << 63);
      x1 = (x1 >> 1) | (x2 << 63);
      x2 = (x2 >> 1) | (x3 << 63);
      x3 >>= 1;
    }
    while ((v0 & 1) == 0) {
      v0 = (v0 >> 1) | (v1 << 63);
      v1 = (v1 >> 1) | (v2 << 63);
      v2 = (v2 >> 1) | (v3 << 63);
      v3 >>= 1;
      c = 0;
      if ((y0 & 1) != 0) {
        t = y0 + Q0; c = t < y0 ? 1 : 0; y0 = t;
        t = y1 + Q1 + c; c = t < y1 || (c == 1 && t == y1) ? 1 : 0; y1 = t;
        t = y2 + Q2 + c; c = t < y2 || (c == 1 && t == y2) ? 1 : 0; y2 = t;
        y3 = y3 + Q3 + c;
      }
      y0 = (y0 >> 1) | (y1 << 63);
      y1 = (y1 >> 1) | (y2 << 63);
      y2 = (y2 >> 1) | (y3 << 63);
      y3 >>= 1;
    }
    const uAtLeastV = u3 != v3 ? u3 > v3 : u2 != v2 ? u2 > v2 : u1 != v1 ? u1 > v1 : u0 >= v0;
    if (uAtLeastV) {
      // u −= v; x −= y (mod r)
      t = u0 - v0; c = u0 < v0 ? 1 : 0; u0 = t;
      t = u1 - v1 - c; c = u1 < v1 || (c == 1 && u1 == v1) ? 1 : 0; u1 = t;
      t = u2 - v2 - c; c = u2 < v2 || (c == 1 && u2 == v2) ? 1 : 0; u2 = t;
      u3 = u3 - v3 - c;
      t = x0 - y0; c = x0 < y0 ? 1 : 0; x0 = t;
      t = x1 - y1 - c; c = x1 < y1 || (c == 1 && x1 == y1) ? 1 : 0; x1 = t;
      t = x2 - y2 - c; c = x2 < y2 || (c == 1 && x2 == y2) ? 1 : 0; x2 = t;
      t = x3 - y3 - c; c = x3 < y3 || (c == 1 && x3 == y3) ? 1 : 0; x3 = t;
      if (c != 0) {
        t = x0 + Q0; c = t < x0 ? 1 : 0; x0 = t;
        t = x1 + Q1 + c; c = t < x1 || (c == 1 && t == x1) ? 1 : 0; x1 = t;
        t = x2 + Q2 + c; c = t < x2 || (c == 1 && t == x2) ? 1 : 0; x2 = t;
        x3 = x3 + Q3 + c;
      }
    } else {
      // v −= u; y −= x (mod r)
      t = v0 - u0; c = v0 < u0 ? 1 : 0; v0 = t;
      t = v1 - u1 - c; c = v1 < u1 || (c == 1 && v1 == u1) ? 1 : 0; v1 = t;
      t = v2 - u2 - c; c = v2 < u2 || (c == 1 && v2 == u2) ? 1 : 0; v2 = t;
      v3 = v3 - u3 - c;
      t = y0 - x0; c = y0 < x0 ? 1 : 0; y0 = t;
      t = y1 - x1 - c; c = y1 < x1 || (c == 1 && y1 == x1) ? 1 : 0; y1 = t;
      t = y2 - x2 - c; c = y2 < x2 || (c == 1 && y2 == x2) ? 1 : 0; y2 = t;
      t = y3 - x3 - c; c = y3 < x3 || (c == 1 && y3 == x3) ? 1 : 0; y3 = t;
      if (c != 0) {
        t = y0 + Q0; c = t < y0 ? 1 : 0; y0 = t;
        t = y1 + Q1 + c; c = t < y1 || (c == 1 && t == y1) ? 1 : 0; y1 = t;
        t = y2 + Q2 + c; c = t < y2 || (c == 1 && t == y2) ? 1 : 0; y2 = t;
        y3 = y3 + Q3 + c;
      }
    }
  }
  const uIsOne = u0 == 1 && (u1 | u2 | u3) == 0;
  store<u64>(out, uIsOne ? x0 : y0, 0);
  store<u64>(out, uIsOne ? x1 : y1, 8);
  store<u64>(out, uIsOne ? x2 : y2, 16);
  store<u64>(out, uIsOne ? x3 : y3, 24);
  mulMont(out, out, R_CUBED);
}

export function toMont(out: usize, a: usize): void {
  mulMont(out, a, R_SQUARED);
}

export function fromMont(out: usize, a: usize): void {
  mulMont(out, a, PLAIN_ONE);
}

/** Loads a u32 as a field element in Montgomery form. */
export function smallToMont(out: usize, value: u32): void {
  memory.fill(out, 0, FR_BYTES);
  store<u32>(out, value);
  toMont(out, out);
}

/** Checks that `count` 32-byte scalars at `ptr` are canonical (< r). */
export function allCanonical(ptr: usize, count: i32): bool {
  for (let i: i32 = 0; i < count; i++) {
    if (geModulus(ptr + <usize>i * FR_BYTES)) return false;
  }
  return true;
}
