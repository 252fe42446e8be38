/**
 * The key-value store under the state trie (@ethereumjs/mpt's `DB` interface), on LMDB, with a
 * write overlay per block.
 *
 * The Merkle-Patricia trie (Yellow Paper §4.1 and appendix D) stores its nodes, and the state manager
 * its contract code, through this store; the keys it passes are unprefixed hex strings (a node's
 * keccak-256, or a prefixed code hash), the values bytes. Reads look in the overlay first, then in
 * LMDB. Writes go only to the overlay: the executor takes them out with `drain()` and writes them in
 * the same LMDB transaction as the block's receipts and its height (src/execution/store.ts), so after a
 * crash the trie on disk is exactly the one of the last committed block. Nodes are never pruned (the
 * trie runs without node pruning), so the state root of every executed block stays readable — what
 * the JSON-RPC's historical `eth_getBalance`/`eth_call` at a block number use.
 *
 * Memory: the overlay holds one block's new nodes (bounded by the block's transactions), and is
 * emptied at every commit.
 */
import type { BatchDBOp, DB } from '@ethereumjs/util';
import type { Database } from 'lmdb';

/** A pending write: the value, or null for a deletion. */
export type TrieWrites = Map<string, Uint8Array | null>;

export class TrieDb implements DB<string, Uint8Array> {
  constructor(
    private readonly nodes: Database<Buffer, Buffer>,
    private overlay: TrieWrites = new Map(),
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.getSync(key);
  }

  getSync(key: string): Uint8Array | undefined {
    const pending = this.overlay.get(key);
    if (pending !== undefined) return pending ?? undefined;
    const stored = this.nodes.getBinary(Buffer.from(key, 'hex'));
    return stored === undefined ? undefined : new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.overlay.set(key, value);
  }

  async del(key: string): Promise<void> {
    this.overlay.set(key, null);
  }

  async batch(operations: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of operations) this.overlay.set(op.key, op.type === 'put' ? op.value : null);
  }

  /** Shares LMDB and the overlay: the state manager's storage tries write into the same block. */
  shallowCopy(): TrieDb {
    return new TrieDb(this.nodes, this.overlay);
  }

  async open(): Promise<void> {}

  /** Writes still in the overlay. */
  get pendingWrites(): number {
    return this.overlay.size;
  }

  /** The overlay's writes, for the block's LMDB transaction; the overlay is left empty. */
  drain(): TrieWrites {
    const writes = new Map(this.overlay);
    this.overlay.clear();
    return writes;
  }

  /** Forgets the overlay (a block that failed to commit). */
  discard(): void {
    this.overlay.clear();
  }

  /** Inside an LMDB transaction: applies drained writes. */
  static apply(nodes: Database<Buffer, Buffer>, writes: TrieWrites): void {
    for (const [key, value] of writes) {
      if (value === null) nodes.removeSync(Buffer.from(key, 'hex'));
      else nodes.putSync(Buffer.from(key, 'hex'), Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  }
}
