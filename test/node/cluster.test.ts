/**
 * The cluster pipeline in one process (issue 7, "The pipeline"): four nodes started with `startNode`,
 * each with its own LMDB store and its own real libp2p host on loopback (identities and ports made
 * here), blocks travelling in consensus messages through `proposalCodec`. One node holds a wrong secret for its share (its public share in the cluster is the
 * right one), so every partial signature it sends is invalid: blocks must still be signed from the
 * three good partials (optimistic combine; t = 3 of n = 4). Checked independently of src/: every block
 * on every node verifies with blst against the group public key over a signing root recomputed with
 * noble keccak, and all nodes hold the same chain; no height writes a round-1 QBFT state of its own
 * (the previous block's commit carried it). A fifth check: a proposal whose transactions do not
 * match its header never reaches the state machine.
 */
import * as blst from '@chainsafe/blst';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DstMetrics } from '../../src/api/metrics.js';
import { assembleBlock, encodeHeader, genesisBlock, hex } from '../../src/chain/index.js';
import { createThresholdKey } from '../../src/crypto/index.js';
import type { NodeHandle, Sequencer, SignedBlock } from '../../src/node/index.js';
import { proposalCodec } from '../../src/node/wire.js';
import { waitFor } from '../helpers/net.js';
import { startInProcessCluster, type InProcessCluster } from './in-process-cluster.js';
import { referenceSigningRoot } from '../helpers/signing-root.js';
import { hexToBytes, signTransfers, testAccounts } from './wallets.js';

const CHAIN_ID = 4242;
const NODES = 4;
const THRESHOLD = 3;
/** 0-based index of the node whose share secret is wrong. */
const FAULTY = 3;
const SENDERS = 8;
const PER_SENDER = 6;

function verifiesAgainstGroupKey(signed: SignedBlock, groupPublicKey: Uint8Array): boolean {
  const hash = keccak_256(encodeHeader(signed.block.header));
  const root = referenceSigningRoot(BigInt(CHAIN_ID), signed.round, hash);
  return hex(hash) === hex(signed.block.hash) && blst.verify(root, blst.PublicKey.fromBytes(groupPublicKey), blst.Signature.fromBytes(signed.signature));
}

describe('a 4-node cluster in one process, one node with a wrong share', () => {
  let cluster: InProcessCluster;
  let nodes: NodeHandle[];
  const sequencers: Sequencer[] = [];
  let metrics: DstMetrics[];
  let groupPublicKey: Uint8Array;

  beforeAll(async () => {
    const impostor = createThresholdKey({ shares: NODES, threshold: THRESHOLD });
    cluster = await startInProcessCluster({
      nodes: NODES,
      threshold: THRESHOLD,
      chainId: BigInt(CHAIN_ID),
      blockTimeMs: 0,
      limits: { pool: { maxTransactions: 10_000, maxBytes: 16 << 20 }, block: { maxTransactions: 16, maxBytes: 1 << 20 } },
      shareFor: (i, key) => (i === FAULTY ? impostor.shares[i]! : key.shares[i]!),
    });
    ({ nodes, metrics } = cluster);
    groupPublicKey = cluster.key.groupPublicKey;
    sequencers.push(...nodes.map((node) => node.sequencer));
    await waitFor('every node ready', () => sequencers.every((sequencer) => sequencer.health().ready));
  });

  afterAll(() => cluster.stop());

  it('orders transactions sent to different nodes into one chain, signed despite the invalid partials', async () => {
    // Every QBFT state written from here on; a height started after a commit writes none of its own.
    const persisted = nodes.map((node) => vi.spyOn(node.store, 'persistQbftState'));
    const accounts = testAccounts(SENDERS, 'dst-cluster-test');
    const raws: Uint8Array[][] = [];
    for (const account of accounts) raws.push((await signTransfers(account, CHAIN_ID, 0, PER_SENDER)).map(hexToBytes));
    // Each sender's transactions go to one node, in nonce order; senders are spread over all nodes.
    await Promise.all(
      raws.map(async (list, s) => {
        for (const raw of list) await sequencers[s % NODES]!.submitTransaction(raw, 'test');
      }),
    );
    const total = SENDERS * PER_SENDER;
    const included = (node: number): number => {
      let count = 0;
      for (let n = 1; n <= sequencers[node]!.headNumber(); n++) count += sequencers[node]!.getBlockByNumber(n)!.block.transactions.length;
      return count;
    };
    await waitFor('every transaction included on every node', () => sequencers.every((_, i) => included(i) === total), 60_000);

    const head = sequencers[0]!.headNumber();
    expect(head).toBeGreaterThanOrEqual(Math.ceil(total / 16));
    const seen = new Set<string>();
    for (let n = 1; n <= head; n++) {
      const reference = sequencers[0]!.getBlockByNumber(n)!;
      expect(verifiesAgainstGroupKey(reference, groupPublicKey), `block ${n}`).toBe(true);
      for (const sequencer of sequencers) expect(hex(sequencer.getBlockByNumber(n)!.block.hash)).toBe(hex(reference.block.hash));
      for (const hash of reference.block.transactionHashes) {
        expect(seen.has(hex(hash))).toBe(false);
        seen.add(hex(hash));
      }
    }
    expect(seen.size).toBe(total);
    // Every node answers every sender's next nonce from its own store (eth_getTransactionCount).
    for (const sequencer of sequencers) {
      for (const account of accounts) {
        expect(sequencer.nextNonce(hexToBytes(account.address), false)).toBe(BigInt(PER_SENDER));
        expect(sequencer.nextNonce(hexToBytes(account.address), true)).toBe(BigInt(PER_SENDER));
      }
    }

    // The round-1 state of each height after the first came with the previous block's commit
    // (nextHeightState): the only QBFT states written for them are the machine's own (a prepared
    // certificate, or a later round). Height 1 follows genesis, which no commit stored.
    const roundOneWrites = persisted.flatMap((spy) => spy.mock.calls.map(([state]) => state).filter((state) => state.round === 1 && state.prepared === undefined));
    expect(roundOneWrites.every((state) => state.height === 1)).toBe(true);
    expect(roundOneWrites.length).toBeLessThanOrEqual(NODES);
    expect(persisted.every((spy) => spy.mock.calls.length > 0)).toBe(true);
    for (const node of nodes) expect(node.store.qbftState()?.height).toBeGreaterThan(node.store.headNumber());

    // The faulty node's partials were found invalid wherever a decision's quorum included them.
    const invalid = await Promise.all(metrics.map(async (m) => (await m.partialsInvalid.get()).values.reduce((sum, v) => sum + v.value, 0)));
    expect(invalid.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const m of metrics) {
      for (const { labels } of (await m.partialsInvalid.get()).values) expect(labels.peer).toBe(String(FAULTY + 1));
    }
  });

  it('refuses a proposed block whose transactions do not match its header', () => {
    const parent = genesisBlock(BigInt(CHAIN_ID));
    const block = assembleBlock(
      { chainId: BigInt(CHAIN_ID), number: 1, parentHash: parent.hash, timestampMs: 1n, proposer: 1 },
      [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)],
    );
    const [header, transactions] = proposalCodec.encode(block) as [Uint8Array, Uint8Array[]];
    expect(hex(proposalCodec.decode([header, transactions]).hash)).toBe(hex(block.hash));
    expect(() => proposalCodec.decode([header, [transactions[0]!]])).toThrow(/do not match the header/);
    expect(() => proposalCodec.decode([header, [transactions[1]!, transactions[0]!]])).toThrow(/do not match the header/);
    expect(() => proposalCodec.decode([header])).toThrow(/expected \[headerRlp, transactions\]/);
  });
});
