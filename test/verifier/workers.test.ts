/**
 * `verifyChain` on worker threads (src/verifier/workers.ts) gives exactly the answer of `verifyChain`
 * on the calling thread — the whole result, `verified` included — on both backends: a valid range,
 * with and without a parent; one bad signature, one structural failure and one broken link at random
 * positions, including the first block of a chunk (where the linkage crosses workers); two failures,
 * where the first one is named; a block of the wrong shape; a range too short for the workers; and the
 * pipelined signature batches of `options.pool`. Also: the packed chunk format round-trips.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPoolExecutor } from '../../src/crypto/index.js';
import { VerifierWorkers, verifyChain, type BackendName, type ChainParent, type SignedBlockData } from '../../src/verifier/index.js';
import { chunksFor, packChunk, unpackChunk } from '../../src/verifier/workers.js';
import { edited, makeSignedChain } from './signed-chain.js';

const long = makeSignedChain({ count: 300, transactionsPerBlock: 3, signWith: 'group' });
/** Chunks of at most 75 blocks: 4 chunks for the 300-block range, two per worker. */
const workers = new VerifierWorkers({ workers: 2, maxChunkBlocks: 75 });
afterAll(() => workers.close());

let seed = 1234;
const random = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
/** The first block of each chunk of the 300-block range (4 chunks of 75): where linkage crosses chunks. */
const chunkStarts = [75, 150, 225];

async function expectSame(blocks: SignedBlockData[], backend: BackendName, parent?: ChainParent, label = '') {
  const here = await verifyChain(blocks, long.trust, { backend, parent });
  const there = await verifyChain(blocks, long.trust, { backend, parent, workers });
  expect(there, label).toEqual(here);
  return here;
}

describe('verifyChain on worker threads', () => {
  it('cuts a range into one chunk per worker, more only past the chunk size', () => {
    expect(chunksFor(1_000, 2)).toBe(2);
    expect(chunksFor(2_048, 2)).toBe(2);
    expect(chunksFor(2_049, 2)).toBe(4);
    expect(chunksFor(10_000, 4)).toBe(12);
    expect(chunksFor(300, 2, 75)).toBe(4);
    expect(chunksFor(40, 2)).toBe(1); // no chunk under 32 blocks
    expect(chunksFor(1_000, 64)).toBe(31);
  });

  it('packs and unpacks a chunk to the same blocks', () => {
    const blocks = long.blocks.slice(10, 20).map((b, i) => (i === 3 ? { ...b, round: 2 ** 40 + 1 } : b));
    const { data, table } = packChunk(blocks, 0, blocks.length);
    expect(unpackChunk(data, table, blocks.length)).toEqual(blocks);
  });

  it.each(['native', 'wasm'] as BackendName[])('answers as on the calling thread (%s backend)', async (backend) => {
    expect(await expectSame(long.blocks, backend)).toMatchObject({ ok: true, head: { number: 300 } });
    const parent = { number: 100, hash: long.assembled[99]!.hash, timestampMs: long.assembled[99]!.header.timestampMs };
    expect(await expectSame(long.blocks.slice(100), backend, parent)).toMatchObject({ ok: true, head: { number: 300 } });
    expect(await expectSame(long.blocks.slice(101), backend, parent)).toMatchObject({ ok: false, index: 0, reason: 'not-linked' });
    const positions = [0, ...chunkStarts, 299, 1 + random(298)];
    for (const at of positions) {
      const badSignature = long.blocks.map((b, i) => (i === at ? edited(b, (c) => (c.round += 1)) : b));
      expect(await expectSame(badSignature, backend, undefined, `bad signature at ${at}`)).toMatchObject({ ok: false, index: at, reason: 'bad-signature' });
      const badTransactions = long.blocks.map((b, i) => (i === at ? edited(b, (c) => c.transactions.reverse()) : b));
      expect(await expectSame(badTransactions, backend, undefined, `transactions at ${at}`)).toMatchObject({ ok: false, index: at, reason: 'transactions-mismatch' });
      if (at > 0 && at < 299) { // dropping block 0 or 299 leaves a valid range
        const unlinked = long.blocks.filter((_, i) => i !== at);
        expect(await expectSame(unlinked, backend, undefined, `dropped ${at}`)).toMatchObject({ ok: false, index: at, reason: 'not-linked' });
      }
    }
    // two failures: a structural one after a bad signature in another chunk, and the reverse
    const both = long.blocks.map((b, i) => (i === 40 ? edited(b, (c) => (c.round += 1)) : i === 200 ? edited(b, (c) => (c.header[5]! ^= 1)) : b));
    expect(await expectSame(both, backend)).toMatchObject({ ok: false, index: 40, reason: 'bad-signature' });
    const reverse = long.blocks.map((b, i) => (i === 40 ? edited(b, (c) => (c.header[5]! ^= 1)) : i === 200 ? edited(b, (c) => (c.round += 1)) : b));
    expect((await expectSame(reverse, backend)).ok).toBe(false);
    // a header that is not canonical just before a chunk: the chunk before fails on it
    const broken = long.blocks.map((b, i) => (i === chunkStarts[1]! - 1 ? edited(b, (c) => (c.header = c.header.subarray(0, 40))) : b));
    expect(await expectSame(broken, backend)).toMatchObject({ ok: false, index: chunkStarts[1]! - 1, reason: 'malformed-header' });
  });

  it('leaves short ranges and blocks of the wrong shape to the calling thread', async () => {
    expect(await expectSame(long.blocks.slice(0, 10), 'native')).toMatchObject({ ok: true });
    const shapeless = long.blocks.map((b, i) => (i === 120 ? ({ ...b, transactions: 'x' } as unknown as SignedBlockData) : b));
    expect(await expectSame(shapeless, 'native')).toMatchObject({ ok: false, index: 120, reason: 'malformed-block' });
  });

  it('names the first bad signature when signature batches are pipelined to a pool', async () => {
    const pool = new WorkerPoolExecutor({ workers: 1 });
    try {
      for (const at of [0, 127, 128, 255, 299]) {
        const blocks = long.blocks.map((b, i) => (i === at || i === 290 ? edited(b, (c) => (c.round += 1)) : b));
        const expected = await verifyChain(blocks, long.trust, { backend: 'native' });
        expect(await verifyChain(blocks, long.trust, { pool }), `at ${at}`).toEqual(expected);
      }
      expect(await verifyChain(long.blocks, long.trust, { pool })).toEqual(await verifyChain(long.blocks, long.trust));
    } finally {
      await pool.close();
    }
  });
});
