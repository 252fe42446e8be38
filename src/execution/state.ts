/**
 * The world state (Yellow Paper §4.1: accounts in a Merkle-Patricia trie keyed by keccak-256 of the
 * address, each account's storage in its own trie) as @ethereumjs/statemanager's `MerkleStateManager`
 * over the LMDB trie store, at a given state root.
 *
 * The executor keeps one state manager for the head; every read of the JSON-RPC (`eth_getBalance`,
 * `eth_call`, `eth_estimateGas`, at the head or an earlier block) gets its own, at that block's root,
 * so reads never see a block half executed and never disturb the executor. Nodes are shared (the
 * trie is content-addressed), so opening a state at a root is cheap. The trie hashes with `common`'s
 * keccak-256 (the WebAssembly core's, src/execution/chain.ts).
 */
import type { Common } from '@ethereumjs/common';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager';
import { ValueEncoding } from '@ethereumjs/util';
import type { TrieDb } from './trie-db.js';

/** A state manager over `db` at `root` (the empty state when undefined). */
export function openState(db: TrieDb, common: Common, root?: Uint8Array): MerkleStateManager {
  const trie = new MerklePatriciaTrie({ db, common, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, ...(root !== undefined && { root }) });
  return new MerkleStateManager({ trie, common, caches: new Caches() });
}
