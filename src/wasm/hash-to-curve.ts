/**
 * SHA-256 and hash-to-G2 over the WebAssembly core (assembly/hash/): RFC 9380's
 * BLS12381G2_XMD:SHA-256_SSWU_RO_ suite, the hash Ethereum's BLS signatures sign (with
 * `ETHEREUM_BLS_DST`). `hashToCurveApi(core)` binds the functions to one build; the top-level
 * exports use the release build.
 *
 * - `sha256(bytes)` → 32 bytes, any length (streamed through the core beyond its 4 MiB input region).
 * - `hashToG2(message, dst = ETHEREUM_BLS_DST)` → the 192-byte uncompressed ZCash/blst encoding of
 *   hash_to_curve(message) (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, big-endian): the same bytes as
 *   `bls12_381.G2.hashToCurve(message, { DST }).toBytes(false)` of @noble/curves.
 * - `hashToG2Batch(messages, dst?)` → one encoding per message, up to 1,024 messages and 4 MiB of
 *   them per core call (larger batches are split; a message over 4 MiB is streamed on its own).
 * - `expandMessageXmd(message, dst, lenInBytes)` → RFC 9380 §5.3.1 with SHA-256: 1..8160 output bytes
 *   of a message of up to 4 MiB (a longer one is refused).
 * - `mapToG2(u)` → clear_cofactor(map_to_curve(u)) for an Fp2 element u given as 96 bytes
 *   (c1 ‖ c0, big-endian, each below p): encode_to_curve's map, EIP-2537's MAP_FP2_TO_G2.
 *
 * DSTs: 1..255 bytes are used as they are; a longer DST is first reduced to
 * SHA-256("H2C-OVERSIZE-DST-" ‖ DST) as RFC 9380 §5.3.3 prescribes; an empty DST is refused (RFC 9380
 * §3.1: tags MUST have nonzero length). Bad input throws an Error saying what was expected.
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, assertBytes, assertInteger } from '../bytes/index.js';

/** The DST of Ethereum's BLS signatures (proof-of-possession scheme, signatures in G2). */
export const ETHEREUM_BLS_DST: Uint8Array = new TextEncoder().encode('BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_');

const DIGEST_BYTES = 32;
const G2_BYTES = 192;
const FP2_BYTES = 96;
const MAX_DST = 255;
const EXPAND_MAX_BYTES = 255 * 32;
const OVERSIZE_PREFIX = new TextEncoder().encode('H2C-OVERSIZE-DST-');

/** What the core's negative status codes mean (assembly/hash/api.ts). */
const STATUS: Record<number, string> = {
  [-1]: 'a length is negative or larger than the input region',
  [-2]: 'the batch count is negative or above the maximum',
  [-3]: 'a batch message lies outside the input region',
  [-4]: 'the DST is not 1..255 bytes',
  [-5]: 'len_in_bytes is not 1..8160',
  [-6]: 'a field element is not canonical (a coordinate is not below p)',
};

export function hashToCurveApi(core: WasmCore) {
  const fn = (name: string) => coreFunction(core, name);
  const exports = {
    sha256: fn('sha256'),
    sha256StreamStart: fn('sha256StreamStart'),
    sha256StreamAbsorb: fn('sha256StreamAbsorb'),
    sha256StreamFinish: fn('sha256StreamFinish'),
    expand: fn('expandMessageXmd'),
    hashBatch: fn('hashToG2Batch'),
    streamStart: fn('hashToG2StreamStart'),
    streamAbsorb: fn('hashToG2StreamAbsorb'),
    streamFinish: fn('hashToG2StreamFinish'),
    mapBatch: fn('mapToG2Batch'),
    failedInput: fn('hashFailedInput'),
  };
  const inputOffset = fn('hashInputOffset')();
  const inputCapacity = fn('hashInputCapacity')();
  const offsetsOffset = fn('hashBatchOffsetsOffset')();
  const lengthsOffset = fn('hashBatchLengthsOffset')();
  const maxMessages = fn('hashBatchMaxMessages')();
  const dstOffset = fn('hashDstOffset')();
  const outputOffset = fn('hashOutputOffset')();

  function check(status: number, what: string): void {
    if (status !== 0) {
      const index = status === -3 || status === -6 ? ` (input ${exports.failedInput()})` : '';
      throw new Error(`dst-sequencer/wasm ${what}: the ${core.variant} core failed (${status}: ${STATUS[status] ?? 'unknown status'}${index})`);
    }
  }

  function output(length: number): Uint8Array {
    return core.view(outputOffset, length).slice();
  }

  /** SHA-256 of `data` (already checked), streamed through INPUT when it does not fit. */
  function digest(data: Uint8Array, what: string): Uint8Array {
    const memory = core.bytes();
    if (data.length <= inputCapacity) {
      memory.set(data, inputOffset);
      check(exports.sha256(data.length), what);
    } else {
      exports.sha256StreamStart();
      let done = 0;
      for (; data.length - done > inputCapacity; done += inputCapacity) {
        memory.set(data.subarray(done, done + inputCapacity), inputOffset);
        check(exports.sha256StreamAbsorb(inputCapacity), what);
      }
      memory.set(data.subarray(done), inputOffset);
      check(exports.sha256StreamFinish(data.length - done), what);
    }
    return output(DIGEST_BYTES);
  }

  /** Checks a DST and writes it (reduced if over 255 bytes) into the DST region; returns its length. */
  function writeDst(what: string, dst: unknown): number {
    assertBytes(`${what}: dst`, dst);
    if (dst.length === 0) throw new RangeError(`${what}: dst: expected a non-empty domain separation tag, got 0 bytes`);
    const tag = dst.length <= MAX_DST ? dst : digest(concat(OVERSIZE_PREFIX, dst), what);
    core.bytes().set(tag, dstOffset);
    return tag.length;
  }

  function sha256(data: Uint8Array): Uint8Array {
    assertBytes('sha256: data', data);
    return digest(data, 'sha256');
  }

  function expandMessageXmd(message: Uint8Array, dst: Uint8Array, lenInBytes: number): Uint8Array {
    assertBytes('expandMessageXmd: message', message);
    assertInteger('expandMessageXmd: lenInBytes', lenInBytes, 1, EXPAND_MAX_BYTES);
    if (message.length > inputCapacity) {
      throw new RangeError(`expandMessageXmd: message: expected at most ${inputCapacity} bytes, got ${message.length}`);
    }
    const dstLength = writeDst('expandMessageXmd', dst);
    core.bytes().set(message, inputOffset);
    check(exports.expand(message.length, dstLength, lenInBytes), 'expandMessageXmd');
    return output(lenInBytes);
  }

  /** Hashes one message too large for INPUT by streaming it; the encoding goes to out at `at`. */
  function hashStreamed(message: Uint8Array, dstLength: number, out: Uint8Array[], at: number, what: string): void {
    const memory = core.bytes();
    exports.streamStart();
    let done = 0;
    for (; message.length - done > inputCapacity; done += inputCapacity) {
      memory.set(message.subarray(done, done + inputCapacity), inputOffset);
      check(exports.streamAbsorb(inputCapacity), what);
    }
    memory.set(message.subarray(done), inputOffset);
    check(exports.streamFinish(message.length - done, dstLength), what);
    out[at] = output(G2_BYTES);
  }

  let tables: { buffer: ArrayBufferLike; offsets: Uint32Array; lengths: Uint32Array } | undefined;
  function batchTables() {
    const buffer = core.memory.buffer;
    if (tables === undefined || tables.buffer !== buffer) {
      tables = { buffer, offsets: new Uint32Array(buffer, offsetsOffset, maxMessages), lengths: new Uint32Array(buffer, lengthsOffset, maxMessages) };
    }
    return tables;
  }

  /** Hashes messages (checked) with the DST already in place; one core call per chunk. */
  function hashMany(messages: readonly Uint8Array[], dstLength: number, what: string): Uint8Array[] {
    const out = new Array<Uint8Array>(messages.length);
    const { offsets, lengths } = batchTables();
    let chunkStart = 0;
    let used = 0;
    const flush = (end: number) => {
      const count = end - chunkStart;
      if (count === 0) return;
      check(exports.hashBatch(count, dstLength), what);
      const memory = core.bytes();
      for (let k = 0; k < count; k++) {
        const at = outputOffset + k * G2_BYTES;
        out[chunkStart + k] = memory.slice(at, at + G2_BYTES);
      }
    };
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      if (message.length > inputCapacity) {
        flush(i);
        hashStreamed(message, dstLength, out, i, what);
        chunkStart = i + 1;
        used = 0;
        continue;
      }
      if (used + message.length > inputCapacity || i - chunkStart === maxMessages) {
        flush(i);
        chunkStart = i;
        used = 0;
      }
      core.bytes().set(message, inputOffset + used);
      offsets[i - chunkStart] = used;
      lengths[i - chunkStart] = message.length;
      used += message.length;
    }
    flush(messages.length);
    return out;
  }

  function hashToG2(message: Uint8Array, dst: Uint8Array = ETHEREUM_BLS_DST): Uint8Array {
    assertBytes('hashToG2: message', message);
    const dstLength = writeDst('hashToG2', dst);
    return hashMany([message], dstLength, 'hashToG2')[0]!;
  }

  function hashToG2Batch(messages: readonly Uint8Array[], dst: Uint8Array = ETHEREUM_BLS_DST): Uint8Array[] {
    assertArray('hashToG2Batch', messages, { of: 'Uint8Array' });
    messages.forEach((message, i) => assertBytes(`hashToG2Batch: messages[${i}]`, message));
    const dstLength = writeDst('hashToG2Batch', dst);
    return hashMany(messages, dstLength, 'hashToG2Batch');
  }

  function mapToG2(u: Uint8Array): Uint8Array {
    assertBytes('mapToG2: u', u, FP2_BYTES);
    core.bytes().set(u, inputOffset);
    check(exports.mapBatch(1), 'mapToG2');
    return output(G2_BYTES);
  }

  return { sha256, hashToG2, hashToG2Batch, expandMessageXmd, mapToG2 };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export const { sha256, hashToG2, hashToG2Batch, expandMessageXmd, mapToG2 } = releaseApi(hashToCurveApi);
