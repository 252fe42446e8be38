/**
 * Entry point of a `VerifierWorkers` thread (./workers.ts): verifies the chunks of a range it is sent
 * with `verifyChain` (./verify.ts, on this thread, with the backend asked for) and answers with the
 * result and the hashes of the blocks that verified. Never thrown back: an exception becomes an error
 * answer, which the calling thread turns into an Error. Node-only; never imported by a bundle.
 */
import { parentPort } from 'node:worker_threads';
import { verifyChain } from './verify.js';
import { unpackChunk, type ChunkAnswer, type ChunkRequest } from './workers.js';

const port = parentPort;
if (!port) throw new Error('dst-sequencer/verifier: chain-worker.ts runs as a worker thread of VerifierWorkers');

port.on('message', (request: ChunkRequest | { id: number; ping: true }) => {
  void answer(request).then((reply) => port.postMessage(reply, reply.ok ? [reply.hashes.buffer as ArrayBuffer] : []));
});

async function answer(request: ChunkRequest | { id: number; ping: true }): Promise<ChunkAnswer> {
  try {
    if ('ping' in request) return { id: request.id, ok: true, result: { ok: true, head: undefined, verifiedCount: 0 }, hashes: new Uint8Array(0) };
    const blocks = unpackChunk(request.data, request.table, request.count);
    const result = await verifyChain(blocks, request.trust, { backend: request.backend, parent: request.parent });
    const hashes = new Uint8Array(32 * result.verified.length);
    result.verified.forEach((v, i) => hashes.set(v.hash, 32 * i));
    const verifiedCount = result.verified.length;
    const detached = result.ok
      ? { ok: true as const, head: result.head && { number: result.head.number, hash: result.head.hash.slice(), timestampMs: result.head.timestampMs }, verifiedCount }
      : { ok: false as const, index: result.index, number: result.number, reason: result.reason, detail: result.detail, verifiedCount };
    return { id: request.id, ok: true, result: detached, hashes };
  } catch (error) {
    return { id: request.id, ok: false, error: (error as Error)?.stack ?? String(error) };
  }
}
