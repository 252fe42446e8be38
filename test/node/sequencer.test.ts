/**
 * The single-node pipeline in process, started with `startNode` on a 1-of-1 key made in memory:
 * transactions in, signed blocks out; each block signature checked with blst (@chainsafe/blst) over a
 * signing root recomputed with @noble/hashes; restart from the LMDB store; the equivocation guard;
 * resuming an undecided height from its persisted QBFT lock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as blst from '@chainsafe/blst';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createThresholdKey, MainThreadExecutor } from '../../src/crypto/index.js';
import { assembleBlock, encodeHeader, hex, parseTransaction } from '../../src/chain/index.js';
import { NodeStore, SigningGuardViolation, startNode, type NodeHandle, type NodeKey, type Sequencer, type SignedBlock } from '../../src/node/index.js';
import { referenceSigningRoot } from '../helpers/signing-root.js';
import { hexToBytes, signTransfers, testAccounts } from './wallets.js';

const CHAIN_ID = 901n;

function verifyBlock(signed: SignedBlock, groupPublicKey: Uint8Array): boolean {
  const root = referenceSigningRoot(CHAIN_ID, signed.round, signed.block.hash);
  expect(hex(signed.signingRoot)).toBe(hex(root));
  expect(hex(signed.block.hash)).toBe(hex(keccak_256(encodeHeader(signed.block.header))));
  return blst.verify(root, blst.PublicKey.fromBytes(groupPublicKey), blst.Signature.fromBytes(signed.signature));
}

describe('Sequencer (single node, in process)', () => {
  let dir: string;
  let dbPath: string;
  let key: NodeKey;
  /** What the test opened and afterEach closes. */
  const open: Array<{ stop(): Promise<void> }> = [];

  async function start(options: { blockTimeMs?: number } = {}) {
    const node = await startNode({
      dbPath,
      chainId: CHAIN_ID,
      key,
      blockTimeMs: options.blockTimeMs ?? 0,
      limits: { pool: { maxTransactions: 10_000, maxBytes: 16 << 20 }, block: { maxTransactions: 64, maxBytes: 1 << 20 } },
      logger: pino({ level: 'silent' }),
      executor: new MainThreadExecutor(),
    });
    open.push(node);
    return node;
  }

  async function stop(node: NodeHandle) {
    await node.stop();
    open.splice(open.indexOf(node), 1);
  }

  function waitForHeadTransactions(sequencer: Sequencer, hashes: Uint8Array[]): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (hashes.every((h) => sequencer.getTransaction(h)?.location)) {
          unsubscribe();
          resolve();
        }
      };
      const unsubscribe = sequencer.onBlock(check);
      check();
    });
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dst-node-'));
    dbPath = join(dir, 'db');
    const { shares, publicShares, groupPublicKey } = createThresholdKey({ shares: 1, threshold: 1 });
    key = { share: shares[0]!, publicShares: [...publicShares], groupPublicKey, threshold: 1 };
  });

  afterEach(async () => {
    for (const node of open.splice(0)) await node.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('orders, signs and stores every accepted transaction once, in nonce order per sender; survives a restart', async () => {
    const node = await start();
    const accounts = testAccounts(5);
    const batches = await Promise.all(accounts.map((a) => signTransfers(a, Number(CHAIN_ID), 0, 40)));
    const published: SignedBlock[] = [];
    node.sequencer.onBlock((b) => published.push(b));
    // Interleave senders, as concurrent clients would.
    const raws = batches[0]!.flatMap((_, i) => batches.map((b) => hexToBytes(b[i]!)));
    const hashes = await Promise.all(raws.map((raw) => node.sequencer.submitTransaction(raw, 'test')));
    await waitForHeadTransactions(node.sequencer, hashes);

    const head = node.sequencer.headNumber();
    expect(head).toBeGreaterThan(1); // 200 transactions, at most 64 per block
    expect(published.map((b) => b.block.header.number)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    const seen = new Map<string, number>();
    const nextNonce = new Map<string, bigint>();
    let parent = node.sequencer.getBlockByNumber(0)!.block;
    for (let n = 1; n <= head; n++) {
      const signed = node.sequencer.getBlockByNumber(n)!;
      expect(verifyBlock(signed, key.groupPublicKey)).toBe(true);
      expect(hex(signed.block.header.parentHash)).toBe(hex(parent.hash));
      expect(hex(node.sequencer.getBlockByHash(signed.block.hash)!.block.hash)).toBe(hex(signed.block.hash));
      const recomputed = assembleBlock(signed.block.header, signed.block.transactions);
      expect(hex(recomputed.hash)).toBe(hex(signed.block.hash));
      signed.block.transactions.forEach((raw, index) => {
        const tx = parseTransaction(raw, { chainId: CHAIN_ID, maxBytes: 1 << 20 });
        const sender = hex(tx.sender);
        expect(tx.nonce).toBe(nextNonce.get(sender) ?? 0n);
        nextNonce.set(sender, tx.nonce + 1n);
        seen.set(hex(tx.hash), (seen.get(hex(tx.hash)) ?? 0) + 1);
        const location = node.sequencer.getTransaction(tx.hash)!.location!;
        expect(location.blockNumber).toBe(n);
        expect(location.index).toBe(index);
      });
      parent = signed.block;
    }
    expect(seen.size).toBe(raws.length);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    for (const hash of hashes) expect(seen.has(hex(hash))).toBe(true);

    // A duplicate and a stale nonce are rejected with their reasons.
    await expect(node.sequencer.submitTransaction(raws[0]!, 'test')).rejects.toMatchObject({ reason: 'already-included' });
    const stale = hexToBytes((await signTransfers(accounts[0]!, Number(CHAIN_ID), 3, 1))[0]!);
    const staleDifferent = await accounts[0]!.signTransaction({ type: 'legacy', chainId: Number(CHAIN_ID), nonce: 3, to: accounts[1]!.address, gas: 21_000n, gasPrice: 7n });
    expect(hex(stale)).toBe(hex(raws[3 * 5]!)); // deterministic signing: the same bytes as the included one
    await expect(node.sequencer.submitTransaction(hexToBytes(staleDifferent), 'test')).rejects.toMatchObject({ reason: 'nonce-too-low' });

    // Restart: head, blocks and indices come back from LMDB, and the chain continues from there.
    await stop(node);
    const again = await start();
    expect(again.sequencer.headNumber()).toBe(head);
    const more = await signTransfers(accounts[2]!, Number(CHAIN_ID), 40, 3);
    const moreHashes = await Promise.all(more.map((raw) => again.sequencer.submitTransaction(hexToBytes(raw), 'test')));
    await waitForHeadTransactions(again.sequencer, moreHashes);
    const next = again.sequencer.getBlockByNumber(head + 1)!;
    expect(hex(next.block.header.parentHash)).toBe(hex(parent.hash));
    expect(verifyBlock(next, key.groupPublicKey)).toBe(true);
  });

  it('keeps accepted transactions across a restart before they are included', async () => {
    // Accept into the pool database without running block production, then start a node on it.
    const store = new NodeStore(dbPath);
    const raws = (await signTransfers(testAccounts(1)[0]!, Number(CHAIN_ID), 0, 5)).map(hexToBytes);
    for (const [i, raw] of raws.entries()) await store.addPending(i, raw);
    await store.close();
    const node = await start();
    await waitForHeadTransactions(node.sequencer, raws.map((raw) => keccak_256(raw)));
    expect(node.store.pendingTransactions()).toEqual([]);
  });

  it('the equivocation guard refuses a second hash for one (height, round) and allows other rounds', async () => {
    const store = new NodeStore(dbPath);
    open.push({ stop: () => store.close() });
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    await store.guardSigning(5, 1, a);
    await store.guardSigning(5, 1, a);
    expect(() => store.guardSigning(5, 1, b)).toThrow(SigningGuardViolation);
    expect(() => store.guardSigning(5, 1, b)).toThrow(/already signed 0x0101/);
    await store.guardSigning(5, 2, b);
    expect(store.guardEntries().map((e) => [e.height, e.round, hex(e.blockHash)])).toEqual([
      [5, 1, hex(a)],
      [5, 2, hex(b)],
    ]);
  });

  it('resumes an undecided height with its persisted lock and signs the locked block in a later round', async () => {
    const raws = (await signTransfers(testAccounts(1)[0]!, Number(CHAIN_ID), 0, 2)).map(hexToBytes);
    const genesis = (await import('../../src/chain/index.js')).genesisBlock(CHAIN_ID);
    const locked = assembleBlock({ chainId: CHAIN_ID, number: 1, parentHash: genesis.hash, timestampMs: BigInt(Date.now()), proposer: 1 }, raws);
    // As if the node crashed after committing to `locked` in round 1 of height 1 (signed it, did not store it).
    const store = new NodeStore(dbPath);
    await store.persistQbftState({
      height: 1,
      round: 1,
      prepared: { round: 1, value: locked, prepares: [{ type: 'PREPARE', height: 1, round: 1, sender: 0, valueId: hex(locked.hash) }] },
    });
    await store.guardSigning(1, 1, locked.hash);
    await store.close();

    const node = await start();
    // No transaction submitted: the node still finishes the height it locked, with the locked block.
    const block = await new Promise<SignedBlock>((resolve) => {
      const existing = node.sequencer.getBlockByNumber(1);
      if (existing) resolve(existing);
      else node.sequencer.onBlock(resolve);
    });
    expect(hex(block.block.hash)).toBe(hex(locked.hash));
    expect(block.round).toBe(2);
    expect(verifyBlock(block, key.groupPublicKey)).toBe(true);
    expect(node.store.guardEntries().map((e) => [e.height, e.round, hex(e.blockHash)])).toEqual([
      [1, 1, hex(locked.hash)],
      [1, 2, hex(locked.hash)],
    ]);
  });
});
