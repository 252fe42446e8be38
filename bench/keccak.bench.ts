/**
 * keccak-256 in the WebAssembly core against hash-wasm (C compiled to WebAssembly) and
 * @noble/hashes (JavaScript), on the same inputs in one run:
 * - one 1 MiB message (hash-wasm's hasher created once and reused, as a hot caller would);
 * - 1,000 × 64-byte messages: one batch call against one hash-wasm call per message.
 */
import { createKeccak } from 'hash-wasm';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { keccak256, keccak256BatchInto } from '../src/wasm/keccak.js';
import { compareAsync } from './harness.js';

function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

export async function run(): Promise<void> {
  const hashWasm = await createKeccak(256);
  const hashWasmDigest = (data: Uint8Array): Uint8Array => {
    hashWasm.init();
    hashWasm.update(data);
    return hashWasm.digest('binary');
  };

  const mebibyte = pseudoRandomBytes(1 << 20, 1);
  await compareAsync({
    title: 'keccak-256 of 1 MiB',
    subject: { name: 'dst wasm keccak256', fn: () => keccak256(mebibyte) },
    peers: [
      { name: 'hash-wasm (reused hasher)', fn: () => hashWasmDigest(mebibyte), target: 1.0 },
      { name: '@noble/hashes keccak_256', fn: () => keccak_256(mebibyte) },
    ],
  });

  const messages = Array.from({ length: 1000 }, (_, i) => pseudoRandomBytes(64, i + 2));
  const digests = new Uint8Array(messages.length * 32);
  await compareAsync({
    title: 'keccak-256 of 1,000 × 64-byte messages',
    subject: { name: 'dst wasm keccak256BatchInto', fn: () => keccak256BatchInto(messages, digests) },
    peers: [
      {
        name: 'hash-wasm, one call each',
        fn: () => {
          for (const message of messages) hashWasmDigest(message);
        },
        target: 1.5,
      },
      {
        name: '@noble/hashes, one call each',
        fn: () => {
          for (const message of messages) keccak_256(message);
        },
      },
    ],
  });
}
