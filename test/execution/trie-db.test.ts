/**
 * The trie store's per-block drain (src/execution/trie-db.ts): of the nodes a block's updates wrote, it
 * keeps exactly those the final state root reaches — through the account trie into each account's
 * storage trie — plus code and deletions, so the state stays whole on disk while the superseded
 * intermediate nodes are never written. Checked on a real LMDB and @ethereumjs/mpt tries: the kept
 * nodes alone (nothing else on disk) answer every account and slot, they are exactly the nodes a
 * walk of both tries visits, and they are fewer than what was written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { Account, ValueEncoding } from '@ethereumjs/util';
import { open, type RootDatabase } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/wasm/index.js';
import { TrieDb } from '../../src/execution/trie-db.js';

const dir = mkdtempSync(join(tmpdir(), 'dst-trie-db-'));
const env: RootDatabase = open({ path: dir, maxDbs: 2 });
const nodes = env.openDB<Buffer, Buffer>({ name: 'trie', encoding: 'binary' });
afterAll(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

const key = (i: number) => keccak256(Uint8Array.of(i >> 8, i & 255));
const trieOver = (db: TrieDb, root?: Uint8Array) => new MerklePatriciaTrie({ db, useKeyHashing: false, valueEncoding: ValueEncoding.Bytes, ...(root !== undefined && { root }) });

/** The hashes of every node a walk from the trie's root visits (all stored by hash: leaves here are over 32 bytes). */
async function walk(trie: MerklePatriciaTrie): Promise<Set<string>> {
  const seen = new Set<string>();
  await trie.walkAllNodes(async (node) => {
    seen.add(Buffer.from(keccak256(node.serialize())).toString('hex'));
  });
  return seen;
}

describe('TrieDb.drain(stateRoot)', () => {
  it('keeps exactly the nodes the final state reaches (accounts and their storage), code and deletions', async () => {
    const db = new TrieDb(nodes);
    // a storage trie of 40 slots (32-byte values, so every node is stored by hash), updated twice
    const storage = trieOver(db.shallowCopy());
    for (let round = 0; round < 2; round++) for (let i = 0; i < 40; i++) await storage.put(key(1000 + i), keccak256(Uint8Array.of(round, i)));
    // 60 accounts, one of them with that storage; each written, then its balance changed
    const accounts = trieOver(db);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 60; i++) {
        const account = new Account(BigInt(i), BigInt(round * 1000 + i), i === 7 ? storage.root() : undefined);
        await accounts.put(key(i), account.serialize());
      }
    }
    await db.put(`63${'ab'.repeat(32)}`, Uint8Array.of(0x60, 0x00)); // a code entry: not a 32-byte node key
    await db.del('cd'.repeat(32));
    const written = db.pendingWrites;
    const kept = db.drain(accounts.root());
    expect(db.pendingWrites).toBe(0);

    // only the kept writes, nothing on disk: every account and slot of the final state is readable
    const alone = new TrieDb(nodes, new Map(kept));
    const accountsAgain = trieOver(alone, accounts.root());
    for (let i = 0; i < 60; i++) expect(await accountsAgain.get(key(i))).toEqual(new Account(BigInt(i), BigInt(1000 + i), i === 7 ? storage.root() : undefined).serialize());
    const storageAgain = trieOver(alone.shallowCopy(), storage.root());
    for (let i = 0; i < 40; i++) expect(await storageAgain.get(key(1000 + i))).toEqual(keccak256(Uint8Array.of(1, i)));

    // and nothing more: the kept nodes are those the two walks visit
    const reachable = new Set([...(await walk(accountsAgain)), ...(await walk(storageAgain))]);
    const keptNodes = [...kept.keys()].filter((k) => k.length === 64 && kept.get(k) !== null);
    expect(new Set(keptNodes)).toEqual(reachable);
    expect(kept.get(`63${'ab'.repeat(32)}`)).toEqual(Uint8Array.of(0x60, 0x00));
    expect(kept.get('cd'.repeat(32))).toBeNull();
    expect(kept.size).toBeLessThan(written);
  });

  it('without a root, drains every write', async () => {
    const db = new TrieDb(nodes);
    const trie = trieOver(db);
    for (let i = 0; i < 20; i++) await trie.put(key(i), keccak256(Uint8Array.of(i)));
    await trie.put(key(0), keccak256(Uint8Array.of(99)));
    const written = db.pendingWrites;
    expect(db.drain().size).toBe(written);
  });
});
