/**
 * Feldman verifiable secret sharing over BLS12-381 (Feldman 1987, "A practical scheme for
 * non-interactive verifiable secret sharing"), the building block of the DKG (GJKR 1999, "Secure
 * Distributed Key Generation for Discrete-Log Based Cryptosystems", §3 "Joint-Feldman") and of the
 * resharing (Desmedt–Jajodia 1997, "Redistributing secret shares to new access structures and its
 * applications"; Wong–Wing–Wang 2002, "Verifiable secret redistribution for archive systems").
 *
 * A dealer draws f(x) = a₀ + a₁x + … + a_{t−1}x^{t−1} over Fr, publishes the commitments
 * Cₖ = aₖ·G1 and gives receiver j the share f(j). Receiver j accepts it iff
 *   f(j)·G1 = Σₖ jᵏ·Cₖ,
 * which holds for every j exactly when the shares lie on the committed polynomial. Commitments of
 * several dealers combine linearly: with weights wᵢ (1 for the DKG's sum, Lagrange coefficients for
 * resharing) Aₖ = Σᵢ wᵢ·C_{i,k} commits to Σᵢ wᵢ·fᵢ, whose value at j is the public share of j.
 *
 * Who computes what (docs/architecture.md §2, "Who does which hot path"): the commitments aₖ·G1 are fixed-base multiplications of SECRET
 * scalars, so they are made by native blst's constant-time `SecretKey.toPublicKey`; the WebAssembly
 * G1 MSM (`g1Msm`, variable-time, for public data only) evaluates commitments at x = j (share checks,
 * public shares) and combines them across dealers. Points from the network are decoded by blst with the
 * subgroup check before they reach the MSM; its results go back through blst's encoding (compressG1).
 */
import { randomBytes } from 'node:crypto';
import * as blst from '@chainsafe/blst';
import { bigIntToBytes, bytesToBigInt, equalBytes } from '../../bytes/index.js';
import { PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH } from '../../crypto/index.js';
import { compressG1, FR_MODULUS, g1Msm, shamirEvaluate } from '../../wasm/index.js';

/** A uniform nonzero scalar: 48 CSPRNG bytes reduced mod r (bias below 2⁻¹²⁸, as RFC 9380 §5). */
export function randomScalar(): bigint {
  for (;;) {
    const scalar = bytesToBigInt(randomBytes(48)) % FR_MODULUS;
    if (scalar !== 0n) return scalar;
  }
}

/** A dealer's secret polynomial: `threshold` coefficients, the first `constant` if given. */
export function randomPolynomial(threshold: number, constant?: bigint): bigint[] {
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError(`randomPolynomial: threshold: expected a positive integer, got ${threshold}`);
  if (constant !== undefined && (constant <= 0n || constant >= FR_MODULUS)) throw new RangeError('randomPolynomial: constant: expected a scalar in 1..r-1');
  return Array.from({ length: threshold }, (_, k) => (k === 0 && constant !== undefined ? constant : randomScalar()));
}

/** The public key of a scalar (s·G1, 48 bytes compressed), by blst's constant-time fixed-base multiplication. */
export function publicKeyOfScalar(scalar: bigint): Uint8Array {
  return blst.SecretKey.fromBytes(bigIntToBytes(scalar, SECRET_KEY_LENGTH)).toPublicKey().toBytes(true);
}

/** Feldman commitments Cₖ = aₖ·G1 of a polynomial, 48 bytes compressed each. */
export function commitPolynomial(coefficients: readonly bigint[]): Uint8Array[] {
  return coefficients.map(publicKeyOfScalar);
}

/** The shares f(1..n) of a polynomial (WebAssembly Horner evaluation). */
export function evaluateShares(coefficients: readonly bigint[], n: number): bigint[] {
  return shamirEvaluate(coefficients, n);
}

/**
 * Commitments decoded from the network: each must be a 48-byte compressed G1 point of the subgroup and
 * not the identity (blst's checks). Returns the uncompressed forms the MSM takes, or an explanation.
 */
export function decodeCommitments(commitments: readonly Uint8Array[], threshold: number): Uint8Array[] | string {
  if (commitments.length !== threshold) return `expected ${threshold} commitments (threshold ${threshold}), got ${commitments.length}`;
  const points: Uint8Array[] = [];
  for (let k = 0; k < commitments.length; k++) {
    const bytes = commitments[k]!;
    if (!(bytes instanceof Uint8Array) || bytes.length !== PUBLIC_KEY_LENGTH) return `commitment ${k} is not 48 bytes`;
    try {
      points.push(blst.PublicKey.fromBytes(bytes, true).toBytes(false));
    } catch (error) {
      return `commitment ${k} is not a valid G1 subgroup point (${(error as Error).message})`;
    }
  }
  return points;
}

/** Σₖ xᵏ·Cₖ: the commitment to f(x), 48 bytes compressed (`points` uncompressed, from `decodeCommitments`). */
export function evaluateCommitments(points: readonly Uint8Array[], x: number): Uint8Array {
  const powers: bigint[] = [];
  let power = 1n;
  for (let k = 0; k < points.length; k++) {
    powers.push(power);
    power = (power * BigInt(x)) % FR_MODULUS;
  }
  return compressG1(g1Msm(points, powers));
}

/** Whether `share` (a scalar) is f(x) for the committed f: share·G1 = Σₖ xᵏ·Cₖ. */
export function verifyShare(points: readonly Uint8Array[], x: number, share: bigint): boolean {
  if (share <= 0n || share >= FR_MODULUS) return false;
  return equalBytes(publicKeyOfScalar(share), evaluateCommitments(points, x));
}

/**
 * Whether every share of `batch` is f_D(x) for its dealer's committed f_D, checked at once (the
 * small-exponent batch test of Bellare–Garay–Rabin 1998, "Fast batch verification for modular
 * exponentiation and digital signatures", applied to Feldman's check): with independent random 128-bit
 * rᴰ, (Σᴰ rᴰ·sᴰ)·G1 = Σᴰ Σₖ rᴰ·xᵏ·C_{D,k} — one fixed-base multiplication and one MSM of all the
 * dealers' commitments instead of one of each per dealer. A batch with a wrong share passes with
 * probability at most 2⁻¹²⁸; when it fails the caller checks the shares one by one to name the dealer.
 */
export function verifySharesBatch(batch: readonly { readonly points: readonly Uint8Array[]; readonly share: bigint }[], x: number): boolean {
  if (batch.length === 0) return true;
  if (batch.some((b) => b.share <= 0n || b.share >= FR_MODULUS)) return false;
  const points: Uint8Array[] = [];
  const scalars: bigint[] = [];
  let combined = 0n;
  for (const { points: commitments, share } of batch) {
    const r = bytesToBigInt(randomBytes(16)) | 1n;
    combined = (combined + r * share) % FR_MODULUS;
    let power = r;
    for (const point of commitments) {
      points.push(point);
      scalars.push(power);
      power = (power * BigInt(x)) % FR_MODULUS;
    }
  }
  if (combined === 0n) return false; // probability 2⁻²⁵⁵ for honest shares; the one-by-one check decides
  return equalBytes(publicKeyOfScalar(combined), compressG1(g1Msm(points, scalars)));
}

/**
 * Σᵢ wᵢ·C_{i,k} for every k: the commitments of Σᵢ wᵢ·fᵢ from the dealers' decoded commitments (all of
 * one length), uncompressed, ready for `evaluateCommitments`.
 */
export function combineCommitments(dealers: readonly (readonly Uint8Array[])[], weights: readonly bigint[]): Uint8Array[] {
  if (dealers.length === 0 || dealers.length !== weights.length) throw new RangeError(`combineCommitments: expected one weight per dealer, got ${dealers.length} dealers and ${weights.length} weights`);
  const length = dealers[0]!.length;
  return Array.from({ length }, (_, k) => g1Msm(dealers.map((points) => points[k]!), weights));
}
