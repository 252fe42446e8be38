/**
 * fpInv (assembly/bls/fp.ts, Pornin's optimised binary GCD in assembly/bls/inverse.ts) against BigInt
 * modular inversion, in both builds, through the core's test hook (op 7 of fpTestKernel): Montgomery
 * inputs anywhere in the lazy range [0, 4p) — zero and its multiples, ±1, values with extreme limbs,
 * short values (the approximations are exact there), values near 2^381 and pseudo-random ones — must
 * give a^-1·R (zero gives zero), with normalised limbs, also when out aliases a.
 */
import { describe, expect, it } from 'vitest';
import { coreFunction, loadWasmCore } from '../../src/wasm/core.js';

const P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const P4 = 4n * P;
const R = 1n << 390n;
const LIMBS = 13;
const MASK = (1n << 30n) - 1n;
const mod = (x: bigint) => ((x % P) + P) % P;
function inverse(x: bigint): bigint {
  let [a, b, u, v] = [mod(x), P, 1n, 0n];
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  return mod(v);
}
const limbsOf = (x: bigint) => Array.from({ length: LIMBS }, (_, j) => Number((x >> BigInt(30 * j)) & MASK));
let seed = 0x2545f4914f6cdd1dn;
const next = () => { seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n); return seed; };
const random = (bits: number) => { let x = 0n; for (let i = 0; i < 7; i++) x = (x << 64n) | next(); return (x & ((1n << BigInt(bits)) - 1n)) % P4; };
const VALUES = [
  0n, P, 2n * P, 3n * P, 1n, 2n, 3n, P - 1n, P + 1n, 2n * P - 1n, 4n * P - 1n, (1n << 30n) - 1n, 1n << 30n,
  (1n << 62n) - 1n, 1n << 62n, (1n << 381n) - 1n, P - (1n << 200n), (R - 1n) % P4, R % P, mod(R * R),
  ...Array.from({ length: 12 }, (_, k) => ((1n << BigInt(30 * (k + 1))) - 1n) % P4),
  ...Array.from({ length: 40 }, (_, k) => random(32 + 9 * k)),
  ...Array.from({ length: 400 }, () => random(448)),
];

describe.each(['release', 'debug'] as const)('fpInv (%s build)', (variant) => {
  it('matches BigInt inversion of Montgomery values in [0, 4p), with normalised limbs and aliasing', () => {
    const core = loadWasmCore(variant);
    const call = coreFunction(core, 'fpTestKernel');
    const base = coreFunction(core, 'fpTestKernelsOffset')();
    const mem = new Uint32Array(core.memory.buffer);
    const A = base, OUT = base + 256;
    const put = (ptr: number, x: bigint) => limbsOf(x).forEach((l, j) => { mem[(ptr >> 2) + j] = l; });
    const failures: string[] = [];
    const get = (ptr: number) => {
      let v = 0n;
      for (let j = LIMBS - 1; j >= 0; j--) {
        const l = mem[(ptr >> 2) + j]!;
        if (j < LIMBS - 1 && l > Number(MASK)) failures.push(`limb ${j} = ${l}`);
        v = (v << 30n) + BigInt(l);
      }
      return v;
    };
    for (const x of VALUES) {
      // x is the Montgomery form of a = x/R; want a^-1·R = R^2/x mod p
      const want = mod(x) === 0n ? 0n : mod(R * R * inverse(x));
      put(A, x); call(7, OUT, A, 0);
      const got = get(OUT);
      if (got >= P4 || mod(got) !== want) failures.push(`inverse of ${x.toString(16)}: ${got.toString(16)}`);
      put(A, x); call(7, A, A, 0);
      if (mod(get(A)) !== want) failures.push(`aliased inverse of ${x.toString(16)}`);
    }
    expect(failures).toEqual([]);
  });
});
