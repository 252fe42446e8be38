/**
 * A plain BigInt reference for the scalar field Fr of BLS12-381: the independent implementation the
 * WebAssembly Fr code is tested against, and the "plain BigInt" peer of the Lagrange benchmark.
 * Textbook formulas, no tricks: λᵢ = Π_{j≠i} xⱼ / (xⱼ − xᵢ) with one modular inversion per coefficient.
 */
export const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

export function mod(value: bigint): bigint {
  const m = value % R;
  return m < 0n ? m + R : m;
}

/** Inverse modulo r by the extended Euclidean algorithm; value must be non-zero mod r. */
export function modInverse(value: bigint): bigint {
  let [oldR, r] = [mod(value), R];
  let [oldS, s] = [1n, 0n];
  if (oldR === 0n) throw new RangeError('modInverse: zero has no inverse');
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS);
}

/** Lagrange coefficients at x = 0 for distinct non-zero indices. */
export function lagrangeAtZeroReference(indices: readonly number[]): bigint[] {
  const xs = indices.map(BigInt);
  return xs.map((xi, i) => {
    let numerator = 1n;
    let denominator = 1n;
    xs.forEach((xj, j) => {
      if (j === i) return;
      numerator = mod(numerator * xj);
      denominator = mod(denominator * (xj - xi));
    });
    return mod(numerator * modInverse(denominator));
  });
}
