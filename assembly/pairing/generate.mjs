// Generates the pairing's constants (assembly/pairing/constants.ts) and its fused tower kernels
// (assembly/pairing/kernels.ts) from p, x and the tower Fp2 = Fp[u]/(u^2+1), Fp6 = Fp2[v]/(v^3-ξ),
// ξ = u + 1, Fp12 = Fp6[w]/(w^2 - v), so that no constant or unrolled formula is typed by hand.
// Run: node assembly/pairing/generate.mjs. With --check it writes nothing and exits 1 if a committed
// file differs (test/wasm/pairing-generated.test.ts runs that). --stats prints the kernels' sizes;
// --fp2mul emits the big composites with one fp2Mul per Fp2 product instead of Karatsuba lanes (for
// comparison only: --check expects the default).
//
// Every constant is checked against @noble/curves before it is written (the Frobenius coefficients
// against Fp12.frobeniusMap, the final-exponentiation identity of Hayashida–Hayasaka–Teruya and the
// exponent noble's chain computes), and so is every generated formula: each composite below is run
// here with noble's Fp2 arithmetic on random inputs and compared with noble's Fp6.mul / Fp12.mul /
// Fp12.sqr / Fp12._cyclotomicSquare / G2 doubling and addition (Karabina's squaring through a
// decompression). Each emitted linear kernel is then emulated limb by limb on adversarial inputs (0,
// bound − 1, all-ones limbs, random below the bound): every limb sum the kernel shifts right must lie
// in [0, 2^63), and the output must be right mod p and within its declared bound.
//
// ## The kernel DSL
// The core's Fp2 elements are interleaved (fp2.ts): limb j of c0 and of c1 sit side by side, so one
// i64x2 SIMD lane per component works on both at once. A *linear kernel* computes Fp2 outputs that
// are integer linear combinations of Fp2 inputs, where a term may read an input's lanes swapped or
// duplicated — that is how multiplication by ξ = 1 + u, ξ(a0 + a1 u) = (a0 − a1) + (a0 + a1)u, becomes
// two terms, and how cross-lane combinations of fpMulPair results are formed. One pass over the 13
// limbs adds every term at once, plus a multiple of p (and, per limb, 2^30-multiples lent by the next
// limb) that keeps each limb sum non-negative, so that carries are logical shifts; it then stores the
// value unreduced ("lazy", for an operand of a multiplication) or reduces it into [0, 4p): one
// conditional subtraction of 4p when the value is below 8p, else one quotient estimate from the top
// limb. A *composite* is a straight-line schedule of linear kernels and Montgomery products on named
// Fp2 slots. Fp2 products feeding only linear kernels are Karatsuba over Fp on fpMulPair lanes:
// (x0 y0, x1 y1) in one call and the (x0 + x1)(y0 + y1) of two products side by side in another, 1.5
// fpMulPair per Fp2 product — on this machine markedly cheaper than fp2Mul, whose kernel spills
// (measured: 176 vs 412 ns per call under load). The generator tracks an upper bound (in units of p)
// of every slot and refuses a schedule that exceeds what a kernel accepts: fp2Mul(x, y) x < 16p,
// y < 4p; fpMulPair bound(x)·bound(y) ≤ 256 (both give < 2p); a linear kernel's sums below 2^389.
//
// ## The emitted code, for V8
// Two rules of the emitted text are about how V8's TurboFan compiles it (measured, A/B in one
// process: fp12Mul 18% faster, the 2-pair Miller loop 28%, the final exponentiation 19%):
// - every limb of a linear kernel is stored the moment it is formed — lo(s_j) to the output of a lazy
//   value, s_j to a 13-limb scratch (LS) for a reduced one, whose reduction (conditional subtraction
//   of 4p, or the quotient estimate) is a second pass reading LS back. Loads sit on the effect chain
//   and arithmetic floats to its first use, so with one store per output V8 put every load of that
//   output (up to 14 inputs × 13 limbs) ahead of all the arithmetic and spilled the lot (fp12Mul's
//   last kernel had 8,508 stack accesses in 16,438 instructions; 1,254 in 9,353 now);
// - per-limb constants (the offsets, 4p, p's limbs) are loads from one table, KC, not v128
//   constants, which V8 rematerialises at every use in three instructions and, when a value recurs,
//   also keeps live and spills.
import { readFileSync, writeFileSync } from 'node:fs';
import { bls12_381 } from '@noble/curves/bls12-381.js';

const { Fp, Fp2, Fp6, Fp12 } = bls12_381.fields;
const P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const R_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const X = -0xd201000000010000n; // the BLS parameter x (negative)
const LIMBS = 13, BITS = 30, MASK = (1n << 30n) - 1n;
const MONT_R = 1n << BigInt(LIMBS * BITS);
const FP2_BYTES = 104;
/** Fp2 products of the big composites as Karatsuba over fpMulPair lanes (see Composite.products). */
const KARATSUBA_FP2 = !process.argv.includes('--fp2mul');
if (P !== Fp.ORDER) throw new Error('p differs from noble');

const mod = (a, m = P) => ((a % m) + m) % m;
const limbs = (x) => Array.from({ length: LIMBS }, (_, i) => (x >> BigInt(BITS * i)) & MASK);
const mont = (x) => mod(x * MONT_R);
const lit = (x) => `0x${BigInt(x).toString(16)}`;
const arr = (xs) => `[${xs.map(lit).join(', ')}]`;
/** An Fp2 constant {c0, c1} as interleaved Montgomery limbs (fp2.ts layout). */
const fp2Limbs = ({ c0, c1 }) => limbs(mont(c0)).flatMap((l, j) => [l, limbs(mont(c1))[j]]);
const header = (what) => `// GENERATED by assembly/pairing/generate.mjs — do not edit; ${what}\n`;

// deterministic pseudo-random field elements for the self-checks (xorshift64)
let seed = 0x9e3779b97f4a7c15n;
const rand = () => {
  let x = 0n;
  for (let i = 0; i < 7; i++) {
    seed ^= (seed << 13n) & 0xffffffffffffffffn;
    seed ^= seed >> 7n;
    seed ^= (seed << 17n) & 0xffffffffffffffffn;
    x = (x << 64n) | seed;
  }
  return x % P;
};
const rand2 = () => Fp2.create({ c0: rand(), c1: rand() });
const rand6 = () => Fp6.create({ c0: rand2(), c1: rand2(), c2: rand2() });
const rand12 = () => Fp12.create({ c0: rand6(), c1: rand6() });
const eq2 = (a, b) => Fp2.eql(a, b);
/** An Fp12 as the six Fp2 slots in memory order: c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2. */
const slots12 = (f) => [f.c0.c0, f.c0.c1, f.c0.c2, f.c1.c0, f.c1.c1, f.c1.c2];
const from12 = (s) => Fp12.create({ c0: { c0: s[0], c1: s[1], c2: s[2] }, c1: { c0: s[3], c1: s[4], c2: s[5] } });
const check = (ok, what) => { if (!ok) throw new Error(`generate.mjs self-check failed: ${what}`); };

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------
const XI = Fp2.create({ c0: 1n, c1: 1n });
check(Fp2.eql(Fp2.NONRESIDUE, XI), 'noble tower non-residue is u + 1');
// Frobenius: f = Σ g_i w^i (i = 0..5, w^6 = ξ) ↦ f^(p^k) = Σ conj^k(g_i) γ_{k,i}, γ_{k,i} = ξ^(i(p^k−1)/6)
const gamma = (k, i) => Fp2.pow(XI, (BigInt(i) * (P ** BigInt(k) - 1n)) / 6n);
// memory slot s (c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2) holds the coefficient of w^W_OF_SLOT[s]
const W_OF_SLOT = [0, 2, 4, 1, 3, 5];
const frobenius = (f, k) => from12(slots12(f).map((g, s) => Fp2.mul(k % 2 ? Fp2.frobeniusMap(g, 1) : g, gamma(k, W_OF_SLOT[s]))));
for (let t = 0; t < 4; t++) {
  const f = rand12();
  for (const k of [1, 2, 3]) check(Fp12.eql(frobenius(f, k), Fp12.frobeniusMap(f, k)), `frobenius^${k}`);
}
for (let i = 0; i < 6; i++) check(gamma(2, i).c1 === 0n, 'γ_{2,i} lies in Fp');

// Final exponentiation, hard part (Hayashida–Hayasaka–Teruya, eprint 2020/875, §4 for BLS12):
// 3·(p^4 − p^2 + 1)/r = (x − 1)^2 (x + p)(x^2 + p^2 − 1) + 3, exactly.
const PHI12 = P ** 4n - P ** 2n + 1n;
check(PHI12 % R_ORDER === 0n, 'r divides Φ12(p)');
check(3n * (PHI12 / R_ORDER) === (X - 1n) ** 2n * (X + P) * (X * X + P * P - 1n) + 3n, 'HHT identity');
// noble's chain computes the same power, 3Λ, so e(P, Q) here equals bls12_381.pairing(P, Q) exactly
{
  const m = (a) => mod(a, PHI12);
  const t2 = m(X), t3 = m(t2 - 2n), t4 = m(t3 * X), t5 = m(t4 * X), t6 = m(t5 * X + 2n * t2), t7 = m(t6 * X);
  const e = m((t2 + t5) * P ** 2n + (t4 + 1n) * P ** 3n + (t6 - 1n) * P + t7 - t3 + 1n);
  check(e === m(3n * (PHI12 / R_ORDER)), 'noble final exponent is 3Λ');
}

// Miller loop: bits of |x| below the top one, most significant first, as one u64
const X_ABS = -X;
check((X_ABS >> 63n) === 1n, '|x| has 64 bits');

// projective doubling on E': y^2 = x^3 + b', b' = 4ξ; 3b' = 12ξ
const B3_TWIST = Fp2.mul(XI, Fp2.create({ c0: 12n, c1: 0n }));
const NEG_INV4_VALUE = Fp.neg(Fp.inv(4n));
check(mod(NEG_INV4_VALUE * 4n) === P - 1n, '−1/4');

let constants = header('pairing constants (Frobenius coefficients of the tower, the Miller loop parameter).') + `
/**
 * Frobenius coefficients γ_{k,i} = ξ^(i(p^k − 1)/6), ξ = 1 + u, for k = 1, 2, 3: f^(p^k) maps the
 * coefficient g_i of w^i to conj^k(g_i)·γ_{k,i}. Five entries per table (i = 1..5), each an Fp2 element
 * in Montgomery form, interleaved (104 bytes). For k = 2 every γ lies in Fp and is stored duplicated
 * in both lanes, so that one fpMulPair scales an Fp2 element by it.
 */
export const FROBENIUS_1: usize = memory.data<u32>(${arr([1, 2, 3, 4, 5].flatMap((i) => fp2Limbs(gamma(1, i))))});
export const FROBENIUS_2: usize = memory.data<u32>(${arr([1, 2, 3, 4, 5].flatMap((i) => fp2Limbs({ c0: gamma(2, i).c0, c1: gamma(2, i).c0 })))});
export const FROBENIUS_3: usize = memory.data<u32>(${arr([1, 2, 3, 4, 5].flatMap((i) => fp2Limbs(gamma(3, i))))});
/** |x| = ${lit(X_ABS)} (x = −|x|), the optimal ate loop parameter of BLS12-381. */
export const ATE_LOOP: u64 = ${lit(X_ABS)};
/** −1/4 mod p in Montgomery form (Fp, 13 limbs): the doubling step's line uses −yP/4. */
export const NEG_INV4: usize = memory.data<u32>(${arr(limbs(mont(NEG_INV4_VALUE)))});
`;

// ---------------------------------------------------------------------------------------------
// Symbolic Fp2 linear expressions: Map "slot|swap" -> [coefficient of lane 0, of lane 1]
// ---------------------------------------------------------------------------------------------
const key = (slot, swap) => `${slot}|${swap ? 1 : 0}`;
const unkey = (k) => { const i = k.lastIndexOf('|'); return [k.slice(0, i), k.slice(i + 1) === '1']; };
function lin(entries) {
  const m = new Map();
  for (const [k, c] of entries) {
    const old = m.get(k) ?? [0, 0];
    const v = [old[0] + c[0], old[1] + c[1]];
    if (v[0] === 0 && v[1] === 0) m.delete(k); else m.set(k, v);
  }
  return m;
}
const V = (slot) => lin([[key(slot, false), [1, 1]]]);
const add = (...es) => lin(es.flatMap((e) => [...e]));
const scale = (e, k) => lin([...e].map(([kk, c]) => [kk, [c[0] * k, c[1] * k]]));
const neg = (e) => scale(e, -1);
const sub = (a, ...bs) => add(a, ...bs.map(neg));
/** ξ·e: a term reading X with lane coefficients (c0, c1) becomes the same term plus X swapped with (−c1, c0). */
const xi = (e) => lin([...e].flatMap(([k, c]) => {
  const [slot, swap] = unkey(k);
  return [[k, c], [key(slot, !swap), [-c[1], c[0]]]];
}));
/** Operands (x, y) of an Fp2 squaring by one fpMulPair: x = (s0 + s1, 2 s0), y = (s0 − s1, s1), x·y = s^2. */
const squareOperands = (e) => [
  lin([...e].flatMap(([k, c]) => { const [slot, swap] = unkey(k); return [[k, [c[0], 0]], [key(slot, !swap), [c[1], 2 * c[0]]]]; })),
  lin([...e].flatMap(([k, c]) => { const [slot, swap] = unkey(k); return [[k, [c[0], c[1]]], [key(slot, !swap), [-c[1], 0]]]; })),
];

// numeric evaluation of an expression with noble (values: Map slot -> Fp2)
function evalLin(e, values) {
  let c0 = 0n, c1 = 0n;
  for (const [k, c] of e) {
    const [slot, swap] = unkey(k);
    const v = values.get(slot);
    if (v === undefined) throw new Error(`slot ${slot} read before written`);
    const [x0, x1] = swap ? [v.c1, v.c0] : [v.c0, v.c1];
    c0 += BigInt(c[0]) * x0;
    c1 += BigInt(c[1]) * x1;
  }
  return Fp2.create({ c0: mod(c0), c1: mod(c1) });
}

// ---------------------------------------------------------------------------------------------
// Composites: schedules of linear kernels and products
// ---------------------------------------------------------------------------------------------
// ---- how a linear kernel forms its terms (used when a kernel is scheduled and when it is emitted) ----
const M30 = lit(MASK);
/** x·m for a small non-negative m as shifts and adds of the i64x2 value x. */
function mulSmall(x, m) {
  const parts = [];
  for (let k = 0; m >> k; k++) if ((m >> k) & 1) parts.push(k === 0 ? x : `shl(${x}, ${k})`);
  return parts.reduce((s, p) => (s === null ? p : `add(${s}, ${p})`), null);
}
const popcount = (m) => { let n = 0; for (; m; m >>= 1) n += m & 1; return n; };
const vec = (a, b) => `i64x2(${lit(BigInt.asIntN(64, BigInt(a)))}, ${lit(BigInt.asIntN(64, BigInt(b)))})`.replace(/0x-/g, '-0x');
/** Lane coefficients (c0, c1) times x: the magnitude expression, whether to subtract, xor corrections. */
function termExpr(x, c) {
  const m0 = Math.abs(c[0]), m1 = Math.abs(c[1]);
  let mag;
  if (m0 === m1) mag = mulSmall(x, m0);
  else {
    const parts = [];
    for (let k = 0; (m0 | m1) >> k; k++) {
      const b0 = (m0 >> k) & 1, b1 = (m1 >> k) & 1;
      if (!b0 && !b1) continue;
      const masked = b0 && b1 ? x : `and(${x}, ${vec(b0 ? -1 : 0, b1 ? -1 : 0)})`;
      parts.push(k === 0 ? masked : `shl(${masked}, ${k})`);
    }
    mag = parts.reduce((s, p) => (s === null ? p : `add(${s}, ${p})`), null);
  }
  const n0 = c[0] < 0, n1 = c[1] < 0;
  if ((n0 || c[0] === 0) && (n1 || c[1] === 0)) return { expr: mag, sub: true, corr: [0, 0] };
  if (!n0 && !n1) return { expr: mag, sub: false, corr: [0, 0] };
  // mixed signs: negate one lane as (v ^ −1) + 1, the +1 folded into the per-limb constant
  return { expr: `xor(${mag}, ${vec(n0 ? -1 : 0, n1 ? -1 : 0)})`, sub: false, corr: [n0 ? 1 : 0, n1 ? 1 : 0] };
}
function termCost(c) {
  const m0 = Math.abs(c[0]), m1 = Math.abs(c[1]);
  if (m0 === m1) return popcount(m0) * 2 + (c[0] === -c[1] ? 1 : 0);
  return (popcount(m0 | m1) * 3) + ((c[0] < 0) !== (c[1] < 0) && c[0] !== 0 && c[1] !== 0 ? 1 : 0);
}
// arrangements of an input's two lanes: the source lane read by output lanes 0 and 1
const ARRANGEMENTS = { same: [0, 1], swap: [1, 0], dup0: [0, 0], dup1: [1, 1] };
const SHUFFLE = { swap: 'swap', dup0: 'dup0', dup1: 'dup1' };
/**
 * How to form Σ M[l][src]·x[src] (output lane l, input lane src) for one input: the cheapest of
 * same+swap, dup0+dup1, or a mix of all four with equal lane coefficients (possible when the rows of M
 * have equal sums), counting shuffles and shift/add/mask work.
 */
function planInput(M) {
  const cands = [
    [['same', [M[0][0], M[1][1]]], ['swap', [M[0][1], M[1][0]]]],
    [['dup0', [M[0][0], M[1][0]]], ['dup1', [M[0][1], M[1][1]]]],
  ];
  if (M[0][0] + M[0][1] === M[1][0] + M[1][1]) {
    for (let t = -8; t <= 8; t++) {
      const aI = M[0][0] - t, aJ = M[1][0] - t, a0 = t, a1 = M[1][1] - M[0][0] + t;
      cands.push([['same', [aI, aI]], ['swap', [aJ, aJ]], ['dup0', [a0, a0]], ['dup1', [a1, a1]]]);
    }
  }
  let best = null, bestCost = Infinity;
  for (const cand of cands) {
    const terms = cand.filter(([, c]) => c[0] !== 0 || c[1] !== 0);
    const cost = terms.reduce((s, [arr, c]) => s + termCost(c) + (arr === 'same' ? 0 : 1), 0);
    if (cost < bestCost) { best = terms; bestCost = cost; }
  }
  // verify the plan reproduces M
  const R = [[0, 0], [0, 0]];
  for (const [arr, c] of best) for (const l of [0, 1]) R[l][ARRANGEMENTS[arr][l]] += c[l];
  if (R.flat().join() !== M.flat().join()) throw new Error('planInput');
  return best;
}

class Composite {
  constructor(name, params, doc) {
    this.name = name;
    this.params = params; // pointer parameters; slots "a[3]" live at a + 3·104
    this.doc = doc;
    this.steps = [];
    this.bounds = new Map(); // slot -> bound in units of p
  }
  input(slot, bound = 4) { this.bounds.set(slot, bound); return this; }
  inputs(base, n, bound = 4) { for (let i = 0; i < n; i++) this.input(`${base}[${i}]`, bound); return this; }
  bound(slot) {
    const b = this.bounds.get(slot);
    if (b === undefined) throw new Error(`${this.name}: slot ${slot} read before written`);
    return b;
  }
  /** One linear kernel with several outputs: [dst, expr, reduce] (reduce: into [0, 4p); else lazy). */
  lin(...outs) {
    const spec = outs.map(([dst, expr, reduce, laneSumOf]) => {
      const inBounds = new Map([...expr.keys()].map((k) => [unkey(k)[0], this.bound(unkey(k)[0])]));
      // the lane matrix M[l][src] of each input slot and how the kernel forms it (planInput)
      const mats = new Map();
      for (const [kk, coef] of expr) {
        const [slot, swap] = unkey(kk);
        if (!mats.has(slot)) mats.set(slot, [[0, 0], [0, 0]]);
        const M = mats.get(slot);
        M[0][swap ? 1 : 0] += coef[0];
        M[1][swap ? 0 : 1] += coef[1];
      }
      const inputs = [...mats].filter(([, M]) => M.flat().some((x) => x !== 0)).map(([slot, M], i) => ({ slot, M, i, plan: planInput(M) }));
      // B_l: negative planned terms of a limb in units of 2^30; K_l: multiples of p added, covering the
      // negative part of the value (the top limb's sum is then ⌊value / 2^360⌋ ≥ 0, lending B_l included)
      const Bl = [0, 1].map((l) => inputs.reduce((s, t) => s + t.plan.reduce((ss, [, coef]) => ss + Math.max(0, -coef[l]), 0), 0));
      const negative = [0, 1].map((l) => inputs.reduce((s, t) => s + [0, 1].reduce((ss, src) => ss + Math.max(0, -t.M[l][src]) * inBounds.get(t.slot), 0), 0));
      const K = negative;
      const lane = [0, 1].map((l) => inputs.reduce((s, t) => s + [0, 1].reduce((ss, src) => ss + Math.abs(t.M[l][src]) * inBounds.get(t.slot), 0), 0));
      const bound = Math.max(...lane);
      if (bound * Number(P) >= 2 ** 389) throw new Error(`${this.name}: ${dst} column sum too large (${bound}p)`);
      if (!reduce && bound > 32) throw new Error(`${this.name}: lazy ${dst} would reach ${bound}p > 32p`);
      // (a0 + a1, b0 + b1) is formed from the two shuffles (a0, b0) and (a1, b1) and one addition
      if (laneSumOf && (reduce || K.some((x) => x))) throw new Error("lane sum");
      return { dst, expr, reduce, bound, inBounds, inputs, Bl, K, laneSumOf };
    });
    // a later output must not read a slot an earlier output of the same kernel wrote
    spec.forEach((o, i) => spec.slice(i + 1).forEach((later) => {
      for (const k of later.expr.keys()) if (unkey(k)[0] === o.dst) throw new Error(`${this.name}: ${later.dst} reads ${o.dst} written before it`);
    }));
    for (const o of spec) this.bounds.set(o.dst, o.reduce ? 4 : o.bound);
    this.steps.push({ op: 'lin', outs: spec });
    return this;
  }
  mul(dst, x, y) {
    if (this.bound(x) > 16 || this.bound(y) > 4) throw new Error(`${this.name}: fp2Mul(${x}, ${y}) operand bounds ${this.bound(x)}p, ${this.bound(y)}p`);
    this.steps.push({ op: 'mul', dst, x, y });
    this.bounds.set(dst, 2);
    return this;
  }
  /**
   * Fp2 products [dst, x, y] whose results only feed linear kernels: as fp2Mul each, or (KARATSUBA_FP2)
   * as Karatsuba over Fp with fpMulPair lanes — (x0 y0, x1 y1) in one call, and (x0 + x1)(y0 + y1) of
   * two products side by side in another, 1.5 fpMulPair per product. c.E(dst) is then the product as
   * an expression over those lanes: (P0 − P1, Q − P0 − P1).
   */
  products(list) {
    this.exprs ??= new Map();
    if (!KARATSUBA_FP2) {
      for (const [d, x, y] of list) { this.mul(d, x, y); this.exprs.set(d, V(d)); }
      return this;
    }
    const sums = [];
    for (let k = 0; k + 1 < list.length; k += 2) {
      const [d0, x0, y0] = list[k], [d1, x1, y1] = list[k + 1];
      const laneSum = (a, b) => lin([[key(a, false), [1, 0]], [key(a, true), [1, 0]], [key(b, false), [0, 1]], [key(b, true), [0, 1]]]);
      sums.push([`${d0}$sx`, laneSum(x0, x1), false, [x0, x1]], [`${d0}$sy`, laneSum(y0, y1), false, [y0, y1]]);
    }
    if (sums.length) this.lin(...sums);
    for (let k = 0; k < list.length; k++) {
      const [d, x, y] = list[k];
      if (k + 1 === list.length && k % 2 === 0) { this.mul(d, x, y); this.exprs.set(d, V(d)); continue; }
      this.mulPair(`${d}$p`, x, y);
    }
    for (let k = 0; k + 1 < list.length; k += 2) {
      const d0 = list[k][0], d1 = list[k + 1][0];
      this.mulPair(`${d0}$q`, `${d0}$sx`, `${d0}$sy`);
      for (const [d, side] of [[d0, 0], [d1, 1]]) {
        this.exprs.set(d, lin([[key(`${d}$p`, false), [1, -1]], [key(`${d}$p`, true), [-1, -1]], [key(`${d0}$q`, side === 0), [0, 1]]]));
      }
    }
    return this;
  }
  E(name) {
    return this.exprs?.get(name) ?? V(name);
  }
  mulPair(dst, x, y) {
    if (this.bound(x) * this.bound(y) > 256) throw new Error(`${this.name}: fpMulPair(${x}, ${y}) operand bounds ${this.bound(x)}p, ${this.bound(y)}p`);
    this.steps.push({ op: 'mulPair', dst, x, y });
    this.bounds.set(dst, 2);
    return this;
  }
  /** dst = e^2 for the listed [dst, e] as one operand kernel and one fpMulPair each. */
  squares(...list) {
    this.lin(...list.flatMap(([dst, e]) => {
      const [x, y] = squareOperands(e);
      return [[`${dst}$x`, x, false], [`${dst}$y`, y, false]];
    }));
    for (const [dst] of list) this.mulPair(dst, `${dst}$x`, `${dst}$y`);
    return this;
  }
  /** Runs the schedule with noble arithmetic on the given slot values (Map); returns the map. */
  run(values) {
    const v = new Map(values);
    for (const s of this.steps) {
      if (s.op === 'lin') for (const o of s.outs) v.set(o.dst, evalLin(o.expr, v));
      else if (s.op === 'mul') v.set(s.dst, Fp2.mul(v.get(s.x), v.get(s.y)));
      else {
        const a = v.get(s.x), b = v.get(s.y);
        v.set(s.dst, Fp2.create({ c0: Fp.mul(a.c0, b.c0), c1: Fp.mul(a.c1, b.c1) }));
      }
    }
    return v;
  }
}

// scratch slots (names without "[") are laid out in one module-level region KS, shared by all composites
const composites = [];
const def = (c) => { composites.push(c); return c; };
const slotsOf = (base, n) => Array.from({ length: n }, (_, i) => `${base}[${i}]`);

/** Karatsuba Fp6 product from its six Fp2 products: [v0, v1, v2, p01, p02, p12] → [c0, c1, c2]. */
function karatsuba(c, names) {
  const [v0, v1, v2, p01, p02, p12] = names.map((n) => c.E(n));
  return [
    add(v0, xi(sub(p12, v1, v2))),
    add(sub(p01, v0, v1), xi(v2)),
    add(sub(p02, v0, v2), v1),
  ];
}
/** Schedules the six Fp2 products of x·y (Fp6, each given as three Fp2 expressions) into scratch `tag`. */
function fp6Products(c, tag, xs, ys) {
  // operands: x_i and the pair sums as lazy first operands, y_i and pair sums reduced second operands
  const pairs = [[0, 1], [0, 2], [1, 2]];
  const first = [...xs, ...pairs.map(([i, j]) => add(xs[i], xs[j]))];
  const second = [...ys, ...pairs.map(([i, j]) => add(ys[i], ys[j]))];
  const ops = [];
  const firstSlots = first.map((e, i) => {
    if (e.size === 1 && [...e.values()][0].join() === '1,1' && !unkey([...e.keys()][0])[1]) return unkey([...e.keys()][0])[0];
    ops.push([`${tag}x${i}`, e, false]);
    return `${tag}x${i}`;
  });
  const secondSlots = second.map((e, i) => {
    if (e.size === 1 && [...e.values()][0].join() === '1,1' && !unkey([...e.keys()][0])[1]) return unkey([...e.keys()][0])[0];
    ops.push([`${tag}y${i}`, e, true]);
    return `${tag}y${i}`;
  });
  return { ops, products: firstSlots.map((x, i) => [`${tag}p${i}`, x, secondSlots[i]]) };
}
const vTimes = ([k0, k1, k2]) => [xi(k2), k0, k1]; // v·(k0 + k1 v + k2 v^2), v^3 = ξ

// ---- Fp6 multiplication (tests, inversion) ----
{
  const c = def(new Composite('fp6MulUnsafe', ['out', 'a', 'b'], 'Fp6 product out = a·b (Karatsuba, 6 Fp2 products). out may alias a or b.'))
    .inputs('a', 3).inputs('b', 3);
  const { ops, products } = fp6Products(c, 'm', slotsOf('a', 3).map(V), slotsOf('b', 3).map(V));
  c.lin(...ops);
  c.products(products);
  const k = karatsuba(c, products.map(([d]) => d));
  c.lin(...k.map((e, i) => [`out[${i}]`, e, true]));
  c.check = () => {
    const a = rand6(), b = rand6();
    const v = c.run(new Map([...[a.c0, a.c1, a.c2].map((x, i) => [`a[${i}]`, x]), ...[b.c0, b.c1, b.c2].map((x, i) => [`b[${i}]`, x])]));
    const r = Fp6.mul(a, b);
    return eq2(v.get('out[0]'), r.c0) && eq2(v.get('out[1]'), r.c1) && eq2(v.get('out[2]'), r.c2);
  };
}

// ---- Fp12 multiplication: Karatsuba over Fp6 (3 Fp6 products, 18 Fp2 products) ----
{
  const c = def(new Composite('fp12MulUnsafe', ['out', 'a', 'b'], 'Fp12 product out = a·b: Karatsuba over Fp6, (a0 + a1 w)(b0 + b1 w) = a0b0 + v·a1b1 + ((a0 + a1)(b0 + b1) − a0b0 − a1b1) w, each Fp6 product Karatsuba over Fp2 (18 Fp2 products, 1.5 fpMulPair each), the additions fused into four linear kernels. out may alias a or b.'))
    .inputs('a', 6).inputs('b', 6);
  const a = slotsOf('a', 6).map(V), b = slotsOf('b', 6).map(V);
  const m0 = fp6Products(c, 'u', a.slice(0, 3), b.slice(0, 3));
  const m1 = fp6Products(c, 'w', a.slice(3), b.slice(3));
  const m2 = fp6Products(c, 'z', [0, 1, 2].map((i) => add(a[i], a[i + 3])), [0, 1, 2].map((i) => add(b[i], b[i + 3])));
  c.lin(...m0.ops.filter((o) => !o[2]), ...m1.ops.filter((o) => !o[2]), ...m2.ops.filter((o) => !o[2]));
  c.lin(...m0.ops.filter((o) => o[2]), ...m1.ops.filter((o) => o[2]), ...m2.ops.filter((o) => o[2]));
  c.products([...m0.products, ...m1.products, ...m2.products]);
  const k0 = karatsuba(c, m0.products.map(([d]) => d)), k1 = karatsuba(c, m1.products.map(([d]) => d)), k2 = karatsuba(c, m2.products.map(([d]) => d));
  const vk1 = vTimes(k1);
  c.lin(...[0, 1, 2].map((i) => [`out[${i}]`, add(k0[i], vk1[i]), true]), ...[0, 1, 2].map((i) => [`out[${i + 3}]`, sub(k2[i], k0[i], k1[i]), true]));
  c.check = () => {
    const x = rand12(), y = rand12();
    const v = c.run(new Map([...slots12(x).map((s, i) => [`a[${i}]`, s]), ...slots12(y).map((s, i) => [`b[${i}]`, s])]));
    return Fp12.eql(from12(slotsOf('out', 6).map((s) => v.get(s))), Fp12.mul(x, y));
  };
}

// ---- Fp12 squaring: complex method over Fp6 (2 Fp6 products, 12 Fp2 products) ----
{
  const c = def(new Composite('fp12SqrUnsafe', ['out', 'a'], 'Fp12 square out = a^2, complex method: with a = a0 + a1 w, t = a0·a1, out = ((a0 + a1)(a0 + v·a1) − t − v·t) + 2t·w (2 Fp6 products, 12 Fp2 products). out may alias a.'))
    .inputs('a', 6);
  const a = slotsOf('a', 6).map(V);
  const m = fp6Products(c, 'u', a.slice(0, 3), a.slice(3));
  const va1 = vTimes(a.slice(3));
  const n = fp6Products(c, 'z', [0, 1, 2].map((i) => add(a[i], a[i + 3])), [0, 1, 2].map((i) => add(a[i], va1[i])));
  c.lin(...m.ops, ...n.ops);
  c.products([...m.products, ...n.products]);
  const t = karatsuba(c, m.products.map(([d]) => d)), s = karatsuba(c, n.products.map(([d]) => d));
  const vt = vTimes(t);
  c.lin(...[0, 1, 2].map((i) => [`out[${i}]`, sub(s[i], t[i], vt[i]), true]), ...[0, 1, 2].map((i) => [`out[${i + 3}]`, scale(t[i], 2), true]));
  c.check = () => {
    const x = rand12();
    const v = c.run(new Map(slots12(x).map((s, i) => [`a[${i}]`, s])));
    return Fp12.eql(from12(slotsOf('out', 6).map((s) => v.get(s))), Fp12.sqr(x));
  };
}

// ---- cyclotomic squaring (Granger–Scott 2010, §3.1: three Fp4 squarings, 9 Fp2 squarings) ----
{
  const c = def(new Composite('fp12CyclotomicSqrUnsafe', ['out', 'a'], 'Square of an element of the cyclotomic subgroup (after the easy part of the final exponentiation), Granger–Scott, "Faster squaring in the cyclotomic subgroup of sixth degree extensions" (PKC 2010), §3.1: Fp12 = Fp4[w]/(w^3 − s) with Fp4 = Fp2[s]/(s^2 − ξ), s = w^3; three Fp4 squarings (x + y s)^2 = (x^2 + ξ y^2) + ((x + y)^2 − x^2 − y^2) s, i.e. 9 Fp2 squarings (one fpMulPair each). out may alias a.'))
    .inputs('a', 6);
  // Fp4 pairs (x, y) in memory slots: (c0.c0, c1.c1), (c1.c0, c0.c2), (c0.c1, c1.c2)
  const pairs = [[0, 4], [3, 2], [1, 5]];
  c.squares(...pairs.flatMap(([i, j], k) => [[`A${k}`, V(`a[${i}]`)], [`B${k}`, V(`a[${j}]`)], [`S${k}`, add(V(`a[${i}]`), V(`a[${j}]`))]]));
  const first = (k) => add(V(`A${k}`), xi(V(`B${k}`)));
  const second = (k) => sub(V(`S${k}`), V(`A${k}`), V(`B${k}`));
  c.lin(
    ['out[0]', sub(scale(first(0), 3), scale(V('a[0]'), 2)), true],
    ['out[4]', add(scale(second(0), 3), scale(V('a[4]'), 2)), true],
    ['out[1]', sub(scale(first(1), 3), scale(V('a[1]'), 2)), true],
    ['out[5]', add(scale(second(1), 3), scale(V('a[5]'), 2)), true],
    ['out[2]', sub(scale(first(2), 3), scale(V('a[2]'), 2)), true],
    ['out[3]', add(scale(xi(second(2)), 3), scale(V('a[3]'), 2)), true],
  );
  c.check = () => {
    const x = rand12();
    const v = c.run(new Map(slots12(x).map((s, i) => [`a[${i}]`, s])));
    return Fp12.eql(from12(slotsOf('out', 6).map((s) => v.get(s))), Fp12._cyclotomicSquare(x));
  };
}

// ---- Karabina's compressed squaring in the cyclotomic subgroup (Karabina, "Squaring in cyclotomic
// subgroups", Math. Comp. 82 (2013), eprint 2010/542, §4; the form of Aranha et al. 2011 §5.2) ----
// With Fp12 = Σ g_i·(basis) as in noble's bls12FromCompressed — g0 = c0.c0, g1 = c1.c1, g2 = c1.c0,
// g3 = c0.c2, g4 = c0.c1, g5 = c1.c2 — the square of an element of GΦ12 is determined by (g2, g3, g4, g5):
// (h0, h1) = Fp4Square(g4, g5), (h2, h3) = Fp4Square(g2, g3) with Fp4Square(x, y) = (x^2 + ξy^2, 2xy),
// g2' = 3ξ·h1 + 2g2, g3' = 3h0 − 2g3, g4' = 3h2 − 2g4, g5' = 3h3 + 2g5 (6 Fp2 squarings).
const compress = (f) => [f.c1.c0, f.c0.c2, f.c0.c1, f.c1.c2];
/** Karabina decompression (noble's bls12RecoverG1Ratio / bls12RecoverG0), for the self-check. */
function decompress([g2, g3, g4, g5]) {
  if (Fp2.is0(g2) && Fp2.is0(g3)) return Fp12.ONE;
  const three = Fp2.create({ c0: 3n, c1: 0n }), two = Fp2.create({ c0: 2n, c1: 0n });
  const g1 = Fp2.is0(g2)
    ? Fp2.div(Fp2.mul(Fp2.mul(g4, g5), two), g3)
    : Fp2.div(Fp2.add(Fp2.sub(Fp2.mul(Fp2.sqr(g4), three), Fp2.mul(g3, two)), Fp2.mulByNonresidue(Fp2.sqr(g5))), Fp2.mul(g2, Fp2.create({ c0: 4n, c1: 0n })));
  const t = Fp2.add(Fp2.sub(Fp2.mul(Fp2.sub(Fp2.sqr(g1), Fp2.mul(g3, g4)), two), Fp2.mul(g3, g4)), Fp2.mul(g2, g5));
  const g0 = Fp2.add(Fp2.mulByNonresidue(t), Fp2.ONE);
  return Fp12.create({ c0: { c0: g0, c1: g4, c2: g3 }, c1: { c0: g2, c1: g1, c2: g5 } });
}
{
  const c = def(new Composite('fp12CompressedSqrUnsafe', ['out', 'a'], 'Karabina compressed squaring (Karabina 2013, eprint 2010/542, §4): a and out hold (g2, g3, g4, g5) = (c1.c0, c0.c2, c0.c1, c1.c2) of an element of the cyclotomic subgroup, four Fp2 elements; out receives those of its square. Two Fp4 squarings, 6 Fp2 squarings (one fpMulPair each). out may alias a.'))
    .inputs('a', 4);
  const g = slotsOf('a', 4).map(V); // g2, g3, g4, g5
  c.squares(['Q4', g[2]], ['Q5', g[3]], ['S45', add(g[2], g[3])], ['Q2', g[0]], ['Q3', g[1]], ['S23', add(g[0], g[1])]);
  const h0 = add(V('Q4'), xi(V('Q5'))), h1 = sub(V('S45'), V('Q4'), V('Q5'));
  const h2 = add(V('Q2'), xi(V('Q3'))), h3 = sub(V('S23'), V('Q2'), V('Q3'));
  c.lin(
    ['out[0]', add(scale(xi(h1), 3), scale(g[0], 2)), true],
    ['out[1]', sub(scale(h0, 3), scale(g[1], 2)), true],
    ['out[2]', sub(scale(h2, 3), scale(g[2], 2)), true],
    ['out[3]', add(scale(h3, 3), scale(g[3], 2)), true],
  );
  c.check = () => {
    const x = Fp12.finalExponentiate(rand12()); // an element of the cyclotomic subgroup
    const v = c.run(new Map(compress(x).map((s, i) => [`a[${i}]`, s])));
    const sq = Fp12._cyclotomicSquare(x);
    const got = slotsOf('out', 4).map((s) => v.get(s));
    return got.every((s, i) => eq2(s, compress(sq)[i])) && Fp12.eql(decompress(got), sq);
  };
}

// ---- sparse multiplication by a line value ℓ = o0 + o1·v + o4·vw (slots 0, 1, 4: M-type twist) ----
{
  const c = def(new Composite('fp12MulByLineUnsafe', ['f', 'l'], 'f = f·ℓ for a line value ℓ = l0 + l1·v + l2·vw (memory slots c0.c0, c0.c1, c1.c1; the "014" shape of an M-type twist), Karatsuba over Fp6 with both sparse factors (13 Fp2 products).'))
    .inputs('f', 6).inputs('l', 3);
  const f = slotsOf('f', 6).map(V);
  const [o0, o1, o4] = slotsOf('l', 3).map(V);
  c.lin(['o14', add(o1, o4), true], ['o01', add(o0, o1), true], ['o014', add(o0, o1, o4), true]);
  c.lin(
    ['a12', add(f[1], f[2]), false], ['a01', add(f[0], f[1]), false], ['a02', add(f[0], f[2]), false],
    ['s0', add(f[0], f[3]), false], ['s1', add(f[1], f[4]), false],
    ['s12', add(f[1], f[2], f[4], f[5]), false], ['s01', add(f[0], f[1], f[3], f[4]), false], ['s02', add(f[0], f[2], f[3], f[5]), false],
  );
  c.products([['T00', 'f[0]', 'l[0]'], ['T01', 'f[1]', 'l[1]'], ['P1', 'a12', 'l[1]'], ['P2', 'a01', 'o01'], ['P3', 'a02', 'l[0]'],
    ['R0', 'f[5]', 'l[2]'], ['R1', 'f[3]', 'l[2]'], ['R2', 'f[4]', 'l[2]'],
    ['T20', 's0', 'l[0]'], ['T21', 's1', 'o14'], ['Q1', 's12', 'o14'], ['Q2', 's01', 'o014'], ['Q3', 's02', 'l[0]']]);
  const E = (n) => c.E(n);
  // t0 = f0·(o0 + o1 v), t1 = f1·(o4 v), t2 = (f0 + f1)(o0 + (o1 + o4) v)
  const t0 = [add(xi(sub(E('P1'), E('T01'))), E('T00')), sub(E('P2'), E('T00'), E('T01')), add(sub(E('P3'), E('T00')), E('T01'))];
  const t1 = [xi(E('R0')), E('R1'), E('R2')];
  const t2 = [add(xi(sub(E('Q1'), E('T21'))), E('T20')), sub(E('Q2'), E('T20'), E('T21')), add(sub(E('Q3'), E('T20')), E('T21'))];
  const vt1 = vTimes(t1);
  c.lin(...[0, 1, 2].map((i) => [`f[${i}]`, add(t0[i], vt1[i]), true]), ...[0, 1, 2].map((i) => [`f[${i + 3}]`, sub(t2[i], t0[i], t1[i]), true]));
  c.check = () => {
    const x = rand12(), l = [rand2(), rand2(), rand2()];
    const v = c.run(new Map([...slots12(x).map((s, i) => [`f[${i}]`, s]), ...l.map((s, i) => [`l[${i}]`, s])]));
    const line = from12([l[0], l[1], Fp2.ZERO, Fp2.ZERO, l[2], Fp2.ZERO]);
    return Fp12.eql(from12(slotsOf('f', 6).map((s) => v.get(s))), Fp12.mul(x, line));
  };
}

// ---- product of two line values: (l0 + l1 v + l2 vw)(m0 + m1 v + m2 vw), (vw)^2 = v^3 = ξ ----
// slots: 1: l0m0 + ξ l2m2, v: l0m1 + l1m0, v^2: l1m1, w: 0, vw: l0m2 + l2m0, v^2 w: l1m2 + l2m1
{
  const c = def(new Composite('fp12LineProductUnsafe', ['g', 'l', 'm'], 'g = ℓ·μ for two line values (three Fp2 each, slots c0.c0, c0.c1, c1.c1): Karatsuba, 6 Fp2 products. g receives five slots; its slot c1.c0 (w) is zero and is not written — fp12MulBySparseUnsafe ignores it.'))
    .inputs('l', 3).inputs('m', 3);
  c.lin(['la', add(V('l[0]'), V('l[1]')), false], ['lb', add(V('l[0]'), V('l[2]')), false], ['lc', add(V('l[1]'), V('l[2]')), false],
    ['ma', add(V('m[0]'), V('m[1]')), true], ['mb', add(V('m[0]'), V('m[2]')), true], ['mc', add(V('m[1]'), V('m[2]')), true]);
  c.products([['x0', 'l[0]', 'm[0]'], ['x1', 'l[1]', 'm[1]'], ['x4', 'l[2]', 'm[2]'], ['y01', 'la', 'ma'], ['y04', 'lb', 'mb'], ['y14', 'lc', 'mc']]);
  const E = (n) => c.E(n);
  c.lin(['g[0]', add(E('x0'), xi(E('x4'))), true], ['g[1]', sub(E('y01'), E('x0'), E('x1')), true], ['g[2]', E('x1'), true],
    ['g[4]', sub(E('y04'), E('x0'), E('x4')), true], ['g[5]', sub(E('y14'), E('x1'), E('x4')), true]);
  c.check = () => {
    const l = [rand2(), rand2(), rand2()], m = [rand2(), rand2(), rand2()];
    const v = c.run(new Map([...l.map((s, i) => [`l[${i}]`, s]), ...m.map((s, i) => [`m[${i}]`, s])]));
    const line = (x) => from12([x[0], x[1], Fp2.ZERO, Fp2.ZERO, x[2], Fp2.ZERO]);
    const got = from12([v.get('g[0]'), v.get('g[1]'), v.get('g[2]'), Fp2.ZERO, v.get('g[4]'), v.get('g[5]')]);
    return Fp12.eql(got, Fp12.mul(line(l), line(m)));
  };
}

// ---- f·g for g with slot c1.c0 = 0 (a product of two lines): Karatsuba over Fp6, 6 + 5 + 6 = 17 Fp2 products ----
{
  const c = def(new Composite('fp12MulBySparseUnsafe', ['f', 'g'], 'f = f·g for g whose slot c1.c0 is zero (the product of two line values, fp12LineProductUnsafe; that slot is not read): Karatsuba over Fp6, g1 = v·(g4 + g5 v) making f1·g1 a 5-product sparse Fp6 multiplication, 17 Fp2 products in all.'))
    .inputs('f', 6).input('g[0]').input('g[1]').input('g[2]').input('g[4]').input('g[5]');
  const f = slotsOf('f', 6).map(V);
  const g = [0, 1, 2, 3, 4, 5].map((i) => (i === 3 ? null : V(`g[${i}]`)));
  const m0 = fp6Products(c, 'u', f.slice(0, 3), [g[0], g[1], g[2]]);
  const m2 = fp6Products(c, 'z', [0, 1, 2].map((i) => add(f[i], f[i + 3])), [g[0], add(g[1], g[4]), add(g[2], g[5])]);
  // f1·(g4 + g5 v): t0 = f3 g4, t1 = f4 g5, ξ((f4 + f5) g5 − t1) + t0, (g4 + g5)(f3 + f4) − t0 − t1, (f3 + f5) g4 − t0 + t1
  c.lin(...m0.ops.filter((o) => !o[2]), ...m2.ops.filter((o) => !o[2]), ['s45', add(f[4], f[5]), false], ['s34', add(f[3], f[4]), false], ['s35', add(f[3], f[5]), false]);
  c.lin(...m0.ops.filter((o) => o[2]), ...m2.ops.filter((o) => o[2]), ['g45', add(g[4], g[5]), true]);
  c.products([...m0.products, ...m2.products, ['e0', 'f[3]', 'g[4]'], ['e1', 'f[4]', 'g[5]'], ['e2', 's45', 'g[5]'], ['e3', 's34', 'g45'], ['e4', 's35', 'g[4]']]);
  const k0 = karatsuba(c, m0.products.map(([d]) => d)), k2 = karatsuba(c, m2.products.map(([d]) => d));
  const E = (n) => c.E(n);
  const e01 = [add(xi(sub(E('e2'), E('e1'))), E('e0')), sub(E('e3'), E('e0'), E('e1')), add(sub(E('e4'), E('e0')), E('e1'))];
  const k1 = vTimes(e01); // f1·g1 = v·(f1·(g4 + g5 v))
  const vk1 = vTimes(k1);
  c.lin(...[0, 1, 2].map((i) => [`f[${i}]`, add(k0[i], vk1[i]), true]), ...[0, 1, 2].map((i) => [`f[${i + 3}]`, sub(k2[i], k0[i], k1[i]), true]));
  c.check = () => {
    const x = rand12();
    const gs = [rand2(), rand2(), rand2(), Fp2.ZERO, rand2(), rand2()];
    const v = c.run(new Map([...slots12(x).map((s, i) => [`f[${i}]`, s]), ...gs.map((s, i) => [`g[${i}]`, s]).filter((_, i) => i !== 3)]));
    return Fp12.eql(from12(slotsOf('f', 6).map((s) => v.get(s))), Fp12.mul(x, from12(gs)));
  };
}

// ---- Miller loop doubling step (Costello–Lange–Naehrig 2010 / Aranha et al. 2011 eq. (10), homogeneous projective) ----
// T = (X, Y, Z) on E'; B = Y^2, C = Z^2, E = 3b'C, H = (Y + Z)^2 − B − C = 2YZ;
// 2T = (2XY(B − 3E), (B + 3E)^2 − 12E^2, 4BH) (the textbook values times 4, which avoids halving);
// ℓ = (E − B) + 3X^2·xP·v − H·yP·vw; with c = [3xP, −yP/4] (both lanes), ℓ = (E − B, X^2·c0, 4H·c1).
// 2XY = (X + Y)^2 − X^2 − Y^2 trades a multiplication for a squaring (fpMulPair is much cheaper than
// fp2Mul here), and the two remaining Fp2 products share one Karatsuba lane pair.
{
  const c = def(new Composite('millerDoubleStepUnsafe', ['t', 'l', 'c'], 'Doubling step of the Miller loop: t = 2t (homogeneous projective X ‖ Y ‖ Z on the twist) and l = the tangent line at t evaluated at P, as (l0, l1, l2) for fp12MulByLineUnsafe. c holds 3·xP and −yP/4, each duplicated into both lanes of an interleaved element. Costello–Lange–Naehrig 2010 (eprint 2009/615) §5 / Aranha–Karabina–Longa–Gebotys–López 2011 (eprint 2010/526) eq. (10), with 2XY = (X + Y)^2 − X^2 − Y^2: 2M + 7S + 2 Fp2×Fp products, 12 fpMulPair in all.'))
    .inputs('t', 3).inputs('c', 2);
  c.squares(['D', V('t[0]')], ['Bq', V('t[1]')], ['C', V('t[2]')], ['HS', add(V('t[1]'), V('t[2]'))], ['W', add(V('t[0]'), V('t[1]'))]);
  c.lin(['E', xi(scale(V('C'), 12)), true]);
  c.lin(['l[0]', sub(V('E'), V('Bq')), true], ['U', sub(V('Bq'), scale(V('E'), 3)), true], ['G', add(V('Bq'), scale(V('E'), 3)), true],
    ['XY2', sub(V('W'), V('D'), V('Bq')), true], ['H4', scale(sub(V('HS'), V('Bq'), V('C')), 4), true]);
  c.squares(['GG', V('G')], ['EE', V('E')]);
  c.products([['X3', 'XY2', 'U'], ['Z3', 'Bq', 'H4']]);
  c.lin(['t[0]', c.E('X3'), true], ['t[1]', sub(V('GG'), scale(V('EE'), 12)), true], ['t[2]', c.E('Z3'), true]);
  c.mulPair('l[1]', 'D', 'c[0]');
  c.mulPair('l[2]', 'H4', 'c[1]');
  c.check = () => {
    const Q = bls12_381.G2.Point.BASE.multiply(rand() % R_ORDER + 1n).toAffine();
    const z = rand2();
    const xP = rand(), yP = rand();
    const dup = (s) => Fp2.create({ c0: s, c1: s });
    const v = c.run(new Map([['t[0]', Fp2.mul(Q.x, z)], ['t[1]', Fp2.mul(Q.y, z)], ['t[2]', z], ['c[0]', dup(Fp.mul(3n, xP))], ['c[1]', dup(Fp.div(Fp.neg(yP), 4n))]]));
    const zInv = Fp2.inv(v.get('t[2]'));
    const D2 = bls12_381.G2.Point.fromAffine(Q).double().toAffine();
    const pointOk = eq2(Fp2.mul(v.get('t[0]'), zInv), D2.x) && eq2(Fp2.mul(v.get('t[1]'), zInv), D2.y);
    // line through 2 copies of Q, evaluated at P, up to the factor −2y·z^2: (3b'z^2 − y^2 z^2, 3x^2 z^2 xP, −2yz^2 yP)
    const [X0, Y0, Z0] = [Fp2.mul(Q.x, z), Fp2.mul(Q.y, z), z];
    const E = Fp2.mul(B3_TWIST, Fp2.sqr(Z0));
    const lineOk = eq2(v.get('l[0]'), Fp2.sub(E, Fp2.sqr(Y0))) && eq2(v.get('l[1]'), Fp2.mul(Fp2.mul(Fp2.sqr(X0), Fp2.create({ c0: 3n, c1: 0n })), Fp2.create({ c0: xP, c1: 0n })))
      && eq2(v.get('l[2]'), Fp2.mul(Fp2.mul(Fp2.mul(Y0, Z0), Fp2.create({ c0: 2n, c1: 0n })), Fp2.create({ c0: Fp.neg(yP), c1: 0n })));
    return pointOk && lineOk;
  };
}

// ---- Miller loop addition step (mixed: t projective, q affine), the same line scaled by 3 ----
// θ = Y − yQ Z, λ = X − xQ Z; ℓ = 3(λ yQ − θ xQ) + θ·3xP·v + 12λ·(−yP/4)·vw (= −3 × the line of
// Aranha et al. eq. (12), an Fp factor the final exponentiation removes);
// t + q = (λ F, θ(λ^2 X − F) − λ^3 Y, λ^3 Z), F = λ^3 − 2λ^2 X + θ^2 Z.
{
  const c = def(new Composite('millerAddStepUnsafe', ['t', 'q', 'l', 'c'], 'Addition step of the Miller loop: t = t + q (t projective, q affine x ‖ y) and l = the line through t and q at P, scaled by −3 so that it uses the same constants c = [3·xP, −yP/4] as the doubling step. Aranha et al. 2011 eq. (12) / Costello–Lange–Naehrig 2010 §5 (mixed addition, 11M + 2S).'))
    .inputs('t', 3).inputs('q', 2).inputs('c', 2);
  c.mul('yz', 'q[1]', 't[2]').mul('xz', 'q[0]', 't[2]');
  c.lin(['th', sub(V('t[1]'), V('yz')), true], ['la', sub(V('t[0]'), V('xz')), true]);
  c.mul('P1', 'la', 'q[1]').mul('P2', 'th', 'q[0]');
  c.lin(['l[0]', scale(sub(V('P1'), V('P2')), 3), true], ['la12', scale(V('la'), 12), true]);
  c.mulPair('l[1]', 'th', 'c[0]').mulPair('l[2]', 'la12', 'c[1]');
  c.squares(['la2', V('la')], ['th2', V('th')]);
  c.mul('la3', 'la2', 'la').mul('la2x', 'la2', 't[0]').mul('th2z', 'th2', 't[2]');
  c.lin(['F', add(sub(V('la3'), scale(V('la2x'), 2)), V('th2z')), true]);
  c.mul('t[0]', 'la', 'F');
  c.lin(['dd', sub(V('la2x'), V('F')), true]);
  c.mul('m1', 'dd', 'th').mul('m2', 'la3', 't[1]');
  c.lin(['t[1]', sub(V('m1'), V('m2')), true]);
  c.mul('t[2]', 't[2]', 'la3');
  c.check = () => {
    const G = bls12_381.G2.Point.BASE;
    const T = G.multiply(rand() % R_ORDER + 1n), Q = G.multiply(rand() % R_ORDER + 1n).toAffine();
    const Ta = T.toAffine(), z = rand2(), xP = rand(), yP = rand();
    const dup = (s) => Fp2.create({ c0: s, c1: s });
    const v = c.run(new Map([['t[0]', Fp2.mul(Ta.x, z)], ['t[1]', Fp2.mul(Ta.y, z)], ['t[2]', z], ['q[0]', Q.x], ['q[1]', Q.y], ['c[0]', dup(Fp.mul(3n, xP))], ['c[1]', dup(Fp.div(Fp.neg(yP), 4n))]]));
    const zInv = Fp2.inv(v.get('t[2]'));
    const S = T.add(bls12_381.G2.Point.fromAffine(Q)).toAffine();
    const pointOk = eq2(Fp2.mul(v.get('t[0]'), zInv), S.x) && eq2(Fp2.mul(v.get('t[1]'), zInv), S.y);
    // the line vanishes at t and q on the twist: (l0 + l1/(3xP)·x' + l2/(−3yP)·y') = 0 for (x', y') = q and t
    const th = Fp2.sub(Fp2.mul(Ta.y, z), Fp2.mul(Q.y, z)), la = Fp2.sub(Fp2.mul(Ta.x, z), Fp2.mul(Q.x, z));
    const three = Fp2.create({ c0: 3n, c1: 0n });
    const lineOk = eq2(v.get('l[0]'), Fp2.mul(three, Fp2.sub(Fp2.mul(la, Q.y), Fp2.mul(th, Q.x))))
      && eq2(v.get('l[1]'), Fp2.mul(th, Fp2.create({ c0: Fp.mul(3n, xP), c1: 0n })))
      && eq2(v.get('l[2]'), Fp2.mul(la, Fp2.create({ c0: Fp.mul(3n, Fp.neg(yP)), c1: 0n })));
    const at = (x, y) => Fp2.sub(Fp2.mul(th, x), Fp2.mul(la, y)); // θx − λy + (λ yQ − θ xQ) vanishes at q
    const vanishes = eq2(Fp2.add(at(Q.x, Q.y), Fp2.sub(Fp2.mul(la, Q.y), Fp2.mul(th, Q.x))), Fp2.ZERO)
      && eq2(Fp2.add(at(Ta.x, Ta.y), Fp2.sub(Fp2.mul(la, Q.y), Fp2.mul(th, Q.x))), Fp2.ZERO);
    return pointOk && lineOk && vanishes;
  };
}

// ---- G2 Jacobian doubling for the [|x|] chains of cofactor clearing and G2's subgroup test ----
// dbl-2009-l (EFD, g1p/auto-shortw-jacobian-0), a = 0: A = X^2, B = Y^2, C = B^2,
// D = 2((X + B)^2 − A − C), E = 3A, F = E^2, X3 = F − 2D, Y3 = E(D − X3) − 8C, Z3 = 2YZ.
// With G = (X + B)^2 and D − X3 = 6(G − A − C) − F: 5 squarings (one fpMulPair each) and the two
// products E(D − X3), YZ side by side (3 fpMulPair): 8 fpMulPair and 5 linear kernels.
{
  const c = def(new Composite('g2DoubleJacobianUnsafe', ['out', 'p'], 'Jacobian doubling on E\'(Fp2): out = 2p (X ‖ Y ‖ Z), dbl-2009-l (EFD, 2M + 5S, a = 0), the additions fused: 8 fpMulPair and 5 linear kernels. Infinity (Z = 0) stays infinity (Z3 = 2YZ). out may alias p.'))
    .inputs('p', 3);
  c.squares(['A', V('p[0]')], ['B', V('p[1]')]);
  c.squares(['C', V('B')], ['G', add(V('p[0]'), V('B'))], ['F', scale(V('A'), 3)]);
  const gac = sub(V('G'), V('A'), V('C')); // D/2
  c.lin(['E', scale(V('A'), 3), false], ['DX', sub(scale(gac, 6), V('F')), true]);
  c.products([['YZ', 'p[1]', 'p[2]'], ['EDX', 'E', 'DX']]);
  c.lin(['out[0]', sub(V('F'), scale(gac, 4)), true], ['out[1]', sub(c.E('EDX'), scale(V('C'), 8)), true], ['out[2]', scale(c.E('YZ'), 2), true]);
  c.check = () => {
    const Q = bls12_381.G2.Point.BASE.multiply(rand() % R_ORDER + 1n).toAffine();
    const z = rand2(), z2 = Fp2.sqr(z);
    const v = c.run(new Map([['p[0]', Fp2.mul(Q.x, z2)], ['p[1]', Fp2.mul(Q.y, Fp2.mul(z2, z))], ['p[2]', z]]));
    const zi = Fp2.inv(v.get('out[2]')), zi2 = Fp2.sqr(zi);
    const D2 = bls12_381.G2.Point.fromAffine(Q).double().toAffine();
    return eq2(Fp2.mul(v.get('out[0]'), zi2), D2.x) && eq2(Fp2.mul(v.get('out[1]'), Fp2.mul(zi2, zi)), D2.y);
  };
}

for (const c of composites) for (let t = 0; t < 3; t++) check(c.check(), c.name);

// ---------------------------------------------------------------------------------------------
// Code generation
// ---------------------------------------------------------------------------------------------
const P12 = limbs(P)[LIMBS - 1];
const QUOTIENT_M = (1n << 32n) / (P12 + 1n); // q = (s12·M) >> 32 ≤ floor(s12 / (P12 + 1)) ≤ floor(v / p)
// scratch slots (names without "[base]") of each composite get indices in the shared region KS
const scratchIndex = new Map();
function pexpr(c, slot) {
  const m = /^(\w+)\[(\d+)\]$/.exec(slot);
  if (m) {
    if (!c.params.includes(m[1])) throw new Error(`${c.name}: unknown base in ${slot}`);
    return [m[1], Number(m[2]) * FP2_BYTES];
  }
  let idx = scratchIndex.get(c.name);
  if (!idx) scratchIndex.set(c.name, (idx = new Map()));
  if (!idx.has(slot)) idx.set(slot, idx.size);
  return ['KS', idx.get(slot) * FP2_BYTES];
}
const fmtPtr = ([base, off]) => (off === 0 ? base : `${base} + ${off}`);

/**
 * The per-limb constants of the linear kernels (offsets that keep limb sums non-negative, the 4p of the
 * conditional subtraction, p's limbs for the quotient estimate) are loaded from one table, KC, not
 * written as v128 constants: V8 rematerialises a v128 constant at every use (three instructions) and,
 * when one value recurs in a kernel, keeps it live across the kernel and spills it — one load each is
 * cheaper than either.
 */
const kcIndex = new Map();
const kcValues = [];
/** A v128 of two u64 lanes (a, b), from the table. */
function kconst(a, b) {
  const u = (x) => BigInt.asUintN(64, BigInt(x));
  const k = `${u(a)}:${u(b)}`;
  if (!kcIndex.has(k)) { kcIndex.set(k, kcValues.length / 2); kcValues.push(u(a), u(b)); }
  return `v128.load(KC, ${16 * kcIndex.get(k)})`;
}
/** i32x4.splat(x) for x < 2^32, from the table. */
const kconst32 = (x) => kconst(BigInt(x) * 0x100000001n, BigInt(x) * 0x100000001n);

function linKernel(c, name, outs) {
  const bases = new Set();
  const body = [];
  outs.forEach((o, k) => {
    const dst = pexpr(c, o.dst);
    bases.add(dst[0]);
    const inputs = o.inputs.map((t) => ({ ...t, ptr: pexpr(c, t.slot) }));
    for (const t of inputs) bases.add(t.ptr[0]);
    // Offset K_l·p keeps the value positive. Every limb sum is made non-negative on its own too, so
    // that carries are logical shifts (x64 has no 64-bit arithmetic shift below AVX-512; V8 spends six
    // instructions on i64x2.shr_s): limbs 0..11 of the offset are raised by B_l·2^30 and limbs 1..12
    // lowered by B_l (input limbs are below 2^30 except the top one).
    const { K, Bl } = o;
    const offL = [0, 1].map((l) => {
      return limbs(BigInt(K[l]) * P).map((x, j) => x + (j < LIMBS - 1 ? BigInt(Bl[l]) << 30n : 0n) - (j > 0 ? BigInt(Bl[l]) : 0n));
    });
    body.push(`  // ${o.dst} = ${describeExpr(o.expr)}${o.reduce ? '' : ' (lazy, < ' + o.bound + 'p)'}`);
    emulations.push({ c: c.name, o, inputs, offL });
    // Each limb is stored as soon as it is formed — lo(s_j) to the output (lazy) or s_j to the scratch LS
    // (reduced) — so that the stores in V8's effect chain pin each limb's arithmetic next to its loads.
    // Without them V8 schedules every load of an output before the first store and spills the values.
    const reducing = o.reduce && o.bound > 4;
    const sink = (v, j) => (reducing
      ? `  v128.store(LS, ${v}, ${16 * j});`
      : `  v128.store64_lane(${dst[0]}, pack(${v}), 0, ${dst[1] + 8 * j});`);
    const emitLimb = (j, sum) => {
      body.push(j === 0 ? `  let s${k}_0 = ${sum};` : `  let s${k}_${j} = add(${sum}, hi(s${k}_${j - 1}));`);
      body.push(sink(j < LIMBS - 1 ? `lo(s${k}_${j})` : `s${k}_${j}`, j));
    };
    for (let j = 0; j < LIMBS; j++) {
      if (o.laneSumOf) {
        const [a, b] = o.laneSumOf.map((slot) => pexpr(c, slot));
        bases.add(a[0]);
        bases.add(b[0]);
        body.push(`  const x${k}_${j}_a = v128.load32x2_u(${a[0]}, ${a[1] + 8 * j});\n  const x${k}_${j}_b = v128.load32x2_u(${b[0]}, ${b[1] + 8 * j});`);
        emitLimb(j, `add(lanes0(x${k}_${j}_a, x${k}_${j}_b), lanes1(x${k}_${j}_a, x${k}_${j}_b))`);
        continue;
      }
      const corrJ = [0, 0];
      let acc = null;
      const subs = [];
      for (const t of inputs) {
        const v = `x${k}_${j}_${t.i}`;
        body.push(`  const ${v} = v128.load32x2_u(${t.ptr[0]}, ${t.ptr[1] + 8 * j});`);
        for (const [arr, coef] of t.plan) {
          const te = termExpr(arr === 'same' ? v : `${SHUFFLE[arr]}(${v})`, coef);
          corrJ[0] += te.corr[0];
          corrJ[1] += te.corr[1];
          if (te.sub) subs.push(te.expr); else acc = acc === null ? te.expr : `add(${acc}, ${te.expr})`;
        }
      }
      const cst = [offL[0][j] + BigInt(corrJ[0]), offL[1][j] + BigInt(corrJ[1])];
      if (cst[0] !== 0n || cst[1] !== 0n) acc = acc === null ? kconst(cst[0], cst[1]) : `add(${acc}, ${kconst(cst[0], cst[1])})`;
      if (acc === null) acc = 'i64x2.splat(0)';
      for (const sx of subs) acc = `sub(${acc}, ${sx})`;
      emitLimb(j, acc);
    }
    const store = (v, j) => `  v128.store64_lane(${dst[0]}, pack(${v}), 0, ${dst[1] + 8 * j});`;
    const ls = (j) => `v128.load(LS, ${16 * j})`;
    if (!reducing) {
      // stored above
    } else if (o.bound <= 8) {
      // d = s − 4p with limbs raised by 2^30 (and lowered by 1 in the next) so they stay non-negative:
      // one pass for the sign of d (the borrow chain alone), a second that recomputes d limb by limb
      // and stores s or d
      const P4 = limbs(4n * P);
      const dTerm = (j) => {
        const c = (j < LIMBS - 1 ? 1n << 30n : 0n) - P4[j] - (j > 0 ? 1n : 0n);
        return c < 0n ? `sub(${ls(j)}, ${kconst(-c, -c)})` : `add(${ls(j)}, ${kconst(c, c)})`;
      };
      for (let j = 0; j < LIMBS; j++) body.push(j === 0 ? `  let d${k}_0 = ${dTerm(0)};` : `  let d${k}_${j} = add(${dTerm(j)}, hi(d${k}_${j - 1}));`);
      body.push(`  const keep${k} = i64x2.lt_s(d${k}_${LIMBS - 1}, i64x2.splat(0));`);
      for (let j = 0; j < LIMBS; j++) {
        body.push(j === 0 ? `  let e${k}_0 = ${dTerm(0)};` : `  let e${k}_${j} = add(${dTerm(j)}, hi(e${k}_${j - 1}));`);
        body.push(store(`v128.bitselect(${ls(j)}, ${j < LIMBS - 1 ? `lo(e${k}_${j})` : `e${k}_${j}`}, keep${k})`, j));
      }
    } else {
      const PL = limbs(P);
      const s12Max = (BigInt(o.bound) * P) >> 360n;
      const qMax = (s12Max * QUOTIENT_M) >> 32n;
      if (s12Max >= 1n << 29n) throw new Error('quotient estimate out of range');
      const Bq = ((qMax * (1n << 30n)) >> 30n) + 1n; // q·P_j < qMax·2^30 for every limb
      body.push(`  const q${k} = i64x2.shr_u(i64x2.extmul_low_i32x4_u(i32x4.shuffle(s${k}_${LIMBS - 1}, s${k}_${LIMBS - 1}, 0, 2, 0, 2), i32x4.splat(${lit(QUOTIENT_M)})), 32);`);
      body.push(`  const q${k}w = i32x4.shuffle(q${k}, q${k}, 0, 2, 0, 2);`);
      for (let j = 0; j < LIMBS; j++) {
        const qp = `mulLo(q${k}w, ${kconst32(PL[j])})`;
        const c = (j < LIMBS - 1 ? Bq << 30n : 0n) - (j > 0 ? Bq : 0n);
        const base = c === 0n ? ls(j) : c < 0n ? `sub(${ls(j)}, ${kconst(-c, -c)})` : `add(${ls(j)}, ${kconst(c, c)})`;
        if (j === 0) body.push(`  let r${k}_0 = sub(${base}, ${qp});`);
        else body.push(`  let r${k}_${j} = add(sub(${base}, ${qp}), hi(r${k}_${j - 1}));`);
        body.push(store(j < LIMBS - 1 ? `lo(r${k}_${j})` : `r${k}_${j}`, j));
      }
    }
  });
  const params = [...bases].filter((b) => b !== 'KS');
  params.sort((a, b) => c.params.indexOf(a) - c.params.indexOf(b));
  const code = `function ${name}(${params.map((p) => `${p}: usize`).join(', ')}): void {\n${body.join('\n')}\n}\n`;
  return { code, call: `${name}(${params.join(', ')});` };
}
/**
 * Exact emulation of an emitted linear kernel on one input assignment (slot -> [lane0, lane1] values
 * below their bounds): per-limb sums as the kernel forms them, checking that every limb sum the
 * kernel shifts right logically is in [0, 2^63) and that the output is ≡ the expression mod p and
 * within its bound. Throws on any violation.
 */
const emulations = [];
function emulate({ c, o, inputs, offL }, values) {
  const mask = (1n << 30n) - 1n;
  const lanes = [0, 1].map((l) => {
    let carry = 0n;
    const out = [];
    for (let j = 0; j < LIMBS; j++) {
      let v = offL[l][j] + carry;
      for (const t of inputs) for (const [arr, coef] of t.plan) {
        const x = values.get(t.slot)[ARRANGEMENTS[arr][l]];
        v += BigInt(coef[l]) * (j < LIMBS - 1 ? (x >> BigInt(30 * j)) & mask : x >> 360n);
      }
      if (v < 0n || v >= 1n << 63n) throw new Error(`${c}: ${o.dst} lane ${l} limb ${j} sum out of range`);
      if (j < LIMBS - 1) { out.push(v & mask); carry = v >> 30n; } else out.push(v);
    }
    let value = out.reduce((acc, x, j) => acc + (x << BigInt(30 * j)), 0n);
    if (o.reduce && o.bound > 8) {
      const q = ((out[LIMBS - 1] * QUOTIENT_M) >> 32n);
      value -= q * P;
      if (value < 0n) throw new Error(`${c}: ${o.dst} quotient too large`);
    } else if (o.reduce && o.bound > 4) {
      if (value >= 4n * P) value -= 4n * P;
    }
    return value;
  });
  const want = evalLin(o.expr, new Map([...values].map(([k, v]) => [k, Fp2.create({ c0: mod(v[0]), c1: mod(v[1]) })])));
  if (mod(lanes[0]) !== want.c0 || mod(lanes[1]) !== want.c1) throw new Error(`${c}: ${o.dst} wrong value`);
  const limit = BigInt(o.reduce ? 4 : o.bound) * P;
  if (lanes[0] >= limit || lanes[1] >= limit) throw new Error(`${c}: ${o.dst} exceeds its bound`);
}
function checkEmulations() {
  for (const e of emulations) {
    const slots = e.inputs.map((t) => t.slot);
    const bound = (slot) => BigInt(e.o.inBounds.get(slot)) * P;
    // extremes (0, bound − 1, limbs all ones below the bound) and random values
    const pick = (slot, kind) => {
      const b = bound(slot);
      if (kind === 0) return 0n;
      if (kind === 1) return b - 1n;
      if (kind === 2) { let x = (1n << 390n) - 1n; while (x >= b) x >>= 1n; return x; }
      return (rand() * (b / P + 1n)) % b;
    };
    for (let trial = 0; trial < 24; trial++) {
      const values = new Map(slots.map((slot, i) => {
        const kind = trial < 3 ? trial : trial < 9 ? (i + trial) % 3 : 3;
        const other = trial < 3 ? trial : trial < 9 ? (i + trial + 1) % 3 : 3;
        return [slot, [pick(slot, kind), pick(slot, other)]];
      }));
      emulate(e, values);
    }
  }
}

function describeExpr(e) {
  return [...e].map(([k, c]) => { const [s, sw] = unkey(k); return `${c.join('|')}·${s}${sw ? '~' : ''}`; }).join(' + ');
}
let kernels = header('fused Fp2/Fp6/Fp12 kernels of the pairing (see generate.mjs for the DSL and fp12.ts for their use).') + `import { fp2Mul, fpMulPair } from '../bls/montgomery';

// i64x2 shorthands of the linear kernels (inlined: the emitted code is the same as spelled out)
@inline function add(a: v128, b: v128): v128 { return i64x2.add(a, b); }
@inline function sub(a: v128, b: v128): v128 { return i64x2.sub(a, b); }
@inline function shl(a: v128, k: i32): v128 { return i64x2.shl(a, k); }
@inline function and(a: v128, b: v128): v128 { return v128.and(a, b); }
@inline function xor(a: v128, b: v128): v128 { return v128.xor(a, b); }
/** Carry and limb of a column (limb sums are non-negative by construction, so the shift is logical). */
@inline function hi(a: v128): v128 { return i64x2.shr_u(a, 30); }
@inline function lo(a: v128): v128 { return v128.and(a, i64x2.splat(${M30})); }
/** The two lanes' low words side by side, for store64_lane into the interleaved layout. */
@inline function pack(a: v128): v128 { return i32x4.shuffle(a, a, 0, 2, 0, 2); }
@inline function swap(a: v128): v128 { return i32x4.shuffle(a, a, 2, 3, 0, 1); }
@inline function dup0(a: v128): v128 { return i32x4.shuffle(a, a, 0, 1, 0, 1); }
@inline function dup1(a: v128): v128 { return i32x4.shuffle(a, a, 2, 3, 2, 3); }
@inline function mulLo(a: v128, b: v128): v128 { return i64x2.extmul_low_i32x4_u(a, b); }
/** (a.lane0, b.lane0) and (a.lane1, b.lane1): the Karatsuba lane sums of two products. */
@inline function lanes0(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 0, 1, 4, 5); }
@inline function lanes1(a: v128, b: v128): v128 { return i32x4.shuffle(a, b, 2, 3, 6, 7); }

/** Scratch of the composites below (Fp2 slots, 104 bytes each); no composite calls another. */
const KS: usize = memory.data(${FP2_BYTES} * KS_SLOTS, 16);
/** One value's 13 limb sums (i64x2 each) between a linear kernel's two passes over a reduced output. */
const LS: usize = memory.data(${16 * LIMBS}, 16);
// KC_TABLE
`;
let ksMax = 0;
for (const c of composites) {
  let linCount = 0;
  const fnBody = [];
  const helpers = [];
  for (const s of c.steps) {
    if (s.op === 'lin') {
      const k = linKernel(c, `${c.name.replace(/Unsafe$/, '')}Lin${linCount++}`, s.outs);
      helpers.push(k.code);
      fnBody.push(`  ${k.call}`);
    } else {
      const fn = s.op === 'mul' ? 'fp2Mul' : 'fpMulPair';
      fnBody.push(`  ${fn}(${fmtPtr(pexpr(c, s.dst))}, ${fmtPtr(pexpr(c, s.x))}, ${fmtPtr(pexpr(c, s.y))});`);
    }
  }
  ksMax = Math.max(ksMax, scratchIndex.get(c.name)?.size ?? 0);
  kernels += `\n${helpers.join('\n')}\n/** ${c.doc} */\nexport function ${c.name}(${c.params.map((p) => `${p}: usize`).join(', ')}): void {\n${fnBody.join('\n')}\n}\n`;
}
kernels = kernels.replace('KS_SLOTS', String(ksMax));
const KC_MARK = '// KC_TABLE';

// ---- standalone linear kernels used by the hand-written code ----
{
  const c = new Composite('fp2MulByXiUnsafe', ['out', 'a'], '').input('a[0]');
  c.lin(['out[0]', xi(V('a[0]')), true]);
  const k = linKernel(c, 'fp2MulByXi', c.steps[0].outs);
  kernels += `\n/** out = ξ·a, ξ = 1 + u: (a0 − a1) + (a0 + a1)u, both lanes in one pass; values in [0, 4p). out may alias a. */\nexport ${k.code}`;
}

checkEmulations();
kernels = kernels.replace(KC_MARK, `/** The linear kernels' per-limb constants, two u64 lanes each (see kconst in generate.mjs). */\nconst KC: usize = memory.data<u64>([${kcValues.map(lit).join(', ')}], 16);`);
if (process.argv.includes('--stats')) {
  for (const c of composites) {
    const lines = c.steps.filter((st) => st.op === 'lin').map((st) => {
      const loads = st.outs.reduce((a, o) => a + o.inputs.length, 0);
      const terms = st.outs.reduce((a, o) => a + o.inputs.reduce((b, t) => b + t.plan.length, 0), 0);
      const red = st.outs.map((o) => (!o.reduce || o.bound <= 4 ? '-' : o.bound <= 8 ? 'c' : 'q')).join('');
      return `${st.outs.length} outs, ${loads} loads, ${terms} terms [${red}]`;
    });
    const prods = c.steps.filter((st) => st.op !== 'lin').length;
    console.log(`${c.name}: ${prods} products; ` + lines.join(' | '));
  }
}

const dir = new URL('./', import.meta.url);
const outputs = { 'constants.ts': constants, 'kernels.ts': kernels };
if (process.argv.includes('--check')) {
  const stale = Object.entries(outputs).filter(([name, text]) => {
    try { return readFileSync(new URL(name, dir), 'utf8') !== text; } catch { return true; }
  });
  for (const [name] of stale) console.error(`assembly/pairing/${name} differs from what generate.mjs writes; run node assembly/pairing/generate.mjs`);
  process.exit(stale.length === 0 ? 0 : 1);
}
for (const [name, text] of Object.entries(outputs)) writeFileSync(new URL(name, dir), text);
console.log(`wrote constants.ts and kernels.ts (${composites.length} composites, scratch ${ksMax} slots)`);
