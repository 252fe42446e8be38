/**
 * The BLS12-381 pairing check over the WebAssembly core (assembly/pairing/): whether
 * ∏ e(P_i, Q_i) = 1 for up to 64 pairs, with one shared Miller loop (optimal ate, projective lines)
 * and one final exponentiation — e.g. a BLS signature check e(pk, H(m))·e(−g1, σ) = 1 in one call.
 * `pairingApi(core)` binds it to one build; the top-level export uses the release build.
 *
 * Points cross the boundary in the uncompressed ZCash/blst encoding, as in ./curve.ts: G1 96 bytes
 * (x ‖ y), G2 192 bytes (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0), big-endian, infinity = 0x40 followed by zeros —
 * what `PublicKey.toBytes(false)` / `Signature.toBytes(false)` of @chainsafe/blst produce. The core
 * rejects bad flags, non-canonical coordinates and points off the curve, but it does NOT check that a
 * point lies in the prime-order subgroup: callers must pass subgroup-checked points (blst checks that
 * when it deserializes, docs/architecture.md §2; the core's own decoding with subgroup checks,
 * assembly/bls/decode.ts, is being wired in separately). A pair with a point at infinity contributes 1
 * (the pairing is bilinear) and is skipped, so a signature check built on `pairingCheck` must reject an
 * infinite public key or signature itself, as the Ethereum spec's KeyValidate does. An empty list
 * gives true (the empty product).
 *
 * - `pairingCheck(pairs)` → boolean: ∏ e(pairs[i].g1, pairs[i].g2) == 1.
 * Throws an Error saying what was expected and what came on bad input (which pair, which point).
 * Variable-time: for public data.
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, assertBytes, describe } from '../bytes/index.js';

const G1_BYTES = 96;
const G2_BYTES = 192;
const PAIR_BYTES = G1_BYTES + G2_BYTES;

/** Status codes of assembly/bls/encoding.ts that pairingCheck returns. */
const STATUS_MESSAGES: Record<number, string> = {
  [-1]: 'has invalid flag bits (expected an uncompressed encoding: top bits 0, or 0x40 and all zeros for infinity)',
  [-2]: 'has a coordinate that is not a canonical field element (not below p)',
  [-3]: 'is not on the curve',
};

export interface PairingInput {
  /** A G1 point, 96-byte uncompressed encoding. */
  g1: Uint8Array;
  /** A G2 point, 192-byte uncompressed encoding. */
  g2: Uint8Array;
}

export function pairingApi(core: WasmCore) {
  const exports = {
    maxPairs: coreFunction(core, 'pairingMaxPairs'),
    pairsOffset: coreFunction(core, 'pairingPairsOffset'),
    failedInput: coreFunction(core, 'pairingFailedInput'),
    failedGroup: coreFunction(core, 'pairingFailedGroup'),
    check: coreFunction(core, 'pairingCheck'),
  };
  const maxPairs = exports.maxPairs();
  const pairsOffset = exports.pairsOffset();

  return {
    /**
     * Whether ∏ e(P_i, Q_i) = 1 over `pairs` (at most 64; each { g1: 96 bytes, g2: 192 bytes },
     * uncompressed, points in the prime-order subgroups). Pairs with a point at infinity count as 1.
     */
    pairingCheck(pairs: readonly PairingInput[]): boolean {
      const what = 'pairingCheck';
      assertArray(what, pairs, { of: 'pairs' });
      if (pairs.length > maxPairs) {
        throw new RangeError(`${what}: expected at most ${maxPairs} pairs, got ${pairs.length}`);
      }
      const memory = core.bytes();
      pairs.forEach((pair, i) => {
        if (typeof pair !== 'object' || pair === null) {
          throw new TypeError(`${what}: pair ${i}: expected an object { g1, g2 }, got ${describe(pair)}`);
        }
        assertBytes(`${what}: pair ${i} g1`, pair.g1, G1_BYTES);
        assertBytes(`${what}: pair ${i} g2`, pair.g2, G2_BYTES);
        memory.set(pair.g1, pairsOffset + i * PAIR_BYTES);
        memory.set(pair.g2, pairsOffset + i * PAIR_BYTES + G1_BYTES);
      });
      const status = exports.check(pairs.length);
      if (status === 1) return true;
      if (status === 0) return false;
      const message = STATUS_MESSAGES[status];
      if (message === undefined) throw new Error(`${what}: the core failed with status ${status}`);
      const point = exports.failedGroup() === 1 ? 'G1' : 'G2';
      throw new Error(`${what}: pair ${exports.failedInput()} ${point} point ${message}`);
    },
  };
}

export const { pairingCheck } = releaseApi(pairingApi);
