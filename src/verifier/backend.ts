/**
 * The two ways `dst-sequencer/verifier` checks BLS signatures (Ethereum's ciphersuite, `BLS_SIG_BLS12381G2_XMD:
 * SHA-256_SSWU_RO_POP_`: keys in G1, signatures in G2), behind one interface:
 *
 * - `wasm`: the project's WebAssembly core (src/wasm/verify.ts) — everywhere, no native code. A range
 *   of blocks signed by the one group key is checked by the same-key batch, e(g1, Σ rᵢσᵢ) ·
 *   e(−PK, Σ rᵢH(mᵢ)) = 1 with random 64-bit rᵢ: two MSMs and one 2-pair pairing check for the whole
 *   range, bisection to name the bad ones.
 * - `native`: blst through @chainsafe/blst (Node, where the addon loads) — `verify` per block (the
 *   key decoded and checked once); for a range, blst decodes every signature with its G2 subgroup
 *   check (~130 µs, a third of the core's time for the same) and the core's same-key batch above
 *   does the rest with the decoded points (`verifySameKeyInG2Wasm`). That is ~0.55–0.7 ms of CPU per
 *   signature against ~0.9–1.0 ms for blst's own `verifyMultipleAggregateSignatures` (a Miller loop
 *   and two scalar multiplications per set), measured in one run (bench/verifier.bench.ts). The batch's
 *   one pairing check (~2.1 ms) is paid whatever its size, so a range of fewer than
 *   `NATIVE_BATCH_FROM` signatures — a follower at the head sees one block at a time — is checked by
 *   blst's `verify` per signature instead (~1.4 ms each; ~2.8 ms for one in the batch). blst's
 *   call spreads its Miller loops over its own threads, but where a range must go faster than one
 *   core, `VerifierWorkers` spread the whole check — trie roots included — over the cores.
 *
 * `auto` (the default) is native where the addon loads and wasm elsewhere: native is the faster
 * of the two on every platform blst supports (bench/verifier.bench.ts prints both). The addon is
 * imported by a computed specifier, so a browser bundle leaves it out and falls back to wasm.
 * Both backends answer the same on every input (test/verifier/backends.test.ts).
 */
import { verifySameKeyInG2Wasm, verifySameKeyWasm, verifyWasm } from '../wasm/verify.js';

export type BackendName = 'auto' | 'native' | 'wasm';

export interface SignatureBackend {
  readonly name: 'native' | 'wasm';
  /** True iff `signature` (96 bytes) is a valid signature of `message` under `publicKey` (48 bytes, already validated). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Positions (ascending) of the signatures that do not verify, all under the one `publicKey`; empty when all do. */
  invalidSameKey(publicKey: Uint8Array, messages: readonly Uint8Array[], signatures: readonly Uint8Array[]): number[];
}

/** The invalid positions of a same-key batch in the WebAssembly core, with fresh randomness. */
function invalidSameKeyInCore(batch: typeof verifySameKeyWasm, publicKey: Uint8Array, messages: readonly Uint8Array[], signatures: readonly Uint8Array[]): number[] {
  if (messages.length === 0) return [];
  const randomness = new Uint8Array(32);
  globalThis.crypto.getRandomValues(randomness);
  const result = batch(publicKey, messages, signatures, randomness);
  return result.ok ? [] : result.invalid;
}

const wasmBackend: SignatureBackend = {
  name: 'wasm',
  verify: (publicKey, message, signature) => verifyWasm(publicKey, message, signature),
  invalidSameKey: (publicKey, messages, signatures) => invalidSameKeyInCore(verifySameKeyWasm, publicKey, messages, signatures),
};

/**
 * The smallest range the native backend checks as a same-key batch; below it, blst `verify` per
 * signature is cheaper (bench/pairing.bench.ts, idle machine: verify 1.37 ms; the batch ≈ 0.64 ms a
 * signature plus one 2-pair check of 2.13 ms, so 2.8 ms for one, 3.4 ms for two, 4.0 for three).
 */
export const NATIVE_BATCH_FROM = 3;

/** Bit 6 of a compressed or uncompressed point's first byte: the point at infinity (ZCash encoding). */
const INFINITY_FLAG = 0x40;

/** The subset of @chainsafe/blst used here. */
interface Blst {
  PublicKey: { fromBytes(bytes: Uint8Array, validate?: boolean): unknown };
  Signature: { fromBytes(bytes: Uint8Array, validate?: boolean): { toBytes(compress?: boolean): Uint8Array } };
  verify(message: Uint8Array, publicKey: unknown, signature: unknown, pkValidate?: boolean, sigGroupcheck?: boolean): boolean;
}

function nativeBackend(blst: Blst): SignatureBackend {
  // The group key is the same for every block: decode (and subgroup-check) it once per key.
  let lastKey: { bytes: Uint8Array; key: unknown } | undefined;
  const decodeKey = (bytes: Uint8Array) => {
    if (lastKey?.bytes !== bytes) lastKey = { bytes, key: blst.PublicKey.fromBytes(bytes, true) };
    return lastKey.key;
  };
  // One signature: only decompressed here (on the curve); its subgroup check is blst's verify
  // (`sigGroupcheck`). The point at infinity is refused here (its flag bit): it is no signature of
  // any message under a valid key.
  const decodeSignature = (bytes: Uint8Array): unknown => {
    if (bytes.length === 0 || (bytes[0]! & INFINITY_FLAG) !== 0) return undefined;
    try {
      return blst.Signature.fromBytes(bytes, false);
    } catch {
      return undefined;
    }
  };
  // A signature of a range: decoded with its subgroup check, out as the 192-byte uncompressed point.
  const signatureInG2 = (bytes: Uint8Array): Uint8Array | undefined => {
    if (bytes.length === 0 || (bytes[0]! & INFINITY_FLAG) !== 0) return undefined;
    try {
      return blst.Signature.fromBytes(bytes, true).toBytes(false);
    } catch {
      return undefined;
    }
  };
  const verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
    const sig = decodeSignature(signature);
    return sig !== undefined && blst.verify(message, decodeKey(publicKey), sig, false, true);
  };
  // A range: blst decodes and subgroup-checks each signature, the core's same-key batch does the rest;
  // a short one is verified signature by signature (NATIVE_BATCH_FROM).
  const sameKeyInCore = (publicKey: Uint8Array, messages: readonly Uint8Array[], signatures: readonly Uint8Array[]) => {
    const invalid: number[] = [];
    if (signatures.length < NATIVE_BATCH_FROM) {
      signatures.forEach((signature, position) => {
        if (!verify(publicKey, messages[position]!, signature)) invalid.push(position);
      });
      return invalid;
    }
    const positions: number[] = [];
    const points: Uint8Array[] = [];
    const batchMessages: Uint8Array[] = [];
    signatures.forEach((signature, position) => {
      const point = signatureInG2(signature);
      if (point === undefined) invalid.push(position);
      else {
        positions.push(position);
        points.push(point);
        batchMessages.push(messages[position]!);
      }
    });
    for (const i of invalidSameKeyInCore(verifySameKeyInG2Wasm, publicKey, batchMessages, points)) invalid.push(positions[i]!);
    return invalid.sort((a, b) => a - b);
  };
  return {
    name: 'native',
    verify,
    invalidSameKey: sameKeyInCore,
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
