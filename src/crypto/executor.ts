/**
 * Where batch crypto runs: one interface, `CryptoExecutor`, with a main-thread implementation here and
 * a Piscina worker-pool implementation in `./pool.ts` (Lodestar's habit of an interface first with a
 * single-thread and a multi-thread implementation behind it, as in Lodestar). Callers — the node's
 * catch-up, the embeddable verifier — take a `CryptoExecutor` and do not care which one they got; a
 * caller on one core uses `MainThreadExecutor`.
 *
 * Both split the work the same way (`./tasks.ts`) and return the same results.
 */
import { assertArray, assertBytes } from '../bytes/index.js';
import type { RecoveryItem } from './secp256k1.js';
import {
  assertRecoveryItems,
  assertSignatureSets,
  chunkRanges,
  combineOutcome,
  findInvalidSets,
  packRecoverTask,
  runRecoverTask,
  unpackRecovered,
  type CombineOutcome,
  type SignatureSet,
} from './tasks.js';
import { SIGNATURE_LENGTH, assertIndex, type PartialSignature } from './threshold.js';

export interface CryptoExecutor {
  /**
   * Verifies many (public key, message, signature) sets in randomized batches; resolves to the
   * positions (in `sets`) of the invalid ones, ascending — empty when all are valid.
   */
  batchVerify(sets: readonly SignatureSet[]): Promise<number[]>;
  /**
   * Combines the partial signatures of each block (`combine` of `./threshold.ts`); one outcome per
   * block, in order, an error for a block whose partials cannot be combined.
   */
  combineMany(blocks: readonly (readonly PartialSignature[])[]): Promise<CombineOutcome[]>;
  /**
   * Recovers the secp256k1 signer address of each item (Ethereum sender recovery, `./secp256k1.ts`);
   * one entry per item, in order, undefined where no public key recovers.
   */
  recoverAddresses(items: readonly RecoveryItem[]): Promise<Array<Uint8Array | undefined>>;
  /** Releases the executor's resources; later calls are refused. */
  close(): Promise<void>;
}

/** Runs everything on the calling thread, in the same chunks as the pool. */
export class MainThreadExecutor implements CryptoExecutor {
  #closed = false;

  async batchVerify(sets: readonly SignatureSet[]): Promise<number[]> {
    this.#assertOpen('batchVerify');
    assertSignatureSets('batchVerify', sets);
    const invalid: number[] = [];
    for (const [start, end] of chunkRanges(sets.length, 1)) {
      for (const position of findInvalidSets(sets.slice(start, end))) invalid.push(start + position);
    }
    return invalid;
  }

  async combineMany(blocks: readonly (readonly PartialSignature[])[]): Promise<CombineOutcome[]> {
    this.#assertOpen('combineMany');
    assertBlocks('combineMany', blocks);
    return blocks.map((partials) => combineOutcome(partials));
  }

  async recoverAddresses(items: readonly RecoveryItem[]): Promise<Array<Uint8Array | undefined>> {
    this.#assertOpen('recoverAddresses');
    assertRecoveryItems('recoverAddresses', items);
    const result = runRecoverTask(packRecoverTask(items, 0, items.length));
    if (!result.ok) throw new Error(`recoverAddresses: ${result.error}`);
    return unpackRecovered(result);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(name: string): void {
    if (this.#closed) throw new Error(`${name}: the executor is closed`);
  }
}

/**
 * Public-boundary check of `combineMany`'s input: shapes only (arrays, share indices, 96-byte
 * signatures), so that it can be packed into bytes; a partial that is not a G2 point is the
 * block's own error.
 */
export function assertBlocks(name: string, blocks: readonly (readonly PartialSignature[])[]): void {
  assertArray(name, blocks, { of: "blocks' partial signatures" });
  blocks.forEach((partials, b) => {
    assertArray(`${name}: blocks[${b}]`, partials, { of: 'partial signatures' });
    partials.forEach((partial, i) => {
      assertIndex(`${name}: blocks[${b}][${i}].index`, partial?.index);
      assertBytes(`${name}: blocks[${b}][${i}].signature`, partial.signature, SIGNATURE_LENGTH);
    });
  });
}
