/**
 * NodeStore on its own: a block commit is all-or-nothing and only extends the head (blocks stored before
 * the packed transactions layout still read); the indices it writes answer the pool's `IncludedView`
 * and it sets the next height's QBFT state (round 1); the pool database keeps arrival order; QBFT state
 * round-trips with its prepared block; gossiped entries queued by `addPendingLazily` reach the disk with the next
 * write (any), `flushPending` or `close`, and never when a block or a removal disposes of them first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleBlock, encodeHeader, genesisBlock, hex, parseTransaction, type Block } from '../../src/chain/index.js';
import { NodeStore } from '../../src/node/store.js';
import type { SignedBlock } from '../../src/node/types.js';
import { hexToBytes, signTransfers, testAccounts } from './wallets.js';

const CHAIN_ID = 905n;
const rules = { chainId: CHAIN_ID, maxBytes: 1 << 20 };

function signedBlock(block: Block, round = 1): SignedBlock {
  return { block, round, signingRoot: new Uint8Array(32).fill(round), signature: new Uint8Array(96).fill(7) };
}

describe('NodeStore', () => {
  let dir: string;
  let store: NodeStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dst-store-'));
    store = new NodeStore(dir);
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads blocks stored before the packed layout (raw transactions one by one) as it reads new ones', async () => {
    const [alice] = testAccounts(1, 'dst-store-legacy');
    const raws = (await signTransfers(alice!, Number(CHAIN_ID), 0, 3)).map(hexToBytes);
    const txs = raws.map((raw) => parseTransaction(raw, rules));
    const block1 = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesisBlock(CHAIN_ID).hash, timestampMs: 10n, proposer: 1 }, raws);
    await store.commitBlock(signedBlock(block1), txs, []);
    const packed = store.getBlock(1)!;
    // The record as an older node wrote it: `transactions`, no `transactionBytes`/`transactionEnds`.
    const blocks = (store as unknown as { blocks: { get(n: number): Record<string, unknown>; putSync(n: number, v: unknown): void } }).blocks;
    const { transactionBytes, transactionEnds, ...rest } = blocks.get(1);
    expect(transactionBytes).toBeInstanceOf(Uint8Array);
    expect(transactionEnds).toBeInstanceOf(Uint8Array);
    blocks.putSync(1, { ...rest, transactions: raws });
    expect(blocks.get(1).transactionBytes).toBeUndefined();
    const legacy = store.getBlock(1)!;
    expect(legacy.block.transactions.map(hex)).toEqual(raws.map(hex));
    expect(hex(legacy.block.hash)).toBe(hex(packed.block.hash));
    expect(legacy.signature).toEqual(packed.signature);
    for (const [i, tx] of txs.entries()) expect(hex(store.includedTransaction(tx.hash)!.raw)).toBe(hex(raws[i]!));
  });

  it('commits a block with its indices and pool removal in one transaction, and refuses one that does not extend the head', async () => {
    const [alice, bob] = testAccounts(2, 'dst-store');
    const raws = [...(await signTransfers(alice!, Number(CHAIN_ID), 0, 3)), ...(await signTransfers(bob!, Number(CHAIN_ID), 5, 2))].map(hexToBytes);
    const txs = raws.map((raw) => parseTransaction(raw, rules));
    for (const [i, raw] of raws.entries()) await store.addPending(i, raw);
    const genesis = genesisBlock(CHAIN_ID);
    const block1 = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesis.hash, timestampMs: 10n, proposer: 1 }, raws.slice(0, 4));
    await store.commitBlock(signedBlock(block1), txs.slice(0, 4), [0, 1, 2, 3]);

    expect(store.headNumber()).toBe(1);
    const stored = store.getBlock(1)!;
    expect(hex(stored.block.hash)).toBe(hex(block1.hash));
    expect(stored.block.transactions.map(hex)).toEqual(raws.slice(0, 4).map(hex));
    expect(stored.block.transactionHashes.map(hex)).toEqual(raws.slice(0, 4).map((raw) => hex(keccak_256(raw))));
    expect(store.blockNumberOf(block1.hash)).toBe(1);
    for (const [i, tx] of txs.slice(0, 4).entries()) expect(hex(store.includedTransaction(tx.hash)!.raw)).toBe(hex(raws[i]!));
    expect(store.transactionLocation(txs[3]!.hash)).toEqual({ blockNumber: 1, blockHash: block1.hash, index: 3 });
    expect(store.isIncluded(hex(txs[2]!.hash))).toBe(true);
    expect(store.isIncluded(hex(txs[4]!.hash))).toBe(false);
    expect(store.lastIncludedNonce(hex(txs[0]!.sender))).toBe(2n);
    expect(hex(txs[0]!.sender)).toBe(alice!.address.slice(2).toLowerCase());
    expect(store.lastIncludedNonce(hex(txs[3]!.sender))).toBe(5n);
    expect(store.pendingTransactions().map((e) => [e.sequence, hex(e.raw)])).toEqual([[4, hex(raws[4]!)]]);
    // the next height's QBFT state before its first vote, written with the block
    expect(store.qbftState()).toEqual({ height: 2, round: 1 });

    // Not the next height: nothing of it is written.
    const skipping = assembleBlock({ chainId: CHAIN_ID, number: 3, parentHash: block1.hash, timestampMs: 11n, proposer: 1 }, raws.slice(4));
    await expect(store.commitBlock(signedBlock(skipping), txs.slice(4), [4])).rejects.toThrow(/does not extend the stored head 1/);
    expect(store.headNumber()).toBe(1);
    expect(store.blockNumberOf(skipping.hash)).toBeUndefined();
    expect(store.isIncluded(hex(txs[4]!.hash))).toBe(false);
    expect(store.pendingTransactions()).toHaveLength(1);
    await expect(store.commitBlock(signedBlock(block1), txs.slice(0, 3), [])).rejects.toThrow(/expected 4 decoded transactions, got 3/);
  });

  it('keeps pool entries in arrival order across reopening, and QBFT state with its prepared block', async () => {
    const raws = (await signTransfers(testAccounts(1, 'dst-store-pool')[0]!, Number(CHAIN_ID), 0, 4)).map(hexToBytes);
    for (const sequence of [3, 0, 2]) await store.addPending(sequence, raws[sequence]!);
    await store.removePending([2]);
    const genesis = genesisBlock(CHAIN_ID);
    const value = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesis.hash, timestampMs: 5n, proposer: 1 }, raws.slice(0, 2));
    const prepares = [{ type: 'PREPARE' as const, height: 1, round: 3, sender: 0, valueId: hex(value.hash) }];
    await store.persistQbftState({ height: 1, round: 4, prepared: { round: 3, value, prepares } });
    await store.close();
    store = new NodeStore(dir);
    expect(store.pendingTransactions().map((e) => e.sequence)).toEqual([0, 3]);
    const state = store.qbftState()!;
    expect(state.height).toBe(1);
    expect(state.round).toBe(4);
    expect(state.prepared!.round).toBe(3);
    expect(hex(state.prepared!.value.hash)).toBe(hex(value.hash));
    expect(hex(encodeHeader(state.prepared!.value.header))).toBe(hex(encodeHeader(value.header)));
    expect(state.prepared!.value.transactions.map(hex)).toEqual(value.transactions.map(hex));
    expect(state.prepared!.prepares).toEqual(prepares);
  });

  it('writes lazily queued pool entries with the next write, and never those a block or a removal disposes of first', async () => {
    const [alice] = testAccounts(1, 'dst-store-lazy');
    const raws = (await signTransfers(alice!, Number(CHAIN_ID), 0, 6)).map(hexToBytes);
    const txs = raws.map((raw) => parseTransaction(raw, rules));
    const sequences = () => store.pendingTransactions().map((e) => e.sequence);

    store.addPendingLazily([{ sequence: 0, raw: raws[0]! }, { sequence: 1, raw: raws[1]! }]);
    expect(sequences()).toEqual([]); // queued, not written
    await store.persistQbftState({ height: 1, round: 1 }); // any write takes them along
    expect(sequences()).toEqual([0, 1]);

    // Queued, then included by the next block: the block's transaction neither writes nor needs to remove them.
    store.addPendingLazily([{ sequence: 2, raw: raws[2]! }, { sequence: 3, raw: raws[3]! }]);
    const genesis = genesisBlock(CHAIN_ID);
    const block1 = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesis.hash, timestampMs: 10n, proposer: 1 }, raws.slice(0, 3));
    await store.commitBlock(signedBlock(block1), txs.slice(0, 3), [0, 1, 2]);
    expect(sequences()).toEqual([3]);

    // Queued, then removed (expired): never written; flushPending writes the rest.
    store.addPendingLazily([{ sequence: 4, raw: raws[4]! }, { sequence: 5, raw: raws[5]! }]);
    await store.removePending([4]);
    expect(sequences()).toEqual([3, 5]);

    // A block that does not extend the head fails; what was queued stays queued for the next write.
    store.addPendingLazily([{ sequence: 6, raw: raws[5]! }]);
    await expect(store.commitBlock(signedBlock(block1), txs.slice(0, 3), [])).rejects.toThrow(/does not extend the stored head 1/);
    expect(sequences()).toEqual([3, 5]);
    await store.flushPending();
    expect(sequences()).toEqual([3, 5, 6]);

    // close() writes what is still queued.
    store.addPendingLazily([{ sequence: 7, raw: raws[5]! }]);
    await store.close();
    store = new NodeStore(dir);
    expect(sequences()).toEqual([3, 5, 6, 7]);
  });
});

describe('NodeStore signing guard in memory', () => {
  it('holds only the heights not yet stored: a stored block drops its height and those below', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dst-store-guard-'));
    const store = new NodeStore(dir);
    try {
      const genesis = genesisBlock(CHAIN_ID);
      const block1 = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesis.hash, timestampMs: 10n, proposer: 1 }, []);
      const block2 = assembleBlock({ chainId: CHAIN_ID, number: 2, parentHash: block1.hash, timestampMs: 11n, proposer: 1 }, []);
      await store.guardSigning(1, 1, block1.hash);
      await store.guardSigning(1, 2, block1.hash);
      await store.guardSigning(2, 1, block2.hash);
      await store.guardSigning(3, 1, new Uint8Array(32).fill(3));
      expect(store.guardSessionHeights()).toEqual([1, 2, 3]);
      await store.commitBlock(signedBlock(block1), [], []);
      await store.commitBlock(signedBlock(block2), [], []);
      expect(store.guardSessionHeights()).toEqual([3]);
      // The durable guard still refuses a second hash at a stored height.
      expect(() => store.guardSigning(1, 1, new Uint8Array(32).fill(9))).toThrow(/already signed/);
      expect(store.guardEntries()).toHaveLength(4);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
