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
 * Only what the block's final state reaches is written (`drain(stateRoot)`): the trie stores every
 * node of every path it updates, so of a block's writes most are intermediate versions of the upper
 * branch nodes, superseded by the next update in the same block and never reachable from any executed
 * block's root. Walking the new nodes from the block's state root (into the storage tries through the
 * accounts' storage roots) keeps exactly the reachable ones; a node not in the overlay is already on
 * disk, so the walk stops there. Code (keys that are not a 32-byte node hash) and deletions are kept.
 *
 * Memory: the overlay holds one block's new nodes (bounded by the block's transactions), and is
 * emptied at every commit.
 */
import type { BatchDBOp, DB } from '@ethereumjs/util';
import type { Database } from 'lmdb';
import { hex } from '../bytes/index.js';
import { rlpDecode, type RlpItem } from '../chain/rlp.js';

/** Hex length of a trie node's key (its keccak-256); code keys are longer (prefixed code hashes). */
const NODE_KEY_HEX = 64;

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

  /**
   * The overlay's writes for the block's LMDB transaction — with `stateRoot`, only the nodes that state
   * reaches (the module docblock) —; the overlay is left empty.
   */
  drain(stateRoot?: Uint8Array): TrieWrites {
    const writes: TrieWrites = new Map();
    if (stateRoot === undefined) {
      for (const [key, value] of this.overlay) writes.set(key, value);
    } else {
      for (const [key, value] of this.overlay) if (value === null || key.length !== NODE_KEY_HEX) writes.set(key, value);
      this.keepReachable(stateRoot, true, writes);
    }
    this.overlay.clear();
    return writes;
  }

  /** Adds to `into` the overlay's nodes reachable from the node `hash` (of the account trie when `accounts`). */
  private keepReachable(hash: Uint8Array, accounts: boolean, into: TrieWrites): void {
    const key = hex(hash);
    if (into.has(key)) return;
    const node = this.overlay.get(key);
    if (node === undefined || node === null) return;
    into.set(key, node);
    this.walkNode(rlpDecode(node), accounts, into);
  }

  /**
   * A decoded node (Yellow Paper appendix D): a branch of 16 children and a value, or an extension or
   * leaf [hex-prefix path, child or value]. A child is a node's hash (32 bytes), a node under 32 bytes
   * inlined as its list, or empty. An account leaf's value is rlp([nonce, balance, storageRoot, codeHash]).
   */
  private walkNode(node: RlpItem, accounts: boolean, into: TrieWrites): void {
    if (!Array.isArray(node)) return;
    const child = (ref: RlpItem | undefined) => {
      if (Array.isArray(ref)) this.walkNode(ref, accounts, into);
      else if (ref !== undefined && ref.length === 32) this.keepReachable(ref, accounts, into);
    };
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) child(node[i]);
      return;
    }
    const [path, next] = node;
    if (!(path instanceof Uint8Array) || path.length === 0) return;
    const leaf = path[0]! >> 4 >= 2;
    if (!leaf) child(next);
    else if (accounts && next instanceof Uint8Array) {
      const account = rlpDecode(next);
      const storageRoot = Array.isArray(account) ? account[2] : undefined;
      if (storageRoot instanceof Uint8Array && storageRoot.length === 32) this.keepReachable(storageRoot, false, into);
    }
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
