/**
 * The Ethereum transactions-trie root of a block, computed by the WebAssembly core
 * (assembly/trie/trie.ts) in one call: the `transactionsRoot` of a block header with these
 * transactions, i.e. the root of the Merkle-Patricia trie mapping `rlp(i)` to the i-th raw transaction.
 *
 * API (each bound to the release core here; `trieApi(core)` binds them to any core):
 * - `transactionsRoot(rawTransactions: readonly Uint8Array[]): Uint8Array` — the 32-byte root;
 * - `transactionsRootWithHashes(rawTransactions)` → `{ root, hashes }`, `hashes` being n × 32 bytes,
 *   the hash (keccak-256 of the raw bytes) of transaction i at i·32.
 *
 * A raw transaction is the exact signed bytes: for a legacy transaction its RLP list, for a typed
 * one (EIP-2718) the type byte followed by its RLP payload. The wrapper does not decode them; it
 * only rejects a zero-length one. No transactions give the empty-trie root keccak(0x80).
 *
 * `transactionsRoot` runs the core's root-only entry (`transactionsRootOnly`), which skips the
 * transaction hashes: about half the keccak work of `transactionsRootWithHashes` for typical
 * transactions, as every leaf node hashes its transaction again.
 *
 * Memory contract (src/wasm/core.ts): the transactions are copied back to back into the core's data
 * region (`trieDataCapacity()` = 16 MiB) with their offsets and lengths, the core hashes them and
 * builds the trie without allocating, and the wrapper copies the root and hashes out. A block is
 * never split: one over the data region or over `trieMaxTransactions()` (65,536) transactions is
 * rejected with a RangeError naming the limit (both are far above what Ethereum accepts in a block;
 * see assembly/trie/trie.ts).
 */
import { coreFunction, releaseApi, type WasmCore } from './core.js';
import { assertArray, assertBytes } from '../bytes/index.js';

const DIGEST_BYTES = 32;

/** What the core's negative status codes mean (assembly/trie/trie.ts). */
const STATUS: Record<number, string> = {
  [-1]: 'the transaction count is negative or above the maximum',
  [-2]: 'a transaction has length zero',
  [-3]: 'a transaction lies outside the data region',
};

export function trieApi(core: WasmCore) {
  const computeRootAndHashes = coreFunction(core, 'transactionsRoot');
  const computeRootOnly = coreFunction(core, 'transactionsRootOnly');
  const dataOffset = coreFunction(core, 'trieDataOffset')();
  const dataCapacity = coreFunction(core, 'trieDataCapacity')();
  const offsetsOffset = coreFunction(core, 'trieOffsetsOffset')();
  const lengthsOffset = coreFunction(core, 'trieLengthsOffset')();
  const maxTransactions = coreFunction(core, 'trieMaxTransactions')();
  const hashesOffset = coreFunction(core, 'trieHashesOffset')();
  const rootOffset = coreFunction(core, 'trieRootOffset')();

  let layout: { buffer: ArrayBufferLike; offsets: Uint32Array; lengths: Uint32Array } | undefined;
  /** u32 views of the offsets and lengths tables, re-made only if memory was replaced. */
  function tables() {
    const buffer = core.memory.buffer;
    if (layout === undefined || layout.buffer !== buffer) {
      layout = {
        buffer,
        offsets: new Uint32Array(buffer, offsetsOffset, maxTransactions),
        lengths: new Uint32Array(buffer, lengthsOffset, maxTransactions),
      };
    }
    return layout;
  }

  /** Checks the block, copies it into the core and runs it; the results are left in the core. */
  function run(what: string, rawTransactions: unknown, withHashes: boolean): number {
    assertArray(what, rawTransactions, { of: 'Uint8Array (raw transactions)' });
    const count = rawTransactions.length;
    if (count > maxTransactions) {
      throw new RangeError(
        `${what}: expected at most ${maxTransactions.toLocaleString('en-US')} transactions per block, got ${count.toLocaleString('en-US')}`,
      );
    }
    let total = 0;
    for (let i = 0; i < count; i++) {
      const tx: unknown = rawTransactions[i];
      assertBytes(`${what}: rawTransactions[${i}]`, tx);
      if (tx.length === 0) {
        throw new RangeError(`${what}: rawTransactions[${i}]: expected a non-empty raw transaction, got 0 bytes`);
      }
      total += tx.length;
    }
    if (total > dataCapacity) {
      throw new RangeError(
        `${what}: the raw transactions take ${total.toLocaleString('en-US')} bytes; ` +
          `at most ${dataCapacity.toLocaleString('en-US')} bytes (${dataCapacity / 2 ** 20} MiB) fit in one call`,
      );
    }
    const memory = core.bytes();
    const { offsets, lengths } = tables();
    let used = 0;
    for (let i = 0; i < count; i++) {
      const tx = rawTransactions[i] as Uint8Array;
      memory.set(tx, dataOffset + used);
      offsets[i] = used;
      lengths[i] = tx.length;
      used += tx.length;
    }
    const status = (withHashes ? computeRootAndHashes : computeRootOnly)(count);
    if (status !== 0) {
      throw new Error(`dst-sequencer/wasm ${what}: the ${core.variant} core failed (${status}: ${STATUS[status] ?? 'unknown status'})`);
    }
    return count;
  }

  function root(): Uint8Array {
    return core.bytes().slice(rootOffset, rootOffset + DIGEST_BYTES);
  }

  function transactionsRoot(rawTransactions: readonly Uint8Array[]): Uint8Array {
    run('transactionsRoot', rawTransactions, false);
    return root();
  }

  function transactionsRootWithHashes(rawTransactions: readonly Uint8Array[]): { root: Uint8Array; hashes: Uint8Array } {
    const count = run('transactionsRootWithHashes', rawTransactions, true);
    const hashes = core.bytes().slice(hashesOffset, hashesOffset + count * DIGEST_BYTES);
    return { root: root(), hashes };
  }

  return { transactionsRoot, transactionsRootWithHashes };
}

export const { transactionsRoot, transactionsRootWithHashes } = releaseApi(trieApi);
