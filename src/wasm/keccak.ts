/**
 * keccak-256 (Ethereum's Keccak: rate 136 bytes, padding 0x01 … 0x80 — not SHA3-256) over the
 * WebAssembly core (assembly/hash/keccak.ts).
 *
 * API (each bound to the release core here; `keccakApi(core)` binds them to any core):
 * - `keccak256(data: Uint8Array): Uint8Array` — the 32-byte digest of `data`, of any length;
 * - `keccak256Into(data, out)` — the same, written to `out` (32 bytes), which is returned;
 * - `keccak256Batch(messages: readonly Uint8Array[]): Uint8Array` — digests of every message,
 *   n × 32 bytes, digest i at i·32; empty messages are allowed;
 * - `keccak256BatchInto(messages, out)` — the same, written to `out` (exactly n × 32 bytes).
 *
 * Memory contract (src/wasm/core.ts): a message is copied into the core's input region
 * (`keccakInputCapacity()` = 1 MiB) and hashed in one call; a longer one is streamed through it in
 * chunks of whole 136-byte blocks, the sponge state staying in the core between calls. A batch is
 * packed into the same region with the offsets and lengths beside it and hashed in one call per
 * chunk: the wrapper starts a new chunk when the region or the message count
 * (`keccakBatchMaxMessages()`) is full, and hashes a message larger than the region on its own by
 * streaming. Nothing is allocated in the core; the wrapper allocates only the digests it returns.
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, assertBytes } from '../bytes/index.js';

const DIGEST_BYTES = 32;

/** What the core's negative status codes mean (assembly/hash/keccak.ts). */
const STATUS: Record<number, string> = {
  [-1]: 'a length is negative or larger than the input region',
  [-2]: 'a streamed chunk is not a whole number of 136-byte blocks',
  [-3]: 'a batch message lies outside the input region',
  [-4]: 'the batch count is negative or above the maximum',
};

export function keccakApi(core: WasmCore) {
  const hashInput = coreFunction(core, 'keccak256');
  const streamStart = coreFunction(core, 'keccakStreamStart');
  const streamAbsorb = coreFunction(core, 'keccakStreamAbsorb');
  const streamFinish = coreFunction(core, 'keccakStreamFinish');
  const hashBatch = coreFunction(core, 'keccak256Batch');
  const inputOffset = coreFunction(core, 'keccakInputOffset')();
  const inputCapacity = coreFunction(core, 'keccakInputCapacity')();
  const outputOffset = coreFunction(core, 'keccakOutputOffset')();
  const offsetsOffset = coreFunction(core, 'keccakBatchOffsetsOffset')();
  const lengthsOffset = coreFunction(core, 'keccakBatchLengthsOffset')();
  const maxMessages = coreFunction(core, 'keccakBatchMaxMessages')();
  const rate = coreFunction(core, 'keccakRate')();
  /** Largest whole number of blocks that fits the input region: the size of a streamed chunk. */
  const streamChunk = inputCapacity - (inputCapacity % rate);

  let batchTables: { buffer: ArrayBufferLike; offsets: Uint32Array; lengths: Uint32Array } | undefined;
  /** u32 views of the batch offsets and lengths, re-made only if memory was replaced. */
  function tables() {
    const buffer = core.memory.buffer;
    if (batchTables === undefined || batchTables.buffer !== buffer) {
      batchTables = {
        buffer,
        offsets: new Uint32Array(buffer, offsetsOffset, maxMessages),
        lengths: new Uint32Array(buffer, lengthsOffset, maxMessages),
      };
    }
    return batchTables;
  }

  function check(status: number, what: string): void {
    if (status !== 0) {
      throw new Error(`dst-sequencer/wasm ${what}: the ${core.variant} core failed (${status}: ${STATUS[status] ?? 'unknown status'})`);
    }
  }

  /** Hashes `data` (already checked) and writes the digest at `out[at..at+32]`. */
  function hashInto(data: Uint8Array, out: Uint8Array, at: number, what: string): void {
    const memory = core.bytes();
    if (data.length <= inputCapacity) {
      memory.set(data, inputOffset);
      check(hashInput(data.length), what);
    } else {
      streamStart();
      let done = 0;
      // Absorb whole chunks while more than one chunk remains, so the last call gets the tail (≥ 1 byte).
      for (; data.length - done > streamChunk; done += streamChunk) {
        memory.set(data.subarray(done, done + streamChunk), inputOffset);
        check(streamAbsorb(streamChunk), what);
      }
      memory.set(data.subarray(done), inputOffset);
      check(streamFinish(data.length - done), what);
    }
    out.set(memory.subarray(outputOffset, outputOffset + DIGEST_BYTES), at);
  }

  function keccak256Into(data: Uint8Array, out: Uint8Array): Uint8Array {
    assertBytes('keccak256: data', data);
    assertBytes('keccak256: out', out, DIGEST_BYTES);
    hashInto(data, out, 0, 'keccak256');
    return out;
  }

  function keccak256(data: Uint8Array): Uint8Array {
    assertBytes('keccak256: data', data);
    const out = new Uint8Array(DIGEST_BYTES);
    hashInto(data, out, 0, 'keccak256');
    return out;
  }

  function assertMessages(what: string, messages: unknown): asserts messages is readonly Uint8Array[] {
    assertArray(what, messages, { of: 'Uint8Array' });
    for (let i = 0; i < messages.length; i++) {
      assertBytes(`${what}: messages[${i}]`, messages[i]);
    }
  }

  /** Hashes messages[from..to) (all fitting in one chunk) in one core call; digests to out at from·32. */
  function flushBatch(messages: readonly Uint8Array[], from: number, to: number, out: Uint8Array): void {
    const count = to - from;
    if (count === 0) return;
    check(hashBatch(count), 'keccak256Batch');
    const memory = core.bytes();
    out.set(memory.subarray(outputOffset, outputOffset + count * DIGEST_BYTES), from * DIGEST_BYTES);
  }

  function batchInto(messages: readonly Uint8Array[], out: Uint8Array): Uint8Array {
    const { offsets, lengths } = tables();
    const memory = core.bytes();
    let chunkStart = 0;
    let used = 0;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      if (message.length > inputCapacity) {
        // Too big for the region: hash the pending chunk, then this message alone by streaming.
        flushBatch(messages, chunkStart, i, out);
        hashInto(message, out, i * DIGEST_BYTES, 'keccak256Batch');
        chunkStart = i + 1;
        used = 0;
        continue;
      }
      if (used + message.length > inputCapacity || i - chunkStart === maxMessages) {
        flushBatch(messages, chunkStart, i, out);
        chunkStart = i;
        used = 0;
      }
      memory.set(message, inputOffset + used);
      offsets[i - chunkStart] = used;
      lengths[i - chunkStart] = message.length;
      used += message.length;
    }
    flushBatch(messages, chunkStart, messages.length, out);
    return out;
  }

  function keccak256BatchInto(messages: readonly Uint8Array[], out: Uint8Array): Uint8Array {
    assertMessages('keccak256BatchInto', messages);
    assertBytes('keccak256BatchInto: out', out, messages.length * DIGEST_BYTES);
    return batchInto(messages, out);
  }

  function keccak256Batch(messages: readonly Uint8Array[]): Uint8Array {
    assertMessages('keccak256Batch', messages);
    return batchInto(messages, new Uint8Array(messages.length * DIGEST_BYTES));
  }

  return { keccak256, keccak256Into, keccak256Batch, keccak256BatchInto };
}

export const { keccak256, keccak256Into, keccak256Batch, keccak256BatchInto } = releaseApi(keccakApi);
