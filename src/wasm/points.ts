/**
 * BLS12-381 point validation, decompression and compression over the WebAssembly core
 * (assembly/points.ts, assembly/bls/decode.ts): square roots for decompression, subgroup tests by
 * the endomorphisms (Scott, eprint 2021/1130: φ(P) = [−x^2]P on G1, ψ(Q) = [x]Q on G2).
 * `pointsApi(core)` binds the functions to one build; the top-level exports use the release build.
 *
 * Encodings are the ZCash/blst format of @chainsafe/blst and the Ethereum consensus specs: G1 48 bytes
 * compressed / 96 uncompressed, G2 96 / 192 (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0), big-endian, flags in the top
 * three bits of byte 0 (0x80 compressed, 0x40 infinity, 0x20 sort: y is the larger root).
 *
 * - `validatePublicKey(bytes)` (48 or 96 bytes) → the 96-byte uncompressed key: Ethereum KeyValidate
 *   (flags, canonical x and y, on the curve, in G1, not the point at infinity).
 * - `validateSignature(bytes)` (96 or 192 bytes) → the 192-byte uncompressed signature: the same
 *   checks over G2, the point at infinity allowed (it is a point of G2; verification rejects it later).
 * - `decompressG1(bytes48)` → 96 bytes, `decompressG2(bytes96)` → 192 bytes: the same checks as
 *   validation (subgroup included), infinity allowed.
 * - `compressG1(bytes96)` → 48 bytes, `compressG2(bytes192)` → 96 bytes: flags, canonical coordinates
 *   and the curve equation are checked, the subgroup is not (a change of format).
 * - Batch forms (`validatePublicKeys`, `validateSignatures`, `decompressG1Batch`, …) take arrays and
 *   cross the boundary in chunks of up to `POINTS_MAX_COUNT` (1,024) encodings per call.
 * Every function throws an Error saying what was expected and what came. Variable-time: inputs are
 * public.
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, describe } from '../bytes/index.js';

const G1_COMPRESSED = 48;
const G1_UNCOMPRESSED = 96;
const G2_COMPRESSED = 96;
const G2_UNCOMPRESSED = 192;

/** Status codes of assembly/bls/encoding.ts that decoding returns. */
const BAD_FLAGS = -1;
const NOT_CANONICAL = -2;
const NOT_ON_CURVE = -3;
const NOT_IN_SUBGROUP = -9;
const INFINITY_NOT_ALLOWED = -10;

type Group = 'G1' | 'G2';

const hexByte = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/** Why an encoding's flags byte is wrong, for the BAD_FLAGS status. */
function flagsMessage(bytes: Uint8Array, compressedLength: number): string {
  const flags = bytes[0]!;
  const compressed = bytes.length === compressedLength;
  if (compressed && (flags & 0x80) === 0) {
    return `has ${bytes.length} bytes but no compression flag (expected flag 0x80 in the first byte, got ${hexByte(flags)})`;
  }
  if (!compressed && (flags & 0x80) !== 0) {
    return `has ${bytes.length} bytes but the compression flag 0x80 (expected an uncompressed encoding, first byte ${hexByte(flags)})`;
  }
  if ((flags & 0x40) !== 0) {
    return `has the infinity flag but is not the point at infinity (expected ${compressed ? '0xc0' : '0x40'} followed by zero bytes, got first byte ${hexByte(flags)}${bytes.subarray(1).some((b) => b !== 0) ? ' and non-zero bytes after it' : ''})`;
  }
  return `has the sort flag 0x20 on an uncompressed encoding (first byte ${hexByte(flags)})`;
}

function statusMessage(status: number, bytes: Uint8Array, group: Group): string {
  const compressedLength = group === 'G1' ? G1_COMPRESSED : G2_COMPRESSED;
  switch (status) {
    case BAD_FLAGS:
      return flagsMessage(bytes, compressedLength);
    case NOT_CANONICAL:
      return 'has a coordinate that is not a canonical field element (expected a value below p)';
    case NOT_ON_CURVE:
      return bytes.length === compressedLength
        ? 'is not on the curve (no point has this x-coordinate)'
        : 'is not on the curve';
    case NOT_IN_SUBGROUP:
      return `is on the curve but not in the prime-order subgroup ${group}`;
    case INFINITY_NOT_ALLOWED:
      return 'is the point at infinity (expected a non-identity point: KeyValidate rejects it)';
    default:
      return `failed with status ${status}`;
  }
}

/** Most encodings one core call takes (assembly/points.ts); longer arrays are split by the wrapper. */
export const POINTS_MAX_COUNT = 1024;

export function pointsApi(core: WasmCore) {
  const exports = {
    maxCount: coreFunction(core, 'pointsMaxCount'),
    inputOffset: coreFunction(core, 'pointsInputOffset'),
    outputOffset: coreFunction(core, 'pointsOutputOffset'),
    failedInput: coreFunction(core, 'pointsFailedInput'),
    validateG1: coreFunction(core, 'pointsValidateG1'),
    validateG2: coreFunction(core, 'pointsValidateG2'),
    compressG1: coreFunction(core, 'pointsCompressG1'),
    compressG2: coreFunction(core, 'pointsCompressG2'),
  };
  const maxCount = exports.maxCount();
  if (maxCount !== POINTS_MAX_COUNT) {
    throw new Error(`dst-sequencer/wasm: the ${core.variant} core takes ${maxCount} points per call, this wrapper expects ${POINTS_MAX_COUNT}; rebuild with npm run build:wasm`);
  }
  const inputOffset = exports.inputOffset();
  const outputOffset = exports.outputOffset();

  interface Operation {
    what: string;
    /** The item name in messages ("public key", "signature", "point"). */
    item: string;
    group: Group;
    lengths: readonly number[];
    outLength: number;
    /** Runs the core on `count` encodings of `length` bytes in INPUT; 0 or a negative status. */
    run: (count: number, length: number) => number;
  }

  function checkLength(op: Operation, bytes: unknown, name: string): asserts bytes is Uint8Array {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`${op.what}: ${name}: expected a Uint8Array, got ${describe(bytes)}`);
    if (!op.lengths.includes(bytes.length)) {
      const expected = op.lengths.length === 1 ? `${op.lengths[0]} bytes` : `${op.lengths[0]} (compressed) or ${op.lengths[1]} (uncompressed) bytes`;
      throw new RangeError(`${op.what}: ${name}: expected ${expected}, got ${bytes.length}`);
    }
  }

  /** Runs op over items (already length-checked), in chunks of equal length, each up to maxCount. */
  function runBatch(op: Operation, items: readonly Uint8Array[], name: (i: number) => string): Uint8Array[] {
    const results: Uint8Array[] = new Array(items.length);
    let start = 0;
    while (start < items.length) {
      const length = items[start]!.length;
      let end = start + 1;
      while (end < items.length && end - start < maxCount && items[end]!.length === length) end++;
      const memory = core.bytes();
      for (let i = start; i < end; i++) memory.set(items[i]!, inputOffset + (i - start) * length);
      const status = op.run(end - start, length);
      if (status !== 0) {
        const index = start + exports.failedInput();
        throw new Error(`${op.what}: ${name(index)} ${statusMessage(status, items[index]!, op.group)}`);
      }
      const out = core.bytes();
      for (let i = start; i < end; i++) {
        const at = outputOffset + (i - start) * op.outLength;
        results[i] = out.slice(at, at + op.outLength);
      }
      start = end;
    }
    return results;
  }

  function single(op: Operation, bytes: Uint8Array): Uint8Array {
    checkLength(op, bytes, op.item);
    return runBatch(op, [bytes], () => op.item)[0]!;
  }

  function batch(op: Operation, items: readonly Uint8Array[]): Uint8Array[] {
    assertArray(op.what, items, { of: `${op.item}s` });
    items.forEach((bytes, i) => checkLength(op, bytes, `${op.item} ${i}`));
    return runBatch(op, items, (i) => `${op.item} ${i}`);
  }

  const validateKey = (what: string): Operation => ({
    what, item: 'public key', group: 'G1', lengths: [G1_COMPRESSED, G1_UNCOMPRESSED], outLength: G1_UNCOMPRESSED,
    run: (count, length) => exports.validateG1(count, length, 0),
  });
  const validateSig = (what: string): Operation => ({
    what, item: 'signature', group: 'G2', lengths: [G2_COMPRESSED, G2_UNCOMPRESSED], outLength: G2_UNCOMPRESSED,
    run: (count, length) => exports.validateG2(count, length, 1),
  });
  const decompress = (what: string, group: Group): Operation => ({
    what, item: 'point', group, lengths: [group === 'G1' ? G1_COMPRESSED : G2_COMPRESSED],
    outLength: group === 'G1' ? G1_UNCOMPRESSED : G2_UNCOMPRESSED,
    run: (count, length) => (group === 'G1' ? exports.validateG1 : exports.validateG2)(count, length, 1),
  });
  const compress = (what: string, group: Group): Operation => ({
    what, item: 'point', group, lengths: [group === 'G1' ? G1_UNCOMPRESSED : G2_UNCOMPRESSED],
    outLength: group === 'G1' ? G1_COMPRESSED : G2_COMPRESSED,
    run: (count) => (group === 'G1' ? exports.compressG1 : exports.compressG2)(count),
  });

  const ops = {
    validatePublicKey: validateKey('validatePublicKey'),
    validatePublicKeys: validateKey('validatePublicKeys'),
    validateSignature: validateSig('validateSignature'),
    validateSignatures: validateSig('validateSignatures'),
    decompressG1: decompress('decompressG1', 'G1'),
    decompressG1Batch: decompress('decompressG1Batch', 'G1'),
    decompressG2: decompress('decompressG2', 'G2'),
    decompressG2Batch: decompress('decompressG2Batch', 'G2'),
    compressG1: compress('compressG1', 'G1'),
    compressG1Batch: compress('compressG1Batch', 'G1'),
    compressG2: compress('compressG2', 'G2'),
    compressG2Batch: compress('compressG2Batch', 'G2'),
  };

  return {
    /**
     * Ethereum KeyValidate of a public key (48 bytes compressed or 96 uncompressed): valid flags,
     * canonical coordinates, on the curve, in G1, not the point at infinity. Returns the key
     * uncompressed (96 bytes); throws an Error naming the reason otherwise.
     */
    validatePublicKey(bytes: Uint8Array): Uint8Array {
      return single(ops.validatePublicKey, bytes);
    },
    /** validatePublicKey over an array (lengths may be mixed); the error names the failing index. */
    validatePublicKeys(keys: readonly Uint8Array[]): Uint8Array[] {
      return batch(ops.validatePublicKeys, keys);
    },
    /**
     * Checks a signature (96 bytes compressed or 192 uncompressed): valid flags, canonical
     * coordinates, on the curve, in G2 (the point at infinity is accepted). Returns it uncompressed.
     */
    validateSignature(bytes: Uint8Array): Uint8Array {
      return single(ops.validateSignature, bytes);
    },
    /** validateSignature over an array (lengths may be mixed); the error names the failing index. */
    validateSignatures(signatures: readonly Uint8Array[]): Uint8Array[] {
      return batch(ops.validateSignatures, signatures);
    },
    /** 48-byte compressed G1 → 96-byte uncompressed, with every check including the subgroup. */
    decompressG1(bytes: Uint8Array): Uint8Array {
      return single(ops.decompressG1, bytes);
    },
    decompressG1Batch(points: readonly Uint8Array[]): Uint8Array[] {
      return batch(ops.decompressG1Batch, points);
    },
    /** 96-byte compressed G2 → 192-byte uncompressed, with every check including the subgroup. */
    decompressG2(bytes: Uint8Array): Uint8Array {
      return single(ops.decompressG2, bytes);
    },
    decompressG2Batch(points: readonly Uint8Array[]): Uint8Array[] {
      return batch(ops.decompressG2Batch, points);
    },
    /** 96-byte uncompressed G1 → 48-byte compressed (flags, canonical, on the curve; no subgroup check). */
    compressG1(bytes: Uint8Array): Uint8Array {
      return single(ops.compressG1, bytes);
    },
    compressG1Batch(points: readonly Uint8Array[]): Uint8Array[] {
      return batch(ops.compressG1Batch, points);
    },
    /** 192-byte uncompressed G2 → 96-byte compressed (flags, canonical, on the curve; no subgroup check). */
    compressG2(bytes: Uint8Array): Uint8Array {
      return single(ops.compressG2, bytes);
    },
    compressG2Batch(points: readonly Uint8Array[]): Uint8Array[] {
      return batch(ops.compressG2Batch, points);
    },
  };
}

export const {
  validatePublicKey, validatePublicKeys, validateSignature, validateSignatures, decompressG1, decompressG1Batch,
  decompressG2, decompressG2Batch, compressG1, compressG1Batch, compressG2, compressG2Batch,
} = releaseApi(pointsApi);


