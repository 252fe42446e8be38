/**
 * Threshold BLS over BLS12-381 with Ethereum's ciphersuite (`BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`):
 * public keys in G1 (48 bytes compressed), signatures in G2 (96 bytes compressed).
 *
 * Shamir secret sharing (Shamir 1979, "How to share a secret"): the dealer draws a polynomial
 * f(x) = s + a₁x + … + a_{t−1}x^{t−1} over the scalar field Fr, with s the group secret; share i is
 * f(i) for i = 1..n. Any t shares determine f, hence s = f(0) = Σ λᵢ·f(i) with the Lagrange
 * coefficients at zero λᵢ = Π_{j≠i} j / (j − i); t − 1 shares reveal nothing about s.
 *
 * Because BLS signing is linear in the key (σ = sk·H(m)), the same λᵢ combine partial signatures
 * σᵢ = f(i)·H(m) into s·H(m), the ordinary signature of the group key, and public shares f(i)·G1
 * into the group public key (Boldyreva 2003, "Threshold signatures, multisignatures and blind
 * signatures based on the Gap-Diffie-Hellman-group signature scheme"). Indices 1..n at x = i and
 * interpolation at x = 0 are the conventions of Charon, SSV and herumi's `Signature.recover`
 * (docs/architecture.md §5), so shares and partials interoperate with them.
 *
 * Who does what (docs/architecture.md §2): native blst signs, verifies, (de)serializes points and checks
 * subgroups; the Fr polynomial work and the G1/G2 multi-scalar multiplications are in WebAssembly
 * (`../wasm`: `shamirEvaluate`, `lagrangeInterpolate`, `combineG2`, `interpolateG1`). Points reach the curve code only after blst has
 * deserialized them with subgroup checks, and its results go back through blst.
 *
 * Secret scalars (group secret, shares) are 32-byte big-endian, as blst and EIP-2335 store them.
 */
import { randomBytes } from 'node:crypto';
import * as blst from '@chainsafe/blst';
import { combineG2, FR_MAX_COUNT, FR_MODULUS, interpolateG1, lagrangeInterpolate, shamirEvaluate } from '../wasm/index.js';
import { assertArray, assertBytes, assertInteger, bigIntToBytes, bytesToBigInt, describe, hex } from '../bytes/index.js';

/** Bytes of a secret key (a scalar mod r, big-endian). */
export const SECRET_KEY_LENGTH = 32;
/** Bytes of a compressed G1 public key. */
export const PUBLIC_KEY_LENGTH = 48;
/** Bytes of a compressed G2 signature. */
export const SIGNATURE_LENGTH = 96;
/**
 * Largest number of shares, hence largest share index: the WebAssembly Fr routines take at most
 * `FR_MAX_COUNT` (4,096) elements per call; real clusters are far smaller.
 */
export const MAX_SHARES = FR_MAX_COUNT;

/** One node's key share: f(index) as a 32-byte big-endian scalar. */
export interface KeyShare {
  readonly index: number;
  readonly secretKey: Uint8Array;
}

/** The public key of one share: f(index)·G1, 48 bytes compressed. */
export interface PublicShare {
  readonly index: number;
  readonly publicKey: Uint8Array;
}

/** A signature made with one key share, 96 bytes compressed. */
export interface PartialSignature {
  readonly index: number;
  readonly signature: Uint8Array;
}

/** What a dealer hands out: n shares with threshold t, their public shares and the group key. */
export interface ThresholdKey {
  readonly threshold: number;
  readonly groupPublicKey: Uint8Array;
  readonly shares: readonly KeyShare[];
  readonly publicShares: readonly PublicShare[];
}

/**
 * Splits a group secret into `shares` key shares, any `threshold` of which can sign. The secret is
 * `secret` (32 bytes big-endian, 0 < s < r) when given — importing an existing key — or drawn from
 * the operating system's CSPRNG. The other polynomial coefficients are always fresh CSPRNG scalars.
 */
export function createThresholdKey(options: { shares: number; threshold: number; secret?: Uint8Array }): ThresholdKey {
  const { shares: n, threshold: t, secret } = options;
  assertInteger('createThresholdKey: shares', n, 1, MAX_SHARES);
  assertInteger('createThresholdKey: threshold', t, 1, n);
  let groupSecret: bigint;
  if (secret === undefined) {
    groupSecret = randomScalar();
  } else {
    assertBytes('createThresholdKey: secret', secret, SECRET_KEY_LENGTH);
    groupSecret = bytesToBigInt(secret);
    if (groupSecret === 0n || groupSecret >= FR_MODULUS) {
      throw new RangeError('createThresholdKey: secret: expected a scalar in 1..r-1 (32 bytes big-endian), got ' +
        (groupSecret === 0n ? 'zero' : 'a value ≥ r'));
    }
  }
  // A share equal to zero is not a valid BLS key; with random coefficients its probability is
  // about n/r ≈ 2⁻²⁴³, so a redraw is a formality that keeps every share usable.
  let values: bigint[];
  do {
    const coefficients = [groupSecret];
    for (let k = 1; k < t; k++) coefficients.push(randomScalar());
    values = shamirEvaluate(coefficients, n);
  } while (values.includes(0n));
  const shares = values.map((value, i) => ({ index: i + 1, secretKey: bigIntToBytes(value, SECRET_KEY_LENGTH) }));
  const publicShares = shares.map((share) => publicShareOf(share));
  const groupPublicKey = blst.SecretKey.fromBytes(bigIntToBytes(groupSecret, SECRET_KEY_LENGTH)).toPublicKey().toBytes(true);
  return { threshold: t, groupPublicKey, shares, publicShares };
}

/** The public share of a key share. */
export function publicShareOf(share: KeyShare): PublicShare {
  assertKeyShare('publicShareOf', share);
  return { index: share.index, publicKey: secretKeyOf('publicShareOf', share).toPublicKey().toBytes(true) };
}

/**
 * The group secret f(0) from at least `threshold` shares (to move a key off the cluster). Refuses
 * fewer than `threshold`: fewer shares interpolate to an unrelated value, never the secret.
 */
export function recoverSecret(shares: readonly KeyShare[], threshold: number): Uint8Array {
  assertInteger('recoverSecret: threshold', threshold, 1, MAX_SHARES);
  assertArray('recoverSecret', shares, { of: 'shares' });
  if (shares.length < threshold) {
    throw new RangeError(`recoverSecret: expected at least ${threshold} shares (the threshold), got ${shares.length}`);
  }
  shares.forEach((share, i) => assertKeyShare(`recoverSecret: shares[${i}]`, share));
  const indices = shares.map((s) => s.index);
  assertDistinctIndices('recoverSecret', indices);
  const secret = lagrangeInterpolate(indices, shares.map((s) => bytesToBigInt(s.secretKey)));
  return bigIntToBytes(secret, SECRET_KEY_LENGTH);
}

/**
 * The group public key from public shares: Lagrange interpolation at 0 in G1. Pass exactly t public
 * shares (any t of them give the same key; more than t also do, fewer give a wrong key).
 */
export function groupPublicKeyFromShares(publicShares: readonly PublicShare[]): Uint8Array {
  assertArray('groupPublicKeyFromShares', publicShares, { of: 'public shares', nonEmpty: true });
  const indices = publicShares.map((p, i) => {
    assertIndex(`groupPublicKeyFromShares: publicShares[${i}].index`, p?.index);
    return p.index;
  });
  assertDistinctIndices('groupPublicKeyFromShares', indices);
  const points = publicShares.map((p, i) => decodePublicKey(`groupPublicKeyFromShares: publicShares[${i}].publicKey`, p.publicKey).toBytes(false));
  return blst.PublicKey.fromBytes(interpolateG1(indices, points)).toBytes(true);
}

/** Signs `message` with one key share (the ordinary BLS signature under the share's key). */
export function partialSign(share: KeyShare, message: Uint8Array): PartialSignature {
  assertKeyShare('partialSign: share', share);
  assertBytes('partialSign: message', message);
  return { index: share.index, signature: secretKeyOf('partialSign', share).sign(message).toBytes(true) };
}

/**
 * Whether `partial` is a valid signature of `message` under `publicShare`. Malformed arguments throw;
 * signature bytes that are not a point of the G2 subgroup are simply invalid (false).
 */
export function verifyPartial(publicShare: PublicShare, message: Uint8Array, partial: PartialSignature): boolean {
  assertIndex('verifyPartial: publicShare.index', publicShare?.index);
  assertIndex('verifyPartial: partial.index', partial?.index);
  if (publicShare.index !== partial.index) {
    throw new RangeError(`verifyPartial: partial signature of share ${partial.index} checked against public share ${publicShare.index}`);
  }
  return verify(publicShare.publicKey, message, partial.signature);
}

/**
 * Whether `signature` (96 bytes compressed) is a valid signature of `message` under `publicKey`
 * (48 bytes compressed). A public key that is not a valid G1 subgroup point throws; a signature that
 * is not a valid G2 subgroup point is invalid (false).
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const pk = decodePublicKey('verify: publicKey', publicKey);
  assertBytes('verify: message', message);
  assertBytes('verify: signature', signature, SIGNATURE_LENGTH);
  const sig = tryDecodeSignature(signature);
  return sig !== undefined && blst.verify(message, pk, sig);
}

/**
 * Combines partial signatures into the 96-byte compressed group signature: blst deserializes each
 * partial with subgroup checks, the curve code computes Σ λᵢ·σᵢ, blst serializes. Uses every
 * partial given; the result is the group signature only if at least t of them are valid partials
 * of one message (see `optimisticCombine` for the checked path).
 */
export function combine(partials: readonly PartialSignature[]): Uint8Array {
  assertArray('combine', partials, { of: 'partial signatures', nonEmpty: true });
  const indices = partials.map((p, i) => {
    assertIndex(`combine: partials[${i}].index`, p?.index);
    return p.index;
  });
  assertDistinctIndices('combine', indices);
  const signatures = partials.map((p, i) => {
    assertBytes(`combine: partials[${i}].signature`, p.signature, SIGNATURE_LENGTH);
    const sig = tryDecodeSignature(p.signature);
    if (sig === undefined) {
      throw new RangeError(`combine: partials[${i}] (share ${p.index}): not a valid G2 subgroup point`);
    }
    return sig;
  });
  return combineDecoded(indices, signatures);
}

/** Σ λᵢ·σᵢ of already decoded, subgroup-checked signatures, serialized compressed. */
export function combineDecoded(indices: readonly number[], signatures: readonly blst.Signature[]): Uint8Array {
  return combineDecodedPoint(indices, signatures).bytes;
}

/**
 * Σ λᵢ·σᵢ of already decoded, subgroup-checked signatures: compressed, and as blst's point, so that a
 * caller verifying the result (`verifyPoint`) does not decompress it and check its subgroup again —
 * the subgroup holds by construction (a linear combination of subgroup points).
 */
export function combineDecodedPoint(indices: readonly number[], signatures: readonly blst.Signature[]): { bytes: Uint8Array; point: blst.Signature } {
  const combined = combineG2(indices, signatures.map((s) => s.toBytes(false)));
  let point: blst.Signature;
  let bytes: Uint8Array;
  try {
    // blst checks that the point is on the curve; the subgroup holds by construction (a linear
    // combination of subgroup points), so the costly subgroup check is skipped here.
    point = blst.Signature.fromBytes(combined, false);
    bytes = point.toBytes(true);
  } catch (cause) {
    throw new Error(`combine: the combined point is not a valid signature (${(cause as Error).message}); the curve code returned a bad point`, { cause });
  }
  if ((bytes[0]! & INFINITY_FLAG) !== 0) {
    throw new Error('combine: the combined point is not a valid signature: the partials cancel out to the point at infinity');
  }
  return { bytes, point };
}

/**
 * Whether `point` (a signature blst already holds, known to be in the G2 subgroup: decoded with the
 * subgroup check, or made by `combineDecodedPoint`) signs `message` under `publicKey` (48 bytes
 * compressed; one that is not a valid G1 subgroup point throws). No decoding, no subgroup check.
 */
export function verifyPoint(publicKey: Uint8Array, message: Uint8Array, point: blst.Signature): boolean {
  const pk = decodePublicKey('verify: publicKey', publicKey);
  assertBytes('verify: message', message);
  return blst.verify(message, pk, point);
}

/** Bit of the first byte of a serialized point that marks the point at infinity (ZCash format). */
const INFINITY_FLAG = 0x40;

/** A compressed signature decoded by blst with the G2 subgroup and infinity checks, or undefined. */
export function tryDecodeSignature(bytes: Uint8Array): blst.Signature | undefined {
  try {
    return blst.Signature.fromBytes(bytes, true);
  } catch {
    return undefined;
  }
}

/**
 * Public keys decoded and subgroup-checked already, by their bytes. A node checks the same few keys
 * (the group key, the public shares) for every block, so each is decoded once; the bound keeps a
 * caller that verifies under many keys from growing it without limit.
 */
const decodedPublicKeys = new Map<string, blst.PublicKey>();
const DECODED_PUBLIC_KEYS_MAX = 256;

/** A compressed public key decoded by blst with the G1 subgroup and infinity checks; throws otherwise. */
export function decodePublicKey(name: string, bytes: unknown): blst.PublicKey {
  assertBytes(name, bytes, PUBLIC_KEY_LENGTH);
  const id = hex(bytes);
  const known = decodedPublicKeys.get(id);
  if (known !== undefined) return known;
  let key: blst.PublicKey;
  try {
    key = blst.PublicKey.fromBytes(bytes, true);
  } catch (cause) {
    throw new RangeError(`${name}: not a valid G1 public key (${(cause as Error).message})`, { cause });
  }
  if (decodedPublicKeys.size >= DECODED_PUBLIC_KEYS_MAX) decodedPublicKeys.clear();
  decodedPublicKeys.set(id, key);
  return key;
}

export function assertIndex(name: string, index: unknown): asserts index is number {
  if (!Number.isSafeInteger(index) || (index as number) < 1 || (index as number) > MAX_SHARES) {
    throw new RangeError(`${name}: expected a share index, an integer in 1..${MAX_SHARES}, got ${describe(index)}`);
  }
}

export function assertDistinctIndices(name: string, indices: readonly number[]): void {
  const seen = new Set<number>();
  for (const index of indices) {
    if (seen.has(index)) throw new RangeError(`${name}: share index ${index} appears twice`);
    seen.add(index);
  }
}

function assertKeyShare(name: string, share: KeyShare): void {
  assertIndex(`${name}.index`, share?.index);
  assertBytes(`${name}.secretKey`, share.secretKey, SECRET_KEY_LENGTH);
}

function secretKeyOf(name: string, share: KeyShare): blst.SecretKey {
  try {
    return blst.SecretKey.fromBytes(share.secretKey);
  } catch (cause) {
    throw new RangeError(`${name}: share ${share.index}: secret key is not a scalar in 1..r-1`, { cause });
  }
}

/** A uniform nonzero scalar: 48 CSPRNG bytes reduced mod r (bias below 2⁻¹²⁸, as in RFC 9380 §5). */
function randomScalar(): bigint {
  for (;;) {
    const scalar = bytesToBigInt(randomBytes(48)) % FR_MODULUS;
    if (scalar !== 0n) return scalar;
  }
}

