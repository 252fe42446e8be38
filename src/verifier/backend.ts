/**
 * The two ways `dst-sequencer/verifier` checks BLS signatures (Ethereum's ciphersuite, `BLS_SIG_BLS12381G2_XMD:
 * SHA-256_SSWU_RO_POP_`: keys in G1, signatures in G2), behind one interface:
 *
 * - `wasm`: the project's WebAssembly core (src/wasm/verify.ts) — everywhere, no native code. A range
 *   of blocks signed by the one group key is checked by the same-key batch, e(g1, Σ rᵢσᵢ) ·
 *   e(−PK, Σ rᵢH(mᵢ)) = 1 with random 64-bit rᵢ: two MSMs and one 2-pair pairing check for the whole
 *   range, bisection to name the bad ones.
 * - `native`: blst through @chainsafe/blst (Node, where the addon loads) — `verify` per block and
 *   `verifyMultipleAggregateSignatures` (random linear combination, one Miller loop per set and one
 *   final exponentiation) for a range, the key decoded and checked once. Signatures are only
 *   decompressed on the calling thread; their G2 subgroup check is blst's `sigsGroupcheck` inside the
 *   verify calls, which for a range runs on blst's native threads beside the pairings (measured:
 *   ~70 µs less calling-thread CPU per signature than checking at decoding).
 *
 * `auto` (the default) is native where the addon loads and wasm elsewhere: native blst is the faster
 * of the two on every platform it supports (bench/verifier.bench.ts prints both). The addon is
 * imported by a computed specifier, so a browser bundle leaves it out and falls back to wasm.
 * Both backends answer the same on every input (test/verifier/backends.test.ts).
 */
import { verifySameKeyWasm, verifyWasm } from '../wasm/verify.js';

export type BackendName = 'auto' | 'native' | 'wasm';

export interface SignatureBackend {
  readonly name: 'native' | 'wasm';
  /** True iff `signature` (96 bytes) is a valid signature of `message` under `publicKey` (48 bytes, already validated). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Positions (ascending) of the signatures that do not verify, all under the one `publicKey`; empty when all do. */
  invalidSameKey(publicKey: Uint8Array, messages: readonly Uint8Array[], signatures: readonly Uint8Array[]): number[];
}

const wasmBackend: SignatureBackend = {
  name: 'wasm',
  verify: (publicKey, message, signature) => verifyWasm(publicKey, message, signature),
  invalidSameKey(publicKey, messages, signatures) {
    if (messages.length === 0) return [];
    const randomness = new Uint8Array(32);
    globalThis.crypto.getRandomValues(randomness);
    const result = verifySameKeyWasm(publicKey, messages, signatures, randomness);
    return result.ok ? [] : result.invalid;
  },
};

/** Bit 6 of a compressed or uncompressed point's first byte: the point at infinity (ZCash encoding). */
const INFINITY_FLAG = 0x40;

/** The subset of @chainsafe/blst used here. */
interface Blst {
  PublicKey: { fromBytes(bytes: Uint8Array, validate?: boolean): unknown };
  Signature: { fromBytes(bytes: Uint8Array, validate?: boolean): unknown };
  verify(message: Uint8Array, publicKey: unknown, signature: unknown, pkValidate?: boolean, sigGroupcheck?: boolean): boolean;
  verifyMultipleAggregateSignatures(sets: { msg: Uint8Array; pk: unknown; sig: unknown }[], pksValidate?: boolean, sigsGroupcheck?: boolean): boolean;
}

function nativeBackend(blst: Blst): SignatureBackend {
  // The group key is the same for every block: decode (and subgroup-check) it once per key.
  let lastKey: { bytes: Uint8Array; key: unknown } | undefined;
  const decodeKey = (bytes: Uint8Array) => {
    if (lastKey?.bytes !== bytes) lastKey = { bytes, key: blst.PublicKey.fromBytes(bytes, true) };
    return lastKey.key;
  };
  // Signatures are only decompressed here (on the curve), on the calling thread; the subgroup check
  // is left to blst's verify calls (`sigGroupcheck`), which for a range run it on blst's native
  // threads with the pairings. The point at infinity is refused here (its flag bit): it is no
  // signature of any message under a valid key.
  const decodeSignature = (bytes: Uint8Array): unknown => {
    if (bytes.length === 0 || (bytes[0]! & INFINITY_FLAG) !== 0) return undefined;
    try {
      return blst.Signature.fromBytes(bytes, false);
    } catch {
      return undefined;
    }
  };
  return {
    name: 'native',
    verify(publicKey, message, signature) {
      const sig = decodeSignature(signature);
      return sig !== undefined && blst.verify(message, decodeKey(publicKey), sig, false, true);
    },
    invalidSameKey(publicKey, messages, signatures) {
      const pk = decodeKey(publicKey);
      const invalid: number[] = [];
      const sets: { position: number; msg: Uint8Array; pk: unknown; sig: unknown }[] = [];
      signatures.forEach((signature, position) => {
        const sig = decodeSignature(signature);
        if (sig === undefined) invalid.push(position);
        else sets.push({ position, msg: messages[position]!, pk, sig });
      });
      if (sets.length > 0 && !blst.verifyMultipleAggregateSignatures(sets, false, true)) {
        for (const set of sets) if (!blst.verify(set.msg, pk, set.sig, false, true)) invalid.push(set.position);
        invalid.sort((a, b) => a - b);
      }
      return invalid;
    },
  };
}

/** A bare specifier held in a variable, so bundlers do not try to pull the native addon into a browser bundle. */
const BLST_MODULE = '@chainsafe/blst';
let native: Promise<SignatureBackend | undefined> | undefined;

function loadNative(): Promise<SignatureBackend | undefined> {
  native ??= import(/* @vite-ignore */ BLST_MODULE).then(
    (module: Blst & { default?: Blst }) => nativeBackend(typeof module.verify === 'function' ? module : module.default!),
    () => undefined,
  );
  return native;
}

/** The backend for `name`: `auto` is native where the addon loads, wasm elsewhere; `native` fails where it does not load. */
export async function signatureBackend(name: BackendName = 'auto'): Promise<SignatureBackend> {
  if (name === 'wasm') return wasmBackend;
  if (name !== 'auto' && name !== 'native') throw new TypeError(`dst-sequencer/verifier: backend: expected "auto", "native" or "wasm", got ${String(name)}`);
  const backend = await loadNative();
  if (backend) return backend;
  if (name === 'native') throw new Error('dst-sequencer/verifier: the native backend needs @chainsafe/blst, which does not load here; use backend "wasm"');
  return wasmBackend;
}
