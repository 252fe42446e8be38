import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { genTransactionsTrieRoot } from '@ethereumjs/block';
import type { TypedTransaction } from '@ethereumjs/tx';
import { coreFunction, loadWasmCore } from '../../src/wasm/core.js';
import { trieApi } from '../../src/wasm/trie.js';
import { makeSignedTransactionObjects, makeSignedTransactions } from '../helpers/transactions.js';

const BLOCK_SIZES = [0, 1, 2, 127, 128, 129, 1000, 10_000];

/** The signed transactions, made once for the file (signing 10,000 takes a few seconds). */
let transactions: TypedTransaction[];
let rawTransactions: Uint8Array[];
/** @ethereumjs/block's root of the first n transactions, for each n of BLOCK_SIZES. */
const expectedRoots = new Map<number, string>();

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The oracle for arbitrary values: @ethereumjs only calls `serialize()` on what it is given. */
async function ethereumjsRoot(values: readonly Uint8Array[]): Promise<string> {
  return hex(await genTransactionsTrieRoot(values.map((v) => ({ serialize: () => v })) as unknown as TypedTransaction[]));
}

/** `n` deterministic values: a quarter of 1..24 bytes (their leaf nodes are embedded), the rest of 1..2,000. */
function randomValues(n: number, seed: number): Uint8Array[] {
  let state = seed >>> 0;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, () => {
    const length = next() % 4 === 0 ? 1 + (next() % 24) : 1 + (next() % 2000);
    return Uint8Array.from({ length }, () => next() >>> 24);
  });
}

beforeAll(async () => {
  transactions = makeSignedTransactionObjects(10_000, { chainId: 1, seed: 2026 });
  rawTransactions = transactions.map((tx) => tx.serialize());
  for (const n of BLOCK_SIZES) {
    expectedRoots.set(n, hex(await genTransactionsTrieRoot(transactions.slice(0, n))));
  }
});

describe('the signed-transaction generator', () => {
  it('mixes legacy (with and without EIP-155), EIP-2930 and EIP-1559 transactions, all validly signed', () => {
    const sample = transactions.slice(0, 16);
    const kinds = new Set(
      sample.map((tx) => (tx.type === 0 ? (tx.v! >= 35n ? 'legacy EIP-155' : 'legacy pre-EIP-155') : `type ${tx.type}`)),
    );
    expect([...kinds].sort()).toEqual(['legacy EIP-155', 'legacy pre-EIP-155', 'type 1', 'type 2']);
    for (const tx of sample) expect(tx.verifySignature()).toBe(true);
    // Typed transactions are type byte ‖ RLP list; legacy ones are an RLP list.
    expect(sample.map((tx, i) => rawTransactions[i]![0]! >= 0xc0 ? 0 : rawTransactions[i]![0])).toEqual(sample.map((tx) => tx.type));
  });

  it('is deterministic', () => {
    const again = makeSignedTransactions(8, { chainId: 1, seed: 2026 });
    expect(again.map(hex)).toEqual(rawTransactions.slice(0, 8).map(hex));
    expect(makeSignedTransactions(8, { chainId: 1, seed: 7 }).map(hex)).not.toEqual(again.map(hex));
  });
});

describe.each(['release', 'debug'] as const)('transactions-trie root (%s build)', (variant) => {
  const core = loadWasmCore(variant);
  const { transactionsRoot, transactionsRootWithHashes } = trieApi(core);

  it.each(BLOCK_SIZES)('equals @ethereumjs/block genTransactionsTrieRoot for %i signed transactions', (n) => {
    expect(hex(transactionsRoot(rawTransactions.slice(0, n)))).toBe(expectedRoots.get(n));
  });

  it('gives every transaction hash: keccak-256 of the raw bytes, as @ethereumjs computes it', () => {
    const { root, hashes } = transactionsRootWithHashes(rawTransactions);
    expect(hex(root)).toBe(expectedRoots.get(10_000));
    expect(hashes.length).toBe(rawTransactions.length * 32);
    let mismatches = 0;
    rawTransactions.forEach((raw, i) => {
      const hash = hashes.subarray(i * 32, i * 32 + 32);
      if (hex(hash) !== hex(keccak_256(raw))) mismatches++;
    });
    expect(mismatches).toBe(0);
    for (const i of [0, 1, 127, 128, 5000, 9999]) {
      expect(hex(hashes.subarray(i * 32, i * 32 + 32))).toBe(hex(transactions[i]!.hash()));
    }
  });

  it('the empty block has the empty-trie root keccak(0x80)', () => {
    const { root, hashes } = transactionsRootWithHashes([]);
    expect(root).toEqual(keccak_256(Uint8Array.of(0x80)));
    expect(hashes.length).toBe(0);
  });

  it('equals @ethereumjs for short values, whose nodes are embedded in their parents', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 300 }),
        async (values) => {
          expect(hex(transactionsRoot(values))).toBe(await ethereumjsRoot(values));
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each([0, 1, 2, 127, 128, 129, 300, 1000])(
    'equals @ethereumjs for %i values of random sizes 1..2,000 bytes, a quarter of them tiny (embedded leaves)',
    async (n) => {
      const values = randomValues(n, n + 17);
      expect(hex(transactionsRoot(values))).toBe(await ethereumjsRoot(values));
      expect(hex(transactionsRootWithHashes(values).root)).toBe(await ethereumjsRoot(values));
    },
  );

  it('equals @ethereumjs for random blocks mixing every leaf size (the leaves are hashed in pairs of equal block counts)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.uint8Array({ minLength: 1, maxLength: 2000 })), { minLength: 1, maxLength: 400 }),
        async (values) => {
          expect(hex(transactionsRoot(values))).toBe(await ethereumjsRoot(values));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('equals @ethereumjs for long values (RLP lengths of 1, 2 and 3 bytes)', async () => {
    const values = [55, 56, 255, 256, 65_535, 65_536, 70_000].map((length, i) => new Uint8Array(length).fill(i + 1));
    expect(hex(transactionsRoot(values))).toBe(await ethereumjsRoot(values));
  });

  it('rejects bad input with clear messages', () => {
    expect(() => transactionsRoot('0xf86c' as never)).toThrow(
      'transactionsRoot: expected an array of Uint8Array (raw transactions), got string 0xf86c',
    );
    expect(() => transactionsRoot([rawTransactions[0]!, 'f86c' as never])).toThrow(
      'transactionsRoot: rawTransactions[1]: expected a Uint8Array, got string f86c',
    );
    expect(() => transactionsRootWithHashes([rawTransactions[0]!, new Uint8Array(0)])).toThrow(
      'transactionsRootWithHashes: rawTransactions[1]: expected a non-empty raw transaction, got 0 bytes',
    );
    const tooMany = Array.from({ length: 65_537 }, () => Uint8Array.of(1));
    expect(() => transactionsRoot(tooMany)).toThrow(
      'transactionsRoot: expected at most 65,536 transactions per block, got 65,537',
    );
    const half = new Uint8Array(8 << 20);
    expect(() => transactionsRoot([half, half, Uint8Array.of(1)])).toThrow(
      'transactionsRoot: the raw transactions take 16,777,217 bytes; at most 16,777,216 bytes (16 MiB) fit in one call',
    );
    // A block at exactly the limit is accepted.
    expect(hex(transactionsRoot([half, half]))).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(['transactionsRoot', 'transactionsRootOnly'])('the core itself (%s) refuses out-of-range arguments with a status instead of trapping', (entry) => {
    const run = coreFunction(core, entry);
    const max = coreFunction(core, 'trieMaxTransactions')();
    const capacity = coreFunction(core, 'trieDataCapacity')();
    const offsets = new Uint32Array(core.memory.buffer, coreFunction(core, 'trieOffsetsOffset')(), 2);
    const lengths = new Uint32Array(core.memory.buffer, coreFunction(core, 'trieLengthsOffset')(), 2);
    expect(run(max + 1)).toBe(-1);
    expect(run(-1)).toBe(-1);
    offsets.set([0, 5]);
    lengths.set([5, 0]);
    expect(run(2)).toBe(-2);
    lengths.set([5, 1]);
    offsets[1] = capacity;
    expect(run(2)).toBe(-3);
  });
});
