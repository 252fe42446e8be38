/**
 * The generated add/sub/double/conj kernels of assembly/bls/montgomery.ts on edge values, in both
 * builds, through the core's test hook (assembly/bls/kernel-test-hooks.ts): every output is checked
 * against BigInt arithmetic — value mod p, the range [0, 4p) ([0, 4p] for fp2Conj), limbs below 2^30,
 * and aliasing. The curve and pairing tests exercise these kernels only on the values their formulas
 * happen to produce; a wrong carry at a limb boundary (a limb of 0 or 2^30 − 1, a value at 4p − 1, p,
 * 4p) would show here first.
 */
import { describe, expect, it } from 'vitest';
import { coreFunction, loadWasmCore } from '../../src/wasm/core.js';

const P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const P4 = 4n * P;
const LIMBS = 13;
const MASK = (1n << 30n) - 1n;
const mod = (x: bigint) => ((x % P) + P) % P;

const limbsOf = (x: bigint) => Array.from({ length: LIMBS }, (_, j) => Number((x >> BigInt(30 * j)) & MASK));
/** Edge values: zero, p and its multiples and neighbours, the largest allowed, limbs 0 or 2^30 − 1. */
const EDGES = [
  0n, 1n, 2n, P - 1n, P, P + 1n, 2n * P - 1n, 2n * P, 3n * P, 3n * P + 1n, P4 - 2n, P4 - 1n,
  (1n << 30n) - 1n, 1n << 30n, (1n << 360n) - 1n, 1n << 360n, (1n << 381n) - 1n, P4 - (1n << 360n),
  ...Array.from({ length: 12 }, (_, k) => ((1n << BigInt(30 * (k + 1))) - 1n) % P4),
];
// deterministic pseudo-random values below 4p
let seed = 0x9e3779b97f4a7c15n;
const next = () => { seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n); return seed; };
const random = () => { let x = 0n; for (let i = 0; i < 7; i++) x = (x << 64n) | next(); return x % P4; };
const VALUES = [...EDGES, ...Array.from({ length: 12 }, random)];

describe.each(['release', 'debug'] as const)('add/sub/double/conj kernels (%s build)', (variant) => {
  it('match BigInt on edge values, stay in range with normalised limbs, and allow aliasing', () => {
    const core = loadWasmCore(variant);
    const call = coreFunction(core, 'fpTestKernel');
    const base = coreFunction(core, 'fpTestKernelsOffset')();
    const mem = new Uint32Array(core.memory.buffer);
    const A = base, B = base + 128, OUT = base + 256;
    const put = (ptr: number, x: bigint, stride = 1, lane = 0) => limbsOf(x).forEach((l, j) => { mem[(ptr >> 2) + stride * j + lane] = l; });
    const get = (ptr: number, stride = 1, lane = 0) => {
      let v = 0n;
      for (let j = LIMBS - 1; j >= 0; j--) {
        const l = mem[(ptr >> 2) + stride * j + lane]!;
        if (j < LIMBS - 1 && l > Number(MASK)) failures.push(`limb ${j} = ${l}`);
        v = (v << 30n) + BigInt(l);
      }
      return v;
    };
    const failures: string[] = [];
    const check = (got: bigint, want: bigint, max: bigint) => {
      if (got < 0n || got >= max || mod(got - want) !== 0n) failures.push(`${got.toString(16)} for ${mod(want).toString(16)}`);
    };
    const subtrahends = [...VALUES, P4]; // fp2Conj(0) is 4p, and it may be subtracted
    for (const x of VALUES) {
      for (const y of subtrahends) {
        for (const [op, f] of [[0, x + y], [1, x - y]] as const) {
          if (op === 0 && y === P4) continue;
          put(A, x); put(B, y); call(op, OUT, A, B);
          check(get(OUT), f, P4);
          put(A, x); put(B, y); call(op, A, A, B); // out aliases a
          check(get(A), f, P4);
          put(A, x); put(B, y); call(op, B, A, B); // out aliases b
          check(get(B), f, P4);
        }
        // Fp2: (x, y) op (y', x) with y' = y (or the next value), both components at once
        const y0 = y === P4 ? P4 - 1n : y;
        for (const [op, f0, f1] of [[3, x + y0, y0 + x], [4, x - y, y0 - x]] as const) {
          if (op === 3 && y === P4) continue;
          put(A, x, 2, 0); put(A, y0, 2, 1); put(B, y, 2, 0); put(B, x, 2, 1);
          call(op, OUT, A, B);
          check(get(OUT, 2, 0), f0, P4); check(get(OUT, 2, 1), f1, P4);
          call(op, A, A, B);
          check(get(A, 2, 0), f0, P4); check(get(A, 2, 1), f1, P4);
        }
      }
      put(A, x); call(2, OUT, A, 0); check(get(OUT), 2n * x, P4);
      call(2, A, A, 0); check(get(A), 2n * x, P4);
      const x1 = VALUES[(VALUES.indexOf(x) * 7 + 3) % VALUES.length]!;
      put(A, x, 2, 0); put(A, x1, 2, 1); call(5, OUT, A, 0);
      check(get(OUT, 2, 0), 2n * x, P4); check(get(OUT, 2, 1), 2n * x1, P4);
      call(6, OUT, A, 0); // exact, not reduced: 4p for 0, as documented
      if (get(OUT, 2, 0) !== x || get(OUT, 2, 1) !== P4 - x1) failures.push(`conj ${x}, ${x1}`);
      call(6, A, A, 0);
      if (get(A, 2, 0) !== x || get(A, 2, 1) !== P4 - x1) failures.push(`conj in place ${x}, ${x1}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
