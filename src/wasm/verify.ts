/**
 * BLS signature verification in the WebAssembly core, no native code (assembly/verify/): what a
 * rollup's derivation, bridge, wallet or explorer runs to check the sequencer's signature where a
 * native addon cannot load. Ethereum's BLS (public keys in G1, signatures in G2, hash_to_curve
 * BLS12381G2_XMD:SHA-256_SSWU_RO_ with the proof-of-possession DST), bytes in, answer out:
 *
 * - `verifyWasm(publicKey, message, signature)` → boolean: KeyValidate, hash, one 2-pair check.
 * - `verifyBatchWasm(sets)` → boolean: every set valid (random linear combination, one final
 *   exponentiation for the batch; randomness from `crypto.getRandomValues`).
 * - `verifySameKeyWasm(publicKey, messages, signatures, randomness)` → `{ ok: true }` or
 *   `{ ok: false, invalid }` with the indices of the invalid signatures: one key (the sequencer's),
 *   many messages; two MSMs and one 2-pair check for the whole batch, bisection when it fails.
 *   `randomness` is 32 bytes from a CSPRNG, chosen after the signatures are known (see
 *   assembly/verify/verify.ts for why 64-bit scalars suffice).
 *
 * Keys are 48-byte compressed or 96-byte uncompressed encodings, signatures 96 or 192 bytes (the
 * ZCash/blst format). A key or signature that does not decode, is not in its subgroup, or (a key)
 * is the point at infinity makes `verifyWasm` false, `verifyBatchWasm` false and, in a same-key
 * batch, that signature invalid; a same-key batch whose key is invalid throws, since the key is the
 * caller's trust anchor. Inputs of the wrong type or length throw a TypeError / RangeError.
 * Batches larger than one core call (1,024 sets, 1 MiB of messages) are cut into calls.
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, assertBytes, describe } from '../bytes/index.js';

const KEY_SLOT = 96;
const SIGNATURE_SLOT = 192;
const KEY_LENGTHS = [48, 96];
const SIGNATURE_LENGTHS = [96, 192];

/** Why a public key was refused (statuses of assembly/bls/encoding.ts). */
const KEY_STATUS: Record<number, string> = {
  [-1]: 'has invalid flag bits',
  [-2]: 'has a coordinate that is not a canonical field element (not below p)',
  [-3]: 'is not a point on the curve',
  [-9]: 'is not in the prime-order subgroup G1',
  [-10]: 'is the point at infinity (not a valid public key)',
  [-11]: 'has a length other than 48 or 96 bytes',
};

export interface SignatureSet {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

export type SameKeyResult = { ok: true } | { ok: false; invalid: number[] };

export function verifyApi(core: WasmCore) {
  const f = (name: string) => coreFunction(core, name);
  const maxSets = f('verifyMaxSets')();
  const maxMessageBytes = f('verifyMaxMessageBytes')();
  const keys = f('verifyKeysOffset')();
  const keyLengths = f('verifyKeyLengthsOffset')();
  const signatures = f('verifySignaturesOffset')();
  const signatureLengths = f('verifySignatureLengthsOffset')();
  const messages = f('verifyMessagesOffset')();
  const messageOffsets = f('verifyMessageOffsetsOffset')();
  const seedOffset = f('verifySeedOffset')();
  const invalidOffset = f('verifyInvalidOffset')();
  const blsVerify = f('blsVerify');
  const blsVerifyBatch = f('blsVerifyBatch');
  const blsVerifySameKey = f('blsVerifySameKey');
  const blsVerifySameKeyInG2 = f('blsVerifySameKeyInG2');

  function checkEncoding(name: string, value: unknown, lengths: number[], what: string): asserts value is Uint8Array {
    assertBytes(name, value);
    if (!lengths.includes(value.length)) {
      throw new RangeError(`${name}: expected a ${what} of ${lengths.join(' or ')} bytes, got ${value.length}`);
    }
  }

  function checkMessage(name: string, value: unknown): asserts value is Uint8Array {
    assertBytes(name, value);
    if (value.length > maxMessageBytes) {
      throw new RangeError(`${name}: expected at most ${maxMessageBytes} bytes, got ${value.length}`);
    }
  }

  /** Cuts [0, n) into runs that fit one core call: ≤ maxSets sets and ≤ maxMessageBytes message bytes. */
  function chunks(messageList: readonly Uint8Array[]): Array<[number, number]> {
    const runs: Array<[number, number]> = [];
    let start = 0;
    let bytes = 0;
    messageList.forEach((message, i) => {
      if (i - start === maxSets || bytes + message.length > maxMessageBytes) {
        runs.push([start, i]);
        start = i;
        bytes = 0;
      }
      bytes += message.length;
    });
    if (start < messageList.length) runs.push([start, messageList.length]);
    return runs;
  }

  /** Writes sets [start, end) of the batch into the core's regions. */
  function writeSets(start: number, end: number, messageList: readonly Uint8Array[], signatureList: readonly Uint8Array[], keyList?: readonly Uint8Array[]): void {
    const memory = core.bytes();
    const view = new DataView(core.memory.buffer);
    let at = 0;
    for (let i = start; i < end; i++) {
      const slot = i - start;
      const signature = signatureList[i]!;
      memory.set(signature, signatures + slot * SIGNATURE_SLOT);
      view.setUint32(signatureLengths + 4 * slot, signature.length, true);
      if (keyList !== undefined) {
        const key = keyList[i]!;
        memory.set(key, keys + slot * KEY_SLOT);
        view.setUint32(keyLengths + 4 * slot, key.length, true);
      }
      view.setUint32(messageOffsets + 4 * slot, at, true);
      memory.set(messageList[i]!, messages + at);
      at += messageList[i]!.length;
    }
    view.setUint32(messageOffsets + 4 * (end - start), at, true);
  }

  function writeSeed(randomness: Uint8Array): void {
    core.bytes().set(randomness, seedOffset);
  }

  function sameKey(
    name: string, entry: (count: number, keyLength: number, firstIndex: number) => number,
    publicKey: Uint8Array, messageList: readonly Uint8Array[], signatureList: readonly Uint8Array[], randomness: Uint8Array,
  ): SameKeyResult {
    checkEncoding(`${name}: publicKey`, publicKey, KEY_LENGTHS, 'G1 public key');
    assertArray(`${name}: messages`, messageList, { of: 'messages' });
    assertArray(`${name}: signatures`, signatureList, { of: 'signatures' });
    assertBytes(`${name}: randomness`, randomness, 32);
    if (messageList.length !== signatureList.length) {
      throw new RangeError(`${name}: expected one signature per message, got ${messageList.length} messages and ${signatureList.length} signatures`);
    }
    messageList.forEach((m, i) => checkMessage(`${name}: message ${i}`, m));
    signatureList.forEach((s, i) => checkEncoding(`${name}: signature ${i}`, s, SIGNATURE_LENGTHS, 'G2 signature'));
    const invalid: number[] = [];
    for (const [start, end] of chunks(messageList)) {
      core.bytes().set(publicKey, keys);
      writeSets(start, end, messageList, signatureList);
      writeSeed(randomness);
      const found = entry(end - start, publicKey.length, start);
      if (found < 0) {
        throw new Error(`${name}: publicKey ${KEY_STATUS[found] ?? `is invalid (status ${found})`}`);
      }
      const view = new DataView(core.memory.buffer);
      for (let k = 0; k < found; k++) invalid.push(start + view.getUint32(invalidOffset + 4 * k, true));
    }
    return invalid.length === 0 ? { ok: true } : { ok: false, invalid };
  }

  return {
    /** Ethereum's BLS Verify(publicKey, message, signature). */
    verifyWasm(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      checkEncoding('verifyWasm: publicKey', publicKey, KEY_LENGTHS, 'G1 public key');
      checkMessage('verifyWasm: message', message);
      checkEncoding('verifyWasm: signature', signature, SIGNATURE_LENGTHS, 'G2 signature');
      const memory = core.bytes();
      memory.set(publicKey, keys);
      memory.set(signature, signatures);
      memory.set(message, messages);
      return blsVerify(publicKey.length, message.length, signature.length) === 1;
    },

    /** Whether every (publicKey, message, signature) set is valid; `[]` is (vacuously) true. */
    verifyBatchWasm(sets: readonly SignatureSet[]): boolean {
      assertArray('verifyBatchWasm', sets, { of: 'signature sets' });
      sets.forEach((set, i) => {
        if (typeof set !== 'object' || set === null) throw new TypeError(`verifyBatchWasm: set ${i}: expected an object, got ${describe(set)}`);
        checkEncoding(`verifyBatchWasm: set ${i}: publicKey`, set.publicKey, KEY_LENGTHS, 'G1 public key');
        checkMessage(`verifyBatchWasm: set ${i}: message`, set.message);
        checkEncoding(`verifyBatchWasm: set ${i}: signature`, set.signature, SIGNATURE_LENGTHS, 'G2 signature');
      });
      const messageList = sets.map((s) => s.message);
      const signatureList = sets.map((s) => s.signature);
      const keyList = sets.map((s) => s.publicKey);
      const randomness = globalThis.crypto.getRandomValues(new Uint8Array(32));
      for (const [start, end] of chunks(messageList)) {
        writeSets(start, end, messageList, signatureList, keyList);
        writeSeed(randomness);
        if (blsVerifyBatch(end - start, start) !== 1) return false;
      }
      return true;
    },

    /**
     * Signatures of one public key over many messages: `{ ok: true }` when all are valid, else the
     * indices of the invalid ones. Throws when the public key itself is invalid.
     */
    verifySameKeyWasm(publicKey: Uint8Array, messageList: readonly Uint8Array[], signatureList: readonly Uint8Array[], randomness: Uint8Array): SameKeyResult {
      return sameKey('verifySameKeyWasm', blsVerifySameKey, publicKey, messageList, signatureList, randomness);
    },

    /**
     * `verifySameKeyWasm` for signatures the caller has already checked to be in G2 (src/verifier's
     * native backend: blst decodes and subgroup-checks them in a third of the core's time): they are
     * only decoded onto the curve here. Not part of `dst-sequencer/wasm`'s exports: passing a point
     * outside G2 voids the batch's soundness.
     */
    verifySameKeyInG2Wasm(publicKey: Uint8Array, messageList: readonly Uint8Array[], signatureList: readonly Uint8Array[], randomness: Uint8Array): SameKeyResult {
      return sameKey('verifySameKeyInG2Wasm', blsVerifySameKeyInG2, publicKey, messageList, signatureList, randomness);
    },
  };

}

export const { verifyWasm, verifyBatchWasm, verifySameKeyWasm, verifySameKeyInG2Wasm } = releaseApi(verifyApi);
