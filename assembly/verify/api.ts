/**
 * The exported surface of the signature checks (verify.ts), in the memory contract of
 * src/wasm/core.ts: fixed regions whose offsets are exported; the wrapper (src/wasm/verify.ts)
 * writes a batch into them and makes one call.
 *
 * Regions (VERIFY_MAX_SETS sets per call):
 * - KEYS: slots of 96 bytes (a 48-byte compressed or 96-byte uncompressed G1 key), KEY_LENGTHS u32 each;
 * - SIGNATURES: slots of 192 bytes (96 compressed or 192 uncompressed G2), SIGNATURE_LENGTHS u32 each;
 * - MESSAGES: the messages back to back, MESSAGE_OFFSETS u32 × (count + 1) delimiting them;
 * - SEED: 32 random bytes for the batch scalars; INVALID: u32 indices written by the same-key batch.
 */
import { COUNT_OUT_OF_RANGE } from '../bls/encoding';
import { G1_ENCODED_BYTES } from '../bls/g1';
import { G2_ENCODED_BYTES } from '../bls/g2';
import { VERIFY_MAX_SETS, verifyBatchUnsafe, verifySameKeyUnsafe, verifyUnsafe } from './verify';

/** Most message bytes one call takes. */
const VERIFY_MAX_MESSAGE_BYTES: i32 = 1 << 20;

const KEYS: usize = memory.data(VERIFY_MAX_SETS * G1_ENCODED_BYTES, 16);
const KEY_LENGTHS: usize = memory.data(VERIFY_MAX_SETS * 4, 16);
const SIGNATURES: usize = memory.data(VERIFY_MAX_SETS * G2_ENCODED_BYTES, 16);
const SIGNATURE_LENGTHS: usize = memory.data(VERIFY_MAX_SETS * 4, 16);
const MESSAGES: usize = memory.data(VERIFY_MAX_MESSAGE_BYTES, 16);
const MESSAGE_OFFSETS: usize = memory.data((VERIFY_MAX_SETS + 1) * 4, 16);
const SEED: usize = memory.data(32, 16);
const INVALID: usize = memory.data(VERIFY_MAX_SETS * 4, 16);

export function verifyMaxSets(): i32 { return VERIFY_MAX_SETS; }
export function verifyMaxMessageBytes(): i32 { return VERIFY_MAX_MESSAGE_BYTES; }
export function verifyKeysOffset(): usize { return KEYS; }
export function verifyKeyLengthsOffset(): usize { return KEY_LENGTHS; }
export function verifySignaturesOffset(): usize { return SIGNATURES; }
export function verifySignatureLengthsOffset(): usize { return SIGNATURE_LENGTHS; }
export function verifyMessagesOffset(): usize { return MESSAGES; }
export function verifyMessageOffsetsOffset(): usize { return MESSAGE_OFFSETS; }
export function verifySeedOffset(): usize { return SEED; }
export function verifyInvalidOffset(): usize { return INVALID; }

/** Verify(KEYS slot 0, MESSAGES[0 .. messageLength), SIGNATURES slot 0): 1 valid, 0 not. */
export function blsVerify(keyLength: i32, messageLength: i32, signatureLength: i32): i32 {
  return verifyUnsafe(KEYS, keyLength, MESSAGES, messageLength, SIGNATURES, signatureLength);
}

/** Every one of `count` sets valid: 1, else 0 (COUNT_OUT_OF_RANGE for a bad count). `firstIndex`: the position of set 0 in the whole batch (scalar derivation). */
export function blsVerifyBatch(count: i32, firstIndex: i32): i32 {
  if (count < 1 || count > VERIFY_MAX_SETS) return COUNT_OUT_OF_RANGE;
  return verifyBatchUnsafe(
    count, KEYS, G1_ENCODED_BYTES, KEY_LENGTHS, MESSAGES, MESSAGE_OFFSETS,
    SIGNATURES, G2_ENCODED_BYTES, SIGNATURE_LENGTHS, SEED, firstIndex,
  );
}

/**
 * `count` signatures by the key in KEYS slot 0: the number of invalid ones (their indices in
 * INVALID), or a negative status of ../bls/encoding.ts when the key is not a valid public key.
 */
export function blsVerifySameKey(count: i32, keyLength: i32, firstIndex: i32): i32 {
  return sameKey(count, keyLength, firstIndex, false);
}

/**
 * blsVerifySameKey for signatures the caller has already checked to be in G2 (verify.ts
 * `verifySameKeyUnsafe`, `signaturesInG2`): they are only decoded onto the curve here.
 */
export function blsVerifySameKeyInG2(count: i32, keyLength: i32, firstIndex: i32): i32 {
  return sameKey(count, keyLength, firstIndex, true);
}

function sameKey(count: i32, keyLength: i32, firstIndex: i32, signaturesInG2: bool): i32 {
  if (count < 1 || count > VERIFY_MAX_SETS) return COUNT_OUT_OF_RANGE;
  return verifySameKeyUnsafe(
    KEYS, keyLength, count, MESSAGES, MESSAGE_OFFSETS, SIGNATURES, G2_ENCODED_BYTES, SIGNATURE_LENGTHS,
    SEED, firstIndex, INVALID, signaturesInG2,
  );
}
