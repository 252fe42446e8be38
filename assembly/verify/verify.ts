/**
 * BLS signature verification in the core, with no native code: Ethereum's `Verify` (the
 * proof-of-possession scheme of draft-irtf-cfrg-bls-signature-05 §3.3 with public keys in G1 and
 * signatures in G2, as the consensus specs use it), a batch of (key, message, signature) sets, and
 * the same-key batch a verifier of one sequencer key runs over many blocks.
 *
 * - One signature: KeyValidate(PK) (decodes, not infinity, in G1), the signature decodes onto E'(Fp2),
 *   H = hash_to_curve(m) (RFC 9380 BLS12381G2_XMD:SHA-256_SSWU_RO_ with Ethereum's DST), then one
 *   two-pair check e(−g1, σ) · e(PK, H) = 1 (one Miller loop, one final exponentiation). σ ∈ G2 is
 *   Scott's test ψ(σ) = [x]σ with [|x|]σ taken from the Miller loop, whose T for the pair (−g1, σ)
 *   runs double-and-add over |x| (millerLoopMultipleOf), instead of a separate 63-doubling
 *   multiplication; the test runs before the final exponentiation, so a σ outside G2 is refused
 *   before any pairing value is used.
 * - Sets with different keys: random linear combination (Bellare–Garay–Rabin, "Fast batch
 *   verification for modular exponentiation and digital signatures", 1998, small-exponents test):
 *   e(−g1, Σ rᵢσᵢ) · ∏ e(rᵢ·PKᵢ, H(mᵢ)) = 1 — n + 1 pairs sharing one Miller accumulator and one
 *   final exponentiation.
 * - Sets with one key: the same test collapses to e(g1, Σ rᵢσᵢ) · e(−PK, Σ rᵢH(mᵢ)) = 1 — two G2 MSMs
 *   with 64-bit scalars (short-msm.ts) and ONE two-pair check for the whole batch. H(mᵢ) =
 *   h_eff·Qᵢ, and clearing the cofactor is a homomorphism, so the MSM runs over the uncleared Qᵢ and
 *   the cofactor is cleared once on the sum: Σ rᵢH(mᵢ) = h_eff·Σ rᵢQᵢ exactly (the same point, not
 *   an approximation), which saves two thirds of every hash. When it fails,
 *   bisection over index ranges (a range passes iff its sub-sum check passes) finds the invalid
 *   signatures; a signature that does not decode or is not in G2 is invalid without a check.
 *
 * Why 64-bit rᵢ: the rᵢ are drawn after the signatures are fixed and are unknown to whoever made
 * them. For an invalid set i the check's left side is the right side times e(g1, Δᵢ)^rᵢ with
 * Δᵢ ≠ O in a group of prime order r > 2^64, so at most one value of rᵢ (given the others) makes
 * the product 1: an invalid batch passes with probability at most 2^-64. That is the figure blst
 * and Lodestar use for the same check; longer scalars would make the MSMs slower in proportion
 * without a security need (the signatures' own security is about 2^-128, but a forger gets no
 * feedback from a failed batch that would let them grind the scalars).
 * The scalars come from the caller's 32 random bytes: r for sets 4k..4k+3 is SHA-256(seed ‖ k as
 * u32 little-endian) split into four u64 little-endian words (zero replaced by one), so a batch is
 * reproducible from its seed whatever chunks the wrapper cuts it into.
 *
 * Variable-time: all inputs (keys, messages, signatures) are public.
 */
import { G1_AFFINE_BYTES, G1_JACOBIAN_BYTES, g1AddAffine, g1BatchToAffine, g1Double, g1NegateAffine, g1SetInfinity, G1_BATCH_CAPACITY } from '../bls/g1';
import { G2_AFFINE_BYTES, G2_BATCH_CAPACITY, G2_JACOBIAN_BYTES, g2BatchToAffine, g2FromAffine, g2IsInfinity } from '../bls/g2';
import { DECODE_INFINITY, DECODE_INFINITY_NOT_ALLOWED, DECODE_POINT } from '../bls/encoding';
import { g1DecodeCheckedUnsafe, g2DecodeCheckedUnsafe, g2DecodeOnCurveUnsafe, g2IsInSubgroupGivenMultipleUnsafe } from '../bls/decode';
import { g2ClearCofactorUnsafe, hashToCurveBeforeClearingUnsafe, hashToG2Unsafe } from '../hash/hash-to-g2';
import { sha256Unsafe } from '../hash/sha256';
import { FP12_BYTES, fp12IsOne, fp12Mul, fp12SetOne } from '../pairing/fp12';
import { MILLER_MAX_PAIRS, PAIR_BYTES, millerLoopMultipleOf, millerLoopUnsafe, pairingProductIsOneUnsafe } from '../pairing/miller';
import { finalExponentiationUnsafe } from '../pairing/final-exp';
import { g2MsmShortUnsafe } from './short-msm';
import { ETH_DST, ETH_DST_LENGTH, G1_GENERATOR_AFFINE, G1_GENERATOR_NEG_AFFINE, G2_GENERATOR_AFFINE } from './constants';

/** Most sets one batch call takes (the wrapper cuts larger batches). */
export const VERIFY_MAX_SETS: i32 = 1024;
/** Pairs per Miller loop call in the different-keys batch; the chunks' Miller values are multiplied. */
const MILLER_CHUNK: i32 = MILLER_MAX_PAIRS;

const PAIRS: usize = memory.data(MILLER_CHUNK * PAIR_BYTES, 16);
const PUBLIC_KEY: usize = memory.data(G1_AFFINE_BYTES, 16);
const SIGNATURE: usize = memory.data(G2_AFFINE_BYTES, 16);
const HASH_JACOBIAN: usize = memory.data(VERIFY_MAX_SETS * G2_JACOBIAN_BYTES, 16);
const HASH_AFFINE: usize = memory.data(VERIFY_MAX_SETS * G2_AFFINE_BYTES, 16);
const SIGNATURES_AFFINE: usize = memory.data(VERIFY_MAX_SETS * G2_AFFINE_BYTES, 16);
const KEYS_JACOBIAN: usize = memory.data(VERIFY_MAX_SETS * G1_JACOBIAN_BYTES, 16);
const KEYS_AFFINE: usize = memory.data(VERIFY_MAX_SETS * G1_AFFINE_BYTES, 16);
const SCALARS: usize = memory.data(VERIFY_MAX_SETS * 8, 16);
/** 1 for a set found invalid by the same-key batch. */
const INVALID_FLAGS: usize = memory.data(VERIFY_MAX_SETS, 16);
const SUM_JACOBIAN: usize = memory.data(2 * G2_JACOBIAN_BYTES, 16);
const MILLER: usize = memory.data(FP12_BYTES, 16);
const MILLER_PRODUCT: usize = memory.data(FP12_BYTES, 16);
const SEED_BLOCK: usize = memory.data(36, 16);
const DIGEST: usize = memory.data(32, 16);

function pair(index: i32): usize {
  return PAIRS + <usize>index * <usize>PAIR_BYTES;
}

/** Writes one pairing input (a G1 affine and a G2 affine point) at pair slot `index`. */
function setPair(index: i32, g1Affine: usize, g2Affine: usize): void {
  memory.copy(pair(index), g1Affine, G1_AFFINE_BYTES);
  memory.copy(pair(index) + <usize>G1_AFFINE_BYTES, g2Affine, G2_AFFINE_BYTES);
}

/** H(message) as an affine point at `affine`; false in the (negligible) case H(m) = O. */
function hashToAffine(affine: usize, jacobian: usize, message: usize, length: i32): bool {
  hashToG2Unsafe(jacobian, message, length, ETH_DST, ETH_DST_LENGTH);
  if (g2IsInfinity(jacobian)) return false;
  g2BatchToAffine(affine, jacobian, 1);
  return true;
}

/**
 * Ethereum's Verify(PK, message, signature): 1 valid, 0 not (including keys and signatures that do
 * not decode, the infinity key, points outside the subgroups, and the infinity signature, which no
 * valid key signs to). Encodings are compressed or uncompressed by their length.
 */
export function verifyUnsafe(publicKey: usize, publicKeyLength: i32, message: usize, messageLength: i32, signature: usize, signatureLength: i32): i32 {
  if (g1DecodeCheckedUnsafe(PUBLIC_KEY, publicKey, publicKeyLength) != DECODE_POINT) return 0;
  // on the curve; σ ∈ G2 is checked below from the Miller loop's [|x|]σ
  if (g2DecodeOnCurveUnsafe(SIGNATURE, signature, signatureLength) != DECODE_POINT) return 0;
  if (!hashToAffine(HASH_AFFINE, HASH_JACOBIAN, message, messageLength)) return 0;
  setPair(0, G1_GENERATOR_NEG_AFFINE, SIGNATURE);
  setPair(1, PUBLIC_KEY, HASH_AFFINE);
  millerLoopUnsafe(MILLER, PAIRS, 2);
  if (!g2IsInSubgroupGivenMultipleUnsafe(SIGNATURE, millerLoopMultipleOf(0))) return 0;
  finalExponentiationUnsafe(MILLER, MILLER);
  return fp12IsOne(MILLER) ? 1 : 0;
}

/** SCALARS[0..count) for sets firstIndex.. of a batch seeded by `seed` (32 bytes); see the docblock. */
function deriveScalars(seed: usize, firstIndex: i32, count: i32): void {
  memory.copy(SEED_BLOCK, seed, 32);
  let block = -1;
  for (let i = 0; i < count; i++) {
    const global = firstIndex + i;
    if (global >> 2 != block) {
      block = global >> 2;
      store<u32>(SEED_BLOCK + 32, <u32>block);
      sha256Unsafe(DIGEST, SEED_BLOCK, 36);
    }
    let r = load<u64>(DIGEST + (<usize>(global & 3) << 3));
    if (r == 0) r = 1;
    store<u64>(SCALARS + (<usize>i << 3), r);
  }
}

/** Converts `count` Jacobian G2 points to affine in chunks of the batch converter's capacity. */
function g2ToAffine(affine: usize, jacobian: usize, count: i32): void {
  for (let start = 0; start < count; start += G2_BATCH_CAPACITY) {
    const n = min(G2_BATCH_CAPACITY, count - start);
    g2BatchToAffine(affine + <usize>start * <usize>G2_AFFINE_BYTES, jacobian + <usize>start * <usize>G2_JACOBIAN_BYTES, n);
  }
}

// ---------------------------------------------------------------------------------------------
// Same key

/** The same-key check over sets [lo, hi): e(g1, Σ rᵢσᵢ) · e(−PK, Σ rᵢH(mᵢ)) = 1 (PUBLIC_KEY holds −PK). */
function sameKeyRangeHolds(lo: i32, hi: i32): bool {
  const sigmaSum = SUM_JACOBIAN;
  const hashSum = SUM_JACOBIAN + <usize>G2_JACOBIAN_BYTES;
  const scalars = SCALARS + (<usize>lo << 3);
  g2MsmShortUnsafe(sigmaSum, SIGNATURES_AFFINE + <usize>lo * <usize>G2_AFFINE_BYTES, scalars, hi - lo);
  g2MsmShortUnsafe(hashSum, HASH_AFFINE + <usize>lo * <usize>G2_AFFINE_BYTES, scalars, hi - lo);
  g2ClearCofactorUnsafe(hashSum, hashSum); // the Qᵢ are hashes before clear_cofactor
  const sigmaZero = g2IsInfinity(sigmaSum);
  const hashZero = g2IsInfinity(hashSum);
  // e(g1, O) = e(−PK, O) = 1, and e(g1, S) ≠ 1 for S ≠ O (non-degeneracy)
  if (sigmaZero || hashZero) return sigmaZero && hashZero;
  g2BatchToAffine(pair(0) + <usize>G1_AFFINE_BYTES, sigmaSum, 1);
  memory.copy(pair(0), G1_GENERATOR_AFFINE, G1_AFFINE_BYTES);
  g2BatchToAffine(pair(1) + <usize>G1_AFFINE_BYTES, hashSum, 1);
  memory.copy(pair(1), PUBLIC_KEY, G1_AFFINE_BYTES);
  return pairingProductIsOneUnsafe(PAIRS, 2);
}

/** Marks the invalid sets of [lo, hi) by bisection; `knownBad`: the range is known to fail. */
function bisect(lo: i32, hi: i32, knownBad: bool): void {
  if (!knownBad && sameKeyRangeHolds(lo, hi)) return;
  if (hi - lo == 1) {
    store<u8>(INVALID_FLAGS + <usize>lo, 1);
    return;
  }
  const mid = (lo + hi) >> 1;
  const leftHolds = sameKeyRangeHolds(lo, mid);
  if (!leftHolds) bisect(lo, mid, true);
  // the whole range fails; if its left half holds, the fault is in the right half
  bisect(mid, hi, leftHolds);
}

/**
 * Same-key batch: `count` signatures over `count` messages by one public key. Messages are
 * MESSAGES[offsets[i] .. offsets[i+1]) (u32 offsets); signatures sit in slots of `signatureStride`
 * bytes with their lengths (u32) in signatureLengths. Writes the indices of the invalid sets, in
 * order, to `invalidOut` (u32 each) and returns how many; a negative status when the public key is
 * not a valid key (DECODE_INFINITY_NOT_ALLOWED for the infinity key).
 *
 * With `signaturesInG2` the caller vouches that every signature that decodes is in G2 (it made the
 * subgroup check itself, e.g. with native blst, which does it in a third of the time): the
 * signatures are then only decoded onto the curve here. The batch's soundness rests on that
 * promise (a point outside G2 could cancel in the sums), so only such a caller may set it.
 */
export function verifySameKeyUnsafe(
  publicKey: usize, publicKeyLength: i32, count: i32, messages: usize, offsets: usize,
  signatures: usize, signatureStride: i32, signatureLengths: usize, seed: usize, firstIndex: i32, invalidOut: usize,
  signaturesInG2: bool,
): i32 {
  const status = g1DecodeCheckedUnsafe(PUBLIC_KEY, publicKey, publicKeyLength);
  if (status == DECODE_INFINITY) return DECODE_INFINITY_NOT_ALLOWED;
  if (status != DECODE_POINT) return status;
  g1NegateAffine(PUBLIC_KEY, PUBLIC_KEY);
  deriveScalars(seed, firstIndex, count);
  memory.fill(INVALID_FLAGS, 0, count);
  for (let i = 0; i < count; i++) {
    const sig = signatures + <usize>i * <usize>signatureStride;
    const affine = SIGNATURES_AFFINE + <usize>i * <usize>G2_AFFINE_BYTES;
    const length = load<u32>(signatureLengths + (<usize>i << 2));
    const decoded = signaturesInG2 ? g2DecodeOnCurveUnsafe(affine, sig, length) : g2DecodeCheckedUnsafe(affine, sig, length);
    const start = load<u32>(offsets + (<usize>i << 2));
    const end = load<u32>(offsets + (<usize>(i + 1) << 2));
    const hash = HASH_JACOBIAN + <usize>i * <usize>G2_JACOBIAN_BYTES;
    hashToCurveBeforeClearingUnsafe(hash, messages + <usize>start, <i32>(end - start), ETH_DST, ETH_DST_LENGTH);
    if (decoded != DECODE_POINT || g2IsInfinity(hash)) {
      // invalid without a check; scalar 0 keeps it out of every range sum
      store<u8>(INVALID_FLAGS + <usize>i, 1);
      store<u64>(SCALARS + (<usize>i << 3), 0);
      // any affine point keeps the MSM input well-formed; its scalar is 0
      memory.copy(SIGNATURES_AFFINE + <usize>i * <usize>G2_AFFINE_BYTES, G2_GENERATOR_AFFINE, G2_AFFINE_BYTES);
      g2FromAffine(hash, G2_GENERATOR_AFFINE);
    }
  }
  g2ToAffine(HASH_AFFINE, HASH_JACOBIAN, count);
  bisect(0, count, false);
  let invalid = 0;
  for (let i = 0; i < count; i++) {
    if (load<u8>(INVALID_FLAGS + <usize>i) == 0) continue;
    store<u32>(invalidOut + (<usize>invalid << 2), <u32>i);
    invalid++;
  }
  return invalid;
}

// ---------------------------------------------------------------------------------------------
// Different keys

/** out (Jacobian) = k·a for an affine G1 point and a 64-bit k ≠ 0: double-and-add from the top bit. */
function g1MulShort(out: usize, a: usize, k: u64): void {
  g1SetInfinity(out);
  for (let bit = 63 - <i32>clz(k); bit >= 0; bit--) {
    g1Double(out, out);
    if (((k >> <u64>bit) & 1) != 0) g1AddAffine(out, out, a);
  }
}

/** Multiplies the Miller value of the first `count` pairs into MILLER_PRODUCT. */
function millerInto(count: i32): void {
  millerLoopUnsafe(MILLER, PAIRS, count);
  fp12Mul(MILLER_PRODUCT, MILLER_PRODUCT, MILLER);
}

/**
 * Batch of `count` sets with their own keys: 1 when every set is valid, 0 otherwise (any encoding
 * that does not decode, an infinity key, a signature outside G2 included). Keys sit in slots of
 * `keyStride` bytes with lengths (u32) in keyLengths; messages and signatures as in verifySameKeyUnsafe.
 */
export function verifyBatchUnsafe(
  count: i32, keys: usize, keyStride: i32, keyLengths: usize, messages: usize, offsets: usize,
  signatures: usize, signatureStride: i32, signatureLengths: usize, seed: usize, firstIndex: i32,
): i32 {
  deriveScalars(seed, firstIndex, count);
  for (let i = 0; i < count; i++) {
    const key = keys + <usize>i * <usize>keyStride;
    if (g1DecodeCheckedUnsafe(PUBLIC_KEY, key, load<u32>(keyLengths + (<usize>i << 2))) != DECODE_POINT) return 0;
    const sig = signatures + <usize>i * <usize>signatureStride;
    if (g2DecodeCheckedUnsafe(SIGNATURES_AFFINE + <usize>i * <usize>G2_AFFINE_BYTES, sig, load<u32>(signatureLengths + (<usize>i << 2))) != DECODE_POINT) return 0;
    const start = load<u32>(offsets + (<usize>i << 2));
    const end = load<u32>(offsets + (<usize>(i + 1) << 2));
    const hash = HASH_JACOBIAN + <usize>i * <usize>G2_JACOBIAN_BYTES;
    hashToG2Unsafe(hash, messages + <usize>start, <i32>(end - start), ETH_DST, ETH_DST_LENGTH);
    if (g2IsInfinity(hash)) return 0;
    g1MulShort(KEYS_JACOBIAN + <usize>i * <usize>G1_JACOBIAN_BYTES, PUBLIC_KEY, load<u64>(SCALARS + (<usize>i << 3)));
  }
  g2ToAffine(HASH_AFFINE, HASH_JACOBIAN, count);
  for (let start = 0; start < count; start += G1_BATCH_CAPACITY) {
    const n = min(G1_BATCH_CAPACITY, count - start);
    g1BatchToAffine(KEYS_AFFINE + <usize>start * <usize>G1_AFFINE_BYTES, KEYS_JACOBIAN + <usize>start * <usize>G1_JACOBIAN_BYTES, n);
  }
  // e(−g1, Σ rᵢσᵢ) · ∏ e(rᵢ·PKᵢ, H(mᵢ)), one Miller value per chunk of pairs, one final exponentiation
  const sigmaSum = SUM_JACOBIAN + <usize>G2_JACOBIAN_BYTES;
  g2MsmShortUnsafe(sigmaSum, SIGNATURES_AFFINE, SCALARS, count);
  fp12SetOne(MILLER_PRODUCT);
  let slots = 0;
  if (!g2IsInfinity(sigmaSum)) {
    memory.copy(pair(0), G1_GENERATOR_NEG_AFFINE, G1_AFFINE_BYTES);
    g2BatchToAffine(pair(0) + <usize>G1_AFFINE_BYTES, sigmaSum, 1);
    slots = 1;
  }
  for (let i = 0; i < count; i++) {
    setPair(slots, KEYS_AFFINE + <usize>i * <usize>G1_AFFINE_BYTES, HASH_AFFINE + <usize>i * <usize>G2_AFFINE_BYTES);
    slots++;
    if (slots == MILLER_CHUNK) {
      millerInto(slots);
      slots = 0;
    }
  }
  if (slots > 0) millerInto(slots);
  finalExponentiationUnsafe(MILLER, MILLER_PRODUCT);
  return fp12IsOne(MILLER) ? 1 : 0;
}
