// Generates assembly/bls/decode-constants.ts: the constants of square roots (sqrt.ts), compressed
// point decoding and subgroup checks (decode.ts), derived from p and checked against @noble/curves
// here before they are written, so that none is typed by hand. Run: node assembly/bls/decode-generate.mjs
// With --check it writes nothing and exits 1 if the committed file differs from what it would write
// (test/wasm/points-generated.test.ts runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import { bls12_381 } from '@noble/curves/bls12-381.js';

const P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const LIMBS = 13, BITS = 30, MASK = (1n << 30n) - 1n;
const MONT_R = 1n << BigInt(LIMBS * BITS);

const mod = (a, m = P) => ((a % m) + m) % m;
const pow = (b, e, m = P) => { let r = 1n; b = mod(b, m); for (; e > 0n; e >>= 1n) { if (e & 1n) r = r * b % m; b = b * b % m; } return r; };
const limbs = (x) => Array.from({ length: LIMBS }, (_, i) => (x >> BigInt(BITS * i)) & MASK);
const mont = (x) => mod(x * MONT_R);
const lit = (x) => `0x${x.toString(16)}`;
const arr = (xs) => `[${xs.map((x) => (typeof x === 'number' ? String(x) : lit(x))).join(', ')}]`;

const Fp = bls12_381.fields.Fp;
if (Fp.ORDER !== P) throw new Error('p differs from noble');
if (P % 4n !== 3n) throw new Error('p is not 3 mod 4: the progenitor square root does not apply');
// (p - 3)/4 even makes (-t)^((p-3)/4) = t^((p-3)/4), which fp2SqrtUnsafe uses (p = 3 mod 8).
if (P % 8n !== 3n) throw new Error('p is not 3 mod 8');

// ---- the progenitor exponent (p - 3)/4: sliding window, width chosen by operation count ----
const E = (P - 3n) / 4n;
/** Left-to-right sliding window: steps [k, d] mean acc = acc^(2^k) * a^d (d odd, or 0 for none). */
function slidingWindow(e, w) {
  const b = e.toString(2);
  const steps = [];
  let pending = 0; // squarings since the last window
  for (let i = 0; i < b.length;) {
    if (b[i] === '0') { pending++; i++; continue; }
    let j = Math.min(b.length - 1, i + w - 1);
    while (b[j] === '0') j--;
    steps.push([pending + (j - i + 1), parseInt(b.slice(i, j + 1), 2)]);
    pending = 0;
    i = j + 1;
  }
  if (pending > 0) steps.push([pending, 0]);
  steps[0][0] = 0; // the first window starts the accumulator
  const squarings = steps.reduce((c, [k]) => c + k, 0) + (w > 1 ? 1 : 0);
  const multiplications = steps.filter(([, d]) => d > 0).length - 1 + (w > 1 ? (1 << (w - 1)) - 1 : 0);
  return { w, steps, cost: squarings + multiplications, squarings, multiplications };
}
let best;
for (let w = 1; w <= 8; w++) {
  const s = slidingWindow(E, w);
  if (best === undefined || s.cost < best.cost) best = s;
}
const { w: WINDOW, steps: STEPS } = best;
const TABLE_SIZE = 1 << (WINDOW - 1); // a, a^3, ..., a^(2^w - 1)
// replay the schedule on exponents and on values
{
  let e = 0n;
  for (const [k, d] of STEPS) e = (e << BigInt(k)) + BigInt(d);
  if (e !== E) throw new Error('sliding window schedule does not reproduce (p - 3)/4');
}
const progenitor = (a) => {
  let acc = 1n;
  for (const [k, d] of STEPS) { acc = pow(acc, 1n << BigInt(k)); if (d > 0) acc = acc * pow(a, BigInt(d)) % P; }
  return acc;
};
// check: a^((p+1)/4) = a * progenitor(a) is noble's square root up to sign, for squares
{
  let seed = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 32; i++) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    const a = mod(seed * seed * 0x123456789abcdefn + BigInt(i));
    const sq = mod(a * a);
    const root = mod(sq * progenitor(sq));
    const ref = Fp.sqrt(sq);
    if (root !== ref && root !== mod(-ref)) throw new Error('progenitor square root disagrees with noble');
  }
}

// ---- other constants ----
const HALF = mod((P + 1n) / 2n); // 1/2 mod p
if (mod(2n * HALF) !== 1n || Fp.inv(2n) !== HALF) throw new Error('1/2 wrong');
const HALF_P = (P - 1n) / 2n; // y is the lexicographically larger root iff y > (p - 1)/2
if (!(HALF_P + HALF_P + 1n === P)) throw new Error('(p - 1)/2 wrong');
// noble's rule for the sort flag (y.c1 first for Fp2) agrees with "y > (p-1)/2"
{
  const G = bls12_381.G1.Point.BASE.toAffine();
  const flag = (bls12_381.G1.Point.BASE.toBytes(true)[0] & 0x20) !== 0;
  if (flag !== (G.y > HALF_P)) throw new Error('G1 sort flag rule differs from noble');
  const H = bls12_381.G2.Point.BASE.toAffine();
  const flag2 = (bls12_381.G2.Point.BASE.toBytes(true)[0] & 0x20) !== 0;
  if (flag2 !== (H.y.c1 !== 0n ? H.y.c1 > HALF_P : H.y.c0 > HALF_P)) throw new Error('G2 sort flag rule differs from noble');
}

// ---- a dedicated Montgomery squaring kernel (fpMul's scheme with the symmetric products once) ----
// -p^-1 mod 2^30 by Newton iteration
let pinv30 = 1n; for (let i = 0; i < 6; i++) pinv30 = (pinv30 * (2n - P * pinv30)) & MASK;
const NEG_PINV = (-pinv30) & MASK;
if (((P * pinv30) & MASK) !== 1n) throw new Error('p^-1 mod 2^30 wrong');
// the Montgomery square of an input below 16p is below 2p: (256p^2 + R p)/R < 2p
if (256n * P >= MONT_R) throw new Error('R too small for inputs below 16p');
const PL = limbs(P);
const U64 = (1n << 64n) - 1n;
/**
 * Row i adds a_i^2 and 2 a_i a_j (j > i) at once, so column c gets all its products by iteration
 * floor(c/2) instead of c: columns fill faster than in fpMul. Column bounds are tracked exactly
 * (inputs: limbs < 2^30, values < 16p) and a carry pass is inserted before any row that could
 * overflow a u64; the bounds are checked again at every step, so the kernel cannot overflow.
 */
function sqrKernel() {
  const topLimbMax = (16n * P - 1n) >> BigInt(BITS * (LIMBS - 1));
  const aMax = (j) => (j === LIMBS - 1 ? topLimbMax : MASK);
  let s = `
/**
 * Montgomery square out = a^2 / 2^390 mod p (result < 2p), the scheme of fpMul (montgomery.ts) with
 * each cross product a_i a_j (i < j) formed once and doubled (2 a_j precomputed): 91 + 169 limb
 * products instead of 338. Carry passes where decode-generate.mjs's bound tracking needs them.
 * Inputs: limbs < 2^30, value < 16p; out may alias a.
 */
export function fpSquare(out: usize, a: usize): void {
`;
  for (let j = 0; j < LIMBS; j++) s += `  const a${j} = <u64>load<u32>(a, ${4 * j});\n`;
  for (let j = 1; j < LIMBS; j++) s += `  const d${j} = a${j} << 1;\n`;
  s += `  let ${Array.from({ length: LIMBS }, (_, i) => `t${i}: u64 = 0`).join(', ')};\n  let m: u64;\n`;
  let n = Array.from({ length: LIMBS }, (_, i) => `t${i}`);
  const bound = Array(LIMBS).fill(0n); // by relative position
  const carryPass = () => {
    for (let j = 0; j < LIMBS - 1; j++) {
      s += `  ${n[j + 1]} += ${n[j]} >> 30; ${n[j]} &= ${lit(MASK)};\n`;
      bound[j + 1] += bound[j] >> 30n;
      bound[j] = bound[j] < MASK ? bound[j] : MASK;
    }
    passes++;
  };
  let passes = 0;
  for (let i = 0; i < LIMBS; i++) {
    // bound after this row and its reduction, to decide on a carry pass first
    const rowAdd = (j) => (j < i ? 0n : aMax(i) * (j === i ? aMax(i) : 2n * aMax(j))) + MASK * PL[j];
    if (bound.some((b, j) => b + rowAdd(j) > U64)) carryPass();
    const terms = [];
    for (let j = i; j < LIMBS; j++) terms.push(`${n[j]} += a${i} * ${j === i ? `a${i}` : `d${j}`};`);
    s += `  ${terms.join(' ')}\n`;
    s += `  m = (${n[0]} * ${lit(NEG_PINV)}) & ${lit(MASK)};\n`;
    s += `  ${n.map((t, j) => `${t} += m * ${lit(PL[j])};`).join(' ')}\n`;
    for (let j = 0; j < LIMBS; j++) {
      bound[j] += rowAdd(j);
      if (bound[j] > U64) throw new Error(`fpSquare bound overflow at row ${i}, column ${j}`);
    }
    s += `  ${n[1]} += ${n[0]} >> 30; ${n[0]} = 0;\n`;
    bound[1] += bound[0] >> 30n;
    if (bound[1] > U64) throw new Error('fpSquare bound overflow in the shift');
    n = [...n.slice(1), n[0]];
    bound.push(0n);
    bound.shift();
  }
  for (let i = 0; i < LIMBS - 1; i++) {
    s += `  ${n[i + 1]} += ${n[i]} >> 30; store<u32>(out, <u32>(${n[i]} & ${lit(MASK)}), ${4 * i});\n`;
    bound[i + 1] += bound[i] >> 30n;
    if (bound[i + 1] > U64) throw new Error('fpSquare bound overflow in the final carries');
  }
  s += `  store<u32>(out, <u32>${n[LIMBS - 1]}, ${4 * (LIMBS - 1)});\n}\n`;
  return { code: s, passes };
}
const SQUARE = sqrKernel();

// ---- fused linear kernels of the G1 doubling in decode.ts (straight-line, i64 limbs, signed carries) ----
const P4L = limbs(4n * P), P2L = limbs(2n * P);
const idx = [...Array(LIMBS).keys()];
const ld = (ptr, j) => `<i64>load<u32>(${ptr}, ${4 * j})`;
/** Normalises limb expressions into locals prefix0..12 (each < 2^30 but the top one, which takes the carry). */
function chain(prefix, exprs) {
  let c = '';
  exprs.forEach((e, j) => {
    c += `  let ${prefix}${j}: i64 = ${e}${j > 0 ? ` + (${prefix}${j - 1} >> 30)` : ''};\n`;
    if (j > 0) c += `  ${prefix}${j - 1} &= ${lit(MASK)};\n`;
  });
  return c;
}
const store = (prefix) => idx.map((j) => `  store<u32>(out, <u32>${prefix}${j}, ${4 * j});\n`).join('');
const linear = `
/**
 * out = 3a/2 mod p, not reduced: 3a, plus p when a is odd, halved (3a + p is then even). For a < 4p
 * the result is below 6.5p: a multiplication input only. out may alias a.
 */
export function fpTripleHalfLazy(out: usize, a: usize): void {
  const odd: i64 = <i64>(load<u32>(a) & 1);
${chain('s', idx.map((j) => `3 * ${ld('a', j)} + odd * ${lit(PL[j])}`))}${idx.map((j) => `  store<u32>(out, <u32>(${j < LIMBS - 1 ? `(s${j} >> 1) | ((s${j + 1} & 1) << 29)` : `s${j} >> 1`}), ${4 * j});\n`).join('')}}

/** out = a − 2b in [0, 4p), for a < 4p and b < 2p: a − 2b + 4p, minus 4p when it is at least 4p. out may alias a or b. */
export function fpSubDoubled(out: usize, a: usize, b: usize): void {
${chain('s', idx.map((j) => `${ld('a', j)} - (${ld('b', j)} << 1) + ${lit(P4L[j])}`))}${chain('d', idx.map((j) => `s${j} - ${lit(P4L[j])}`))}${idx.map((j) => `  store<u32>(out, <u32>select<i64>(s${j}, d${j}, d${LIMBS - 1} < 0), ${4 * j});\n`).join('')}}

/** out = a − b + 4p, not reduced (below 8p for a < 4p, b ≤ 4p): a multiplication input. out may alias a or b. */
export function fpSubLazy4p(out: usize, a: usize, b: usize): void {
${chain('s', idx.map((j) => `${ld('a', j)} - ${ld('b', j)} + ${lit(P4L[j])}`))}${store('s')}}

/** out = a − b + 2p in (0, 4p) for a < 2p and b < 2p (a product minus a product). out may alias a or b. */
export function fpSubLazy2p(out: usize, a: usize, b: usize): void {
${chain('s', idx.map((j) => `${ld('a', j)} - ${ld('b', j)} + ${lit(P2L[j])}`))}${store('s')}}
`;

const header = '// GENERATED by assembly/bls/decode-generate.mjs — do not edit; constants and kernels of sqrt.ts and decode.ts (13 x 30-bit limbs, Montgomery R = 2^390).\n';
const out = header + `
/**
 * a^((p - 3)/4), the "progenitor" of p = 3 mod 4 (a^((p+1)/4) = a * it is a square root, and for a
 * square a it is 1/sqrt(a)): left-to-right sliding window of width ${WINDOW} (the cheapest width), ${best.squarings}
 * squarings and ${best.multiplications} multiplications. The table holds a, a^3, ..., a^${(1 << WINDOW) - 1}.
 */
export const SQRT_TABLE_SIZE: i32 = ${TABLE_SIZE};
/** Steps (k, i): acc = acc^(2^k) * table[i - 1] (i = 0: no multiplication); the first step sets acc = table[i - 1]. */
export const SQRT_STEP_COUNT: i32 = ${STEPS.length};
export const SQRT_STEPS: usize = memory.data<u8>(${arr(STEPS.flatMap(([k, d]) => [k, d === 0 ? 0 : (d - 1) / 2 + 1]))});
/** 1/2 mod p in Montgomery form. */
export const HALF_MONT: usize = memory.data<u32>(${arr(limbs(mont(HALF)))});
/** 1 as a plain integer: a Montgomery product with it leaves Montgomery form. */
export const PLAIN_ONE: usize = memory.data<u32>(${arr(limbs(1n))});
/** (p - 1)/2 as plain limbs: y is the lexicographically larger of y, -y iff canonical y > this. */
export const HALF_P_LIMBS: usize = memory.data<u32>(${arr(limbs(HALF_P))});
` + SQUARE.code + linear;

const target = new URL('./decode-constants.ts', import.meta.url);
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(target, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== out) {
    console.error('assembly/bls/decode-constants.ts differs from what decode-generate.mjs writes; run node assembly/bls/decode-generate.mjs');
    process.exit(1);
  }
  process.exit(0);
}
writeFileSync(target, out);
console.log(`wrote decode-constants.ts; sqrt window ${WINDOW}: ${best.squarings} squarings, ${best.multiplications} multiplications; fpSquare with ${SQUARE.passes} carry pass(es)`);
