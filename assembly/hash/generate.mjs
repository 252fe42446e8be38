// Generates assembly/hash/constants.ts (SHA-256 and hash-to-G2 constants in the core's representation)
// and assembly/hash/sha256-rounds.ts (the unrolled SHA-256 compression function), so that no constant
// is typed by hand. Run: node assembly/hash/generate.mjs
// With --check it writes nothing and exits 1 if a committed file differs from what it would write
// (test/wasm/hash-generated.test.ts runs that).
//
// Where the numbers come from, and how each is checked before it is written:
// - SHA-256 (FIPS 180-4 §4.2.2, §5.3.3): K and the initial hash value are derived from the cube and
//   square roots of the first primes; a SHA-256 built from them here must equal @noble/hashes.
// - The suite BLS12381G2_XMD:SHA-256_SSWU_RO_ (RFC 9380 §8.8.2): A' = 240·I, B' = 1012·(1 + I),
//   Z = −(2 + I), and the 3-isogeny coefficients of Appendix E.3 (quoted below verbatim from the
//   RFC text). They are checked functionally against @noble/curves: noble's own simplified SWU run
//   with these A', B', Z, followed by the isogeny built from these coefficients and noble's cofactor
//   clearing, must equal noble's bls12_381.G2.mapToCurve for random field elements (so the values
//   match noble's internal ones), and the isogeny must send E' points onto E.
// - Everything else (Montgomery forms, Z^3, −B'/A', the square-root exponent schedule, ψ²) is
//   derived here with BigInt arithmetic and checked by an identity.
import { readFileSync, writeFileSync } from 'node:fs';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { mapToCurveSimpleSWU } from '@noble/curves/abstract/hash-to-curve.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

// ---------------------------------------------------------------- SHA-256 (FIPS 180-4)
const firstPrimes = (n) => {
  const out = [];
  for (let k = 2n; out.length < n; k++) if (out.every((q) => k % q !== 0n)) out.push(k);
  return out;
};
/** floor(a^(1/k)) for a BigInt a, by Newton's method. */
const iroot = (a, k) => {
  let x = 1n << BigInt(Math.ceil(a.toString(2).length / Number(k)) + 1);
  for (;;) {
    const y = ((k - 1n) * x + a / x ** (k - 1n)) / k;
    if (y >= x) return x;
    x = y;
  }
};
const MASK32 = 0xffffffffn;
// the first 32 bits of the fractional parts of the cube roots of the first 64 primes, square roots of the first 8
const SHA_K = firstPrimes(64).map((q) => Number(iroot(q << 96n, 3n) & MASK32));
const SHA_IV = firstPrimes(8).map((q) => Number(iroot(q << 64n, 2n) & MASK32));

const rotr = (x, n) => ((x >>> n) | (x << (32 - n))) >>> 0;
function compress(state, block) {
  const w = new Array(64);
  for (let i = 0; i < 16; i++) w[i] = ((block[4 * i] << 24) | (block[4 * i + 1] << 16) | (block[4 * i + 2] << 8) | block[4 * i + 3]) >>> 0;
  for (let i = 16; i < 64; i++) {
    const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
    const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
  }
  let [a, b, c, d, e, f, g, h] = state;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[i] + w[i]) >>> 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
    [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
  }
  return state.map((v, i) => (v + [a, b, c, d, e, f, g, h][i]) >>> 0);
}
function sha256(bytes) {
  const padded = new Uint8Array(Math.ceil((bytes.length + 9) / 64) * 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  new DataView(padded.buffer).setBigUint64(padded.length - 8, BigInt(bytes.length) * 8n);
  let state = SHA_IV;
  for (let i = 0; i < padded.length; i += 64) state = compress(state, padded.subarray(i, i + 64));
  const out = new Uint8Array(32);
  state.forEach((v, i) => new DataView(out.buffer).setUint32(4 * i, v));
  return out;
}
for (const n of [0, 3, 55, 56, 63, 64, 65, 200]) {
  const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
  if (Buffer.compare(sha256(data), nobleSha256(data)) !== 0) throw new Error(`SHA-256 constants wrong (length ${n})`);
}
// expand_message_xmd starts every b_0 with Z_pad, one all-zero 64-byte block: its state is a constant
const ZPAD_STATE = compress(SHA_IV, new Uint8Array(64));

// ---------------------------------------------------------------- fields (as in assembly/bls/generate.mjs)
const P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const X_ABS = 0xd201000000010000n; // the BLS parameter x is −X_ABS
const LIMBS = 13, BITS = 30, LMASK = (1n << 30n) - 1n;
const MONT_R = 1n << BigInt(LIMBS * BITS);
const mod = (a, m = P) => ((a % m) + m) % m;
const pow = (b, e, m = P) => { let r = 1n; b = mod(b, m); for (; e > 0n; e >>= 1n) { if (e & 1n) r = r * b % m; b = b * b % m; } return r; };
const inv = (a) => pow(a, P - 2n);
const limbs = (x) => Array.from({ length: LIMBS }, (_, i) => (x >> BigInt(BITS * i)) & LMASK);
const mont = (x) => mod(x * MONT_R);
const isSquare = (a) => mod(a) === 0n || pow(a, (P - 1n) / 2n) === 1n;

const f2 = (c0, c1 = 0n) => [mod(c0), mod(c1)];
const f2add = (a, b) => f2(a[0] + b[0], a[1] + b[1]);
const f2mul = ([a0, a1], [b0, b1]) => f2(a0 * b0 - a1 * b1, a0 * b1 + a1 * b0);
const f2pow = (a, e) => { let r = f2(1n); for (; e > 0n; e >>= 1n) { if (e & 1n) r = f2mul(r, a); a = f2mul(a, a); } return r; };
const f2norm = ([a0, a1]) => mod(a0 * a0 + a1 * a1);
const f2inv = ([a0, a1]) => { const d = inv(f2norm([a0, a1])); return f2(a0 * d, -a1 * d); };
const f2neg = ([a0, a1]) => f2(-a0, -a1);
const f2eq = (a, b) => a[0] === b[0] && a[1] === b[1];
const f2isSquare = (a) => isSquare(f2norm(a)); // a is a square in Fp2 iff its norm is one in Fp
const conj = ([a0, a1]) => f2(a0, -a1);

// ---------------------------------------------------------------- the suite (RFC 9380 §8.8.2)
const SSWU_A = f2(0n, 240n);
const SSWU_B = f2(1012n, 1012n);
const SSWU_Z = f2(-2n, -1n);
// RFC 9380 Appendix E.3, verbatim ("k_(i,j) = c0 + c1 * I"); x_den and y_den are monic.
const RFC_E3 = `
k_(1,0) = 0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6 + 0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6 * I
k_(1,1) = 0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71a * I
k_(1,2) = 0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71e + 0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38d * I
k_(1,3) = 0x171d6541fa38ccfaed6dea691f5fb614cb14b4e7f4e810aa22d6108f142b85757098e38d0f671c7188e2aaaaaaaa5ed1
k_(2,0) = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa63 * I
k_(2,1) = 0xc + 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa9f * I
k_(3,0) = 0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706 + 0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706 * I
k_(3,1) = 0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97be * I
k_(3,2) = 0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71c + 0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38f * I
k_(3,3) = 0x124c9ad43b6cf79bfbf7043de3811ad0761b0f37a1e26286b0e977c69aa274524e79097a56dc4bd9e1b371c71c718b10
k_(4,0) = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb + 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb * I
k_(4,1) = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa9d3 * I
k_(4,2) = 0x12 + 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa99 * I
`;
const K = {};
for (const line of RFC_E3.trim().split('\n')) {
  const m = /^k_\((\d),(\d)\) = (?:(0x[0-9a-f]+)(?= \+| *$))?(?: \+ )?(?:(0x[0-9a-f]+) \* I)?$/.exec(line.trim());
  if (m === null) throw new Error(`cannot parse ${line}`);
  K[`${m[1]}${m[2]}`] = f2(BigInt(m[3] ?? 0), BigInt(m[4] ?? 0));
}
const ISO_X_NUM = [K['10'], K['11'], K['12'], K['13']];
const ISO_X_DEN = [K['20'], K['21']];
const ISO_Y_NUM = [K['30'], K['31'], K['32'], K['33']];
const ISO_Y_DEN = [K['40'], K['41'], K['42']];
if (Object.keys(K).length !== 13) throw new Error('expected 13 isogeny coefficients');
const poly = (coeffs, x, monic) => {
  let acc = monic ? f2(1n) : coeffs[coeffs.length - 1];
  for (let i = coeffs.length - (monic ? 1 : 2); i >= 0; i--) acc = f2add(f2mul(acc, x), coeffs[i]);
  return acc;
};
function isoMap([x, y]) {
  const xd = poly(ISO_X_DEN, x, true), yd = poly(ISO_Y_DEN, x, true);
  return [f2mul(poly(ISO_X_NUM, x), f2inv(xd)), f2mul(y, f2mul(poly(ISO_Y_NUM, x), f2inv(yd)))];
}

// checks against noble: its SSWU with these A', B', Z, our isogeny, its cofactor clearing == its mapToCurve
{
  const { Fp2 } = bls12_381.fields;
  const toNoble = ([c0, c1]) => Fp2.fromBigTuple([c0, c1]);
  const sswu = mapToCurveSimpleSWU(Fp2, { A: toNoble(SSWU_A), B: toNoble(SSWU_B), Z: toNoble(SSWU_Z) });
  const E2_B = f2(4n, 4n);
  let seed = 0x9e3779b97f4a7c15n;
  const next = () => { seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n); return seed; };
  const randomFp = () => mod((next() << 320n) | (next() << 256n) | (next() << 192n) | (next() << 128n) | (next() << 64n) | next());
  for (let i = 0; i < 8; i++) {
    const u = f2(randomFp(), randomFp());
    const { x, y } = sswu(toNoble(u));
    const onEp = [x.c0, x.c1], yp = [y.c0, y.c1];
    // (x', y') on E': y'^2 = x'^3 + A' x' + B'
    if (!f2eq(f2mul(yp, yp), f2add(f2add(f2mul(f2mul(onEp, onEp), onEp), f2mul(SSWU_A, onEp)), SSWU_B))) throw new Error('SSWU point not on E\'');
    const [X, Y] = isoMap([onEp, yp]);
    if (!f2eq(f2mul(Y, Y), f2add(f2mul(f2mul(X, X), X), E2_B))) throw new Error('isogeny image not on E');
    const mine = bls12_381.G2.Point.fromAffine({ x: toNoble(X), y: toNoble(Y) }).clearCofactor();
    const theirs = bls12_381.G2.mapToCurve(u);
    if (!mine.equals(theirs)) throw new Error('A\', B\', Z or the isogeny coefficients differ from @noble/curves');
  }
  // the conditions on Z of RFC 9380 §6.6.2 used by the core: Z non-square, g(B'/(Z A')) square
  if (f2isSquare(SSWU_Z)) throw new Error('Z must not be a square');
  const xe = f2mul(SSWU_B, f2inv(f2mul(SSWU_Z, SSWU_A)));
  if (!f2isSquare(f2add(f2add(f2mul(f2mul(xe, xe), xe), f2mul(SSWU_A, xe)), SSWU_B))) throw new Error('g(B/(Z A)) must be a square');
}

// ---------------------------------------------------------------- derived constants of the core's algorithm
const MINUS_B_OVER_A = f2neg(f2mul(SSWU_B, f2inv(SSWU_A)));
const B_OVER_ZA = f2mul(SSWU_B, f2inv(f2mul(SSWU_Z, SSWU_A)));
const Z3 = f2mul(f2mul(SSWU_Z, SSWU_Z), SSWU_Z);
// sqrt(−N(Z)^3) in Fp: turns sqrt(−N(g(x1))) into a square root of N(g(x2)) = N(Z)^3 N(u)^6 N(g(x1))
const NZ3 = mod(-(f2norm(SSWU_Z) ** 3n));
if (!isSquare(NZ3)) throw new Error('−N(Z)^3 must be a square in Fp');
const SQRT_NZ3 = pow(NZ3, (P + 1n) / 4n);
if (mod(SQRT_NZ3 * SQRT_NZ3) !== NZ3) throw new Error('sqrt(−N(Z)^3) wrong');
const HALF = inv(2n);
// ψ² = ψ∘ψ: (x, y) ↦ (N(c_x)·x, N(c_y)·y), both norms in Fp
const PSI_X = f2inv(f2pow(f2(1n, 1n), (P - 1n) / 3n));
const PSI_Y = f2inv(f2pow(f2(1n, 1n), (P - 1n) / 2n));
const PSI2_X = f2norm(PSI_X), PSI2_Y = f2norm(PSI_Y);
{
  const G = bls12_381.G2.Point.BASE.toAffine();
  const x2G = bls12_381.G2.Point.BASE.multiply(X_ABS * X_ABS).toAffine(); // ψ² = [x^2] on G2
  const gx = [G.x.c0, G.x.c1], gy = [G.y.c0, G.y.c1];
  if (!f2eq(f2mul(f2(PSI2_X), gx), [x2G.x.c0, x2G.x.c1]) || !f2eq(f2mul(f2(PSI2_Y), gy), [x2G.y.c0, x2G.y.c1])) throw new Error('psi^2 constants wrong');
  // and ψ itself, as the core's params.ts has it: ψ = [x] = −[X_ABS]
  const xG = bls12_381.G2.Point.BASE.multiply(X_ABS).negate().toAffine();
  if (!f2eq(f2mul(PSI_X, conj(gx)), [xG.x.c0, xG.x.c1]) || !f2eq(f2mul(PSI_Y, conj(gy)), [xG.y.c0, xG.y.c1])) throw new Error('psi constants wrong');
}

// the square-root exponent (p − 3)/4 (p ≡ 3 mod 4) as a sliding-window schedule, window chosen by cost
const SQRT_EXP = (P - 3n) / 4n;
function slidingWindow(e, w) {
  const bits = e.toString(2);
  const steps = []; // [squarings before, table index of the odd digit]
  let pending = 0;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') { pending++; i++; continue; }
    let j = Math.min(i + w, bits.length) - 1;
    while (bits[j] === '0') j--;
    const digit = parseInt(bits.slice(i, j + 1), 2);
    steps.push([steps.length === 0 ? 0 : pending + (j - i + 1), (digit - 1) / 2]);
    pending = 0;
    i = j + 1;
  }
  const cost = (1 << (w - 1)) + steps.reduce((s, [q]) => s + q + 1, 0) + pending - 1;
  return { steps, tail: pending, cost };
}
let best;
for (let w = 2; w <= 7; w++) {
  const s = slidingWindow(SQRT_EXP, w);
  if (best === undefined || s.cost < best.cost) best = { ...s, w };
}
{
  // replay the schedule on the exponent itself
  let acc = 0n;
  best.steps.forEach(([q, d], k) => { acc = (k === 0 ? 0n : acc << BigInt(q)) + BigInt(2 * d + 1); });
  acc <<= BigInt(best.tail);
  if (acc !== SQRT_EXP) throw new Error('exponent schedule wrong');
  if (best.steps.some(([q]) => q > 255)) throw new Error('a run of squarings does not fit a byte');
}

// ---------------------------------------------------------------- output
const lit = (x) => `0x${x.toString(16)}`;
const arr = (xs) => `[${xs.map(lit).join(', ')}]`;
const fpData = (x) => `memory.data<u32>(${arr(limbs(mont(x)))})`;
const fp2Limbs = ([c0, c1]) => { const a = limbs(mont(c0)), b = limbs(mont(c1)); return a.flatMap((l, j) => [l, b[j]]); };
const fp2Data = (...xs) => `memory.data<u32>(${arr(xs.flatMap(fp2Limbs))})`;
const header = (what) => `// GENERATED by assembly/hash/generate.mjs — do not edit; ${what}\n`;

const constants = header('SHA-256 and BLS12381G2_XMD:SHA-256_SSWU_RO_ constants (RFC 9380 §8.8.2) in the core\'s representation.') + `
/** SHA-256 initial hash value H(0) (FIPS 180-4 §5.3.3). */
export const SHA256_IV: usize = memory.data<u32>(${arr(SHA_IV)});
/** The SHA-256 state after one all-zero block: where every expand_message_xmd b_0 starts (Z_pad, L = 64). */
export const SHA256_ZPAD_STATE: usize = memory.data<u32>(${arr(ZPAD_STATE)});

// Field constants: Fp in 13 x 30-bit Montgomery limbs (R = 2^390); Fp2 interleaved (see bls/fp2.ts).
/** 2^256·R^2 mod p: Montgomery-multiplying the top 256 bits of a 512-bit integer by it gives hi·2^256·R. */
export const H2F_HI_FACTOR: usize = ${fpData(mod((1n << 256n) * MONT_R))};
/** 1 as a plain integer (Montgomery-multiplying by it leaves Montgomery form). */
export const PLAIN_ONE: usize = memory.data<u32>(${arr(limbs(1n))});
/** 1/2. */
export const FP_HALF: usize = ${fpData(HALF)};
/** sqrt(−N(Z)^3) = sqrt(${NZ3 > P / 2n ? `−${P - NZ3}` : NZ3}) in Fp, N the norm Fp2 → Fp. */
export const SQRT_MINUS_NORM_Z3: usize = ${fpData(SQRT_NZ3)};
/** The simplified SWU constants of E': y^2 = x^3 + A'x + B', A' = 240·I, B' = 1012·(1 + I), Z = −(2 + I). */
export const SSWU_A: usize = ${fp2Data(SSWU_A)};
export const SSWU_B: usize = ${fp2Data(SSWU_B)};
export const SSWU_Z: usize = ${fp2Data(SSWU_Z)};
export const SSWU_Z3: usize = ${fp2Data(Z3)};
export const SSWU_MINUS_B_OVER_A: usize = ${fp2Data(MINUS_B_OVER_A)};
/** x1 in the exceptional case Z^2 u^4 + Z u^2 = 0 (only u = 0 over Fp2). */
export const SSWU_B_OVER_ZA: usize = ${fp2Data(B_OVER_ZA)};
/** The 3-isogeny E' → E (RFC 9380 Appendix E.3), coefficients k_(i,0), k_(i,1), … in ascending order; the denominators are monic (their leading 1 is not stored). */
export const ISO_X_NUM: usize = ${fp2Data(...ISO_X_NUM)};
export const ISO_X_DEN: usize = ${fp2Data(...ISO_X_DEN)};
export const ISO_Y_NUM: usize = ${fp2Data(...ISO_Y_NUM)};
export const ISO_Y_DEN: usize = ${fp2Data(...ISO_Y_DEN)};
/** ψ²(x, y) = (N(c_x)·x, N(c_y)·y); each Fp factor repeated in both lanes, for fpMulPair against an Fp2 element. */
export const PSI2_X_PAIR: usize = ${fp2Data(f2(PSI2_X, PSI2_X))};
export const PSI2_Y_PAIR: usize = ${fp2Data(f2(PSI2_Y, PSI2_Y))};

/**
 * a^((p − 3)/4) by a sliding window of width ${best.w} (${best.cost} multiplications and squarings): a table of the
 * odd powers a, a^3, …, a^${(1 << best.w) - 1}; then for each step k, SQRT_EXP_SQUARINGS[k] squarings and one
 * multiplication by table entry SQRT_EXP_DIGITS[k] (entry i holds a^(2i + 1)); the first step only
 * loads its entry; SQRT_EXP_TAIL squarings end it.
 */
export const SQRT_EXP_TABLE: i32 = ${1 << (best.w - 1)};
export const SQRT_EXP_STEPS: i32 = ${best.steps.length};
export const SQRT_EXP_TAIL: i32 = ${best.tail};
export const SQRT_EXP_SQUARINGS: usize = memory.data<u8>(${arr(best.steps.map(([q]) => q))});
export const SQRT_EXP_DIGITS: usize = memory.data<u8>(${arr(best.steps.map(([, d]) => d))});
`;

// SHA-256 compression, all 64 rounds written out; the working variables are renamed instead of moved
function rounds() {
  const v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  let s = header('SHA-256 compression (FIPS 180-4 §6.2.2), unrolled (see sha256.ts).') + `
/**
 * Runs the SHA-256 compression function over \`blocks\` consecutive 64-byte blocks at \`data\`, updating
 * the eight-word state at \`state\` (native-endian u32 words H0..H7). The state lives in locals for the
 * whole run; the message schedule is a ring of 16 locals; the round constants are inline.
 */
export function sha256Blocks(state: usize, data: usize, blocks: i32): void {
${v.map((x, i) => `  let ${x} = load<u32>(state, ${4 * i});`).join('\n')}
  let t1: u32, t2: u32;
${Array.from({ length: 16 }, (_, i) => `  let w${i}: u32;`).join('\n')}
  for (let n = 0; n < blocks; n++) {
    const block = data + (<usize>n << 6);
${v.map((x) => `    const ${x}0 = ${x};`).join('\n')}
`;
  let r = [...v];
  for (let i = 0; i < 64; i++) {
    const [a, b, c, d, e, f, g, h] = r;
    const w = `w${i % 16}`;
    if (i < 16) s += `    ${w} = bswap<u32>(load<u32>(block, ${4 * i}));\n`;
    else {
      const w15 = `w${(i - 15) % 16}`, w2 = `w${(i - 2) % 16}`, w7 = `w${(i - 7) % 16}`;
      s += `    ${w} += (rotr<u32>(${w15}, 7) ^ rotr<u32>(${w15}, 18) ^ (${w15} >>> 3)) + ${w7} + (rotr<u32>(${w2}, 17) ^ rotr<u32>(${w2}, 19) ^ (${w2} >>> 10));\n`;
    }
    s += `    t1 = ${h} + (rotr<u32>(${e}, 6) ^ rotr<u32>(${e}, 11) ^ rotr<u32>(${e}, 25)) + (${g} ^ (${e} & (${f} ^ ${g}))) + ${lit(SHA_K[i])} + ${w};\n`;
    s += `    t2 = (rotr<u32>(${a}, 2) ^ rotr<u32>(${a}, 13) ^ rotr<u32>(${a}, 22)) + ((${a} & ${b}) | (${c} & (${a} | ${b})));\n`;
    s += `    ${d} += t1;\n    ${h} = t1 + t2;\n`;
    r = [h, a, b, c, d, e, f, g];
  }
  // after 64 rounds the names have rotated a whole number of times (64 = 8·8): r equals v again
  if (r.join() !== v.join()) throw new Error('rotation');
  s += `${v.map((x) => `    ${x} += ${x}0;`).join('\n')}
  }
${v.map((x, i) => `  store<u32>(state, ${x}, ${4 * i});`).join('\n')}
}
`;
  return s;
}

const dir = new URL('./', import.meta.url);
const outputs = { 'constants.ts': constants, 'sha256-rounds.ts': rounds() };
if (process.argv.includes('--check')) {
  const stale = Object.entries(outputs).filter(([name, text]) => {
    try { return readFileSync(new URL(name, dir), 'utf8') !== text; } catch { return true; }
  });
  for (const [name] of stale) console.error(`assembly/hash/${name} differs from what generate.mjs writes; run node assembly/hash/generate.mjs`);
  process.exit(stale.length === 0 ? 0 : 1);
}
for (const [name, text] of Object.entries(outputs)) writeFileSync(new URL(name, dir), text);
console.log(`wrote constants.ts and sha256-rounds.ts; sqrt exponent window ${best.w}, ${best.cost} operations`);
