/**
 * Catch-up sync over real libp2p hosts on loopback, real LMDB stores in temporary directories and a
 * real threshold key: a chain of 150 signed blocks with real Ethereum transactions is held by honest
 * peers 1 and 2; peer 3 is honest or misbehaves in one way per test; node 0 syncs into a new store.
 */
import '../../src/p2p/polyfill.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleBlock, genesisBlock, hex, parseTransaction, rlpEncode, type Block } from '../../src/chain/index.js';
import { BLOCK_DOMAIN, WorkerPoolExecutor, combine, createThresholdKey, partialSign, signingRoot, type ThresholdKey } from '../../src/crypto/index.js';
import { NodeStore } from '../../src/node/store.js';
import { storedHead } from '../../src/node/committer.js';
import { catchUp, serveBlocks, type SyncProgress } from '../../src/node/sync.js';
import type { SignedBlock } from '../../src/node/types.js';
import { decodeWireBlock, encodeWireBlock } from '../../src/node/wire.js';
import { createClusterHost, type ClusterHost, type ClusterPeer } from '../../src/p2p/index.js';
import { makeSignedTransactions } from '../helpers/transactions.js';
import { freePort, waitFor } from '../helpers/net.js';

const CHAIN_ID = 1337n;
const BLOCKS = 150;
const K = 16;
const SYNCING = 0;
const MISBEHAVING = 3;

/** Ethereum's BLS ciphersuite (README "Formats"), for the independent check with noble. */
const POP_CIPHERSUITE = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

/** Peer 3's head in the 'behind' case. */
const BEHIND_HEAD = 100;

type Misbehaviour = 'honest' | 'behind' | 'bad signature' | 'broken linkage' | 'tampered transaction' | 'malformed bytes';

function sign(key: ThresholdKey, block: Block, round: number): SignedBlock {
  const root = signingRoot(BLOCK_DOMAIN, CHAIN_ID, round, block.hash);
  const signature = combine(key.shares.slice(0, key.threshold).map((share) => partialSign(share, root)));
  return { block, round, signingRoot: root, signature };
}

/** Blocks 1..BLOCKS with two transactions each (every tenth empty), decided in rounds 1..3. */
function buildChain(key: ThresholdKey): SignedBlock[] {
  const transactions = makeSignedTransactions(2 * BLOCKS, { chainId: Number(CHAIN_ID) });
  const chain: SignedBlock[] = [];
  let parent = genesisBlock(CHAIN_ID);
  for (let n = 1; n <= BLOCKS; n++) {
    const txs = n % 10 === 0 ? [] : transactions.slice(2 * n - 2, 2 * n);
    const block = assembleBlock({ chainId: CHAIN_ID, number: n, parentHash: parent.hash, timestampMs: 1_700_000_000_000n + BigInt(n) * 250n, proposer: 1 + (n % 4) }, txs);
    chain.push(sign(key, block, 1 + (n % 3)));
    parent = block;
  }
  return chain;
}

async function storeChain(store: NodeStore, chain: readonly SignedBlock[]): Promise<void> {
  for (const signed of chain) {
    const transactions = signed.block.transactions.map((raw) => parseTransaction(raw, { chainId: CHAIN_ID, maxBytes: Number.MAX_SAFE_INTEGER }));
    await store.commitBlock(signed, transactions, []);
  }
}

describe('catch-up sync (real libp2p, LMDB, threshold BLS)', () => {
  const hosts: ClusterHost<unknown>[] = [];
  const stores: NodeStore[] = [];
  const dirs: string[] = [];
  /** The first block number of each request each peer answered. */
  const served: number[][] = [[], [], [], []];
  const resetServed = (): void => served.forEach((firsts) => firsts.splice(0));
  let misbehaviour: Misbehaviour = 'honest';
  let key: ThresholdKey;
  let chain: SignedBlock[];
  let executor: WorkerPoolExecutor;

  const newStore = async (): Promise<NodeStore> => {
    const dir = await mkdtemp(join(tmpdir(), 'dst-sync-'));
    dirs.push(dir);
    const store = new NodeStore(dir);
    stores.push(store);
    return store;
  };

  /** What peer 3 does: answers honestly, as a node whose head is BEHIND_HEAD, or forges the first block
   * with transactions in each answer. */
  const misbehave = (blocks: Uint8Array[]): Uint8Array[] => {
    if (misbehaviour === 'behind') return blocks.filter((bytes) => decodeWireBlock(bytes).header.number <= BEHIND_HEAD);
    const target = blocks.findIndex((bytes) => decodeWireBlock(bytes).transactions.length > 0);
    if (misbehaviour === 'honest' || target < 0) return blocks;
    const wire = decodeWireBlock(blocks[target]!);
    const original = chain[wire.header.number - 1]!;
    const { header } = original.block;
    let forged: Uint8Array;
    switch (misbehaviour) {
      case 'bad signature': // a valid signature, of another block
        forged = encodeWireBlock({ ...original, signature: chain[header.number % BLOCKS]!.signature });
        break;
      case 'broken linkage': {
        // Correctly signed by the group key, but on a fork: its parent is not the chain's block n-1.
        const fork = assembleBlock({ ...header, parentHash: new Uint8Array(32).fill(7) }, original.block.transactions);
        forged = encodeWireBlock(sign(key, fork, original.round));
        break;
      }
      case 'tampered transaction': {
        const transactions = [...original.block.transactions];
        transactions[0] = chain.find((s) => s.block.transactions.length > 0 && s !== original)!.block.transactions[0]!;
        forged = rlpEncode([decodeWireBlock(blocks[target]!).headerBytes, transactions, Uint8Array.of(original.round), original.signature]);
        break;
      }
      case 'malformed bytes':
        forged = Uint8Array.from([...blocks[target]!.subarray(0, 40), 0xff, 0xff]);
        break;
    }
    return blocks.map((bytes, i) => (i === target ? forged : bytes));
  };

  beforeAll(async () => {
    key = createThresholdKey({ shares: 4, threshold: 3 });
    chain = buildChain(key);
    executor = new WorkerPoolExecutor({ workers: 2 });
    const identities = await Promise.all([0, 1, 2, 3].map(() => generateKeyPair('Ed25519')));
    const peers: ClusterPeer[] = [];
    for (const [index, identity] of identities.entries()) {
      peers.push({ index, peerId: peerIdFromPrivateKey(identity).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
    }
    const full = [await newStore(), await newStore()];
    for (const store of full) await storeChain(store, chain);
    for (const [index, identity] of identities.entries()) {
      const host = await createClusterHost<unknown>({ identity, listen: peers[index]!.addrs, peers, limits: { syncMaxBlocks: K } });
      hosts.push(host);
      if (index === SYNCING) continue;
      serveBlocks(
        {
          provideBlocks: (provider) =>
            host.provideBlocks(async (first, last) => {
              served[index]!.push(first);
              const blocks = await provider(first, last);
              return index === MISBEHAVING ? misbehave(blocks) : blocks;
            }),
        },
        full[index === 1 ? 0 : 1]!,
      );
    }
    await waitFor('node 0 connected to its three peers', () => hosts[SYNCING]!.connectedPeers().length === 3);
  });

  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await Promise.all(stores.map((store) => store.close()));
    await executor?.close();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const sync = (store: NodeStore, progress: SyncProgress[] = []) =>
    catchUp({
      host: hosts[SYNCING]!,
      head: storedHead(store, CHAIN_ID),
      commit: (signed, transactions) => store.commitBlock(signed, transactions, []),
      executor,
      groupPublicKey: key.groupPublicKey,
      chainId: CHAIN_ID,
      onProgress: (p) => progress.push(p),
    });

  /** The store holds exactly the source chain, byte for byte, with its transactions indexed. */
  const expectIdenticalChain = (store: NodeStore): void => {
    expect(store.headNumber()).toBe(BLOCKS);
    for (const signed of chain) {
      const stored = store.getBlock(signed.block.header.number)!;
      expect(hex(encodeWireBlock(stored))).toBe(hex(encodeWireBlock(signed)));
      expect(hex(stored.signingRoot)).toBe(hex(signed.signingRoot));
      for (const [index, hash] of signed.block.transactionHashes.entries()) {
        expect(store.transactionLocation(hash)).toEqual({ blockNumber: signed.block.header.number, blockHash: signed.block.hash, index });
      }
    }
  };

  it('a fresh node catches up across several ranges spread over three peers and ends with the identical chain', async () => {
    misbehaviour = 'honest';
    resetServed();
    const store = await newStore();
    const progress: SyncProgress[] = [];
    const result = await sync(store, progress);
    expect(result).toEqual({ head: BLOCKS, stored: BLOCKS, rejected: [] });
    expectIdenticalChain(store);
    expect(served.slice(1).every((firsts) => firsts.length > 0)).toBe(true);
    expect(progress.length).toBe(Math.ceil(BLOCKS / K));
    expect(progress.map((p) => p.current)).toEqual(progress.map((_, i) => Math.min((i + 1) * K, BLOCKS)));
    expect(progress.every((p, i) => p.target >= p.current && p.target <= BLOCKS && (i === 0 || p.target >= progress[i - 1]!.target))).toBe(true);
    expect(progress.at(-1)).toEqual({ current: BLOCKS, target: BLOCKS });
    // Independently (noble): the stored signing roots follow the README formula and the signatures verify.
    for (const n of [1, 75, BLOCKS]) {
      const { block, round, signingRoot: root, signature } = store.getBlock(n)!;
      const word = (value: bigint): Uint8Array => Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
      const domain = new Uint8Array(32);
      domain.set(new TextEncoder().encode('dst.block.v1'));
      expect(hex(root)).toBe(hex(keccak_256(Uint8Array.from([...domain, ...word(CHAIN_ID), ...word(BigInt(round)), ...block.hash]))));
      const bls = bls12_381.longSignatures;
      expect(bls.verify(bls.Signature.fromBytes(signature), bls.hash(root, POP_CIPHERSUITE), key.groupPublicKey)).toBe(true);
    }
  });

  it('a node that is part of the way behind fetches only what it lacks', async () => {
    misbehaviour = 'honest';
    const store = await newStore();
    await storeChain(store, chain.slice(0, 70));
    const result = await sync(store);
    expect(result).toEqual({ head: BLOCKS, stored: BLOCKS - 70, rejected: [] });
    expectIdenticalChain(store);
  });

  it('a peer that is itself behind is not asked again past its head, and the node completes from the others', async () => {
    misbehaviour = 'behind';
    resetServed();
    const store = await newStore();
    const result = await sync(store);
    expect(result).toEqual({ head: BLOCKS, stored: BLOCKS, rejected: [] });
    expect(served[MISBEHAVING]!.filter((first) => first > BEHIND_HEAD)).toHaveLength(1);
    expectIdenticalChain(store);
  });

  it.each([
    ['bad signature', /block \d+: signature does not verify against the group public key/],
    ['broken linkage', /block \d+: parent hash 0x0707\w+ is not 0x\w+ \(block \d+\)/],
    ['tampered transaction', /block \d+: its 2 transactions \(root 0x\w+\) do not match the header's transactionsRoot 0x\w+ and transactionCount 2/],
    ['malformed bytes', /block \d+: malformed: /],
  ] as const)('a peer serving a block with a %s is named and dropped, and the node completes from honest peers', async (kind, reason) => {
    misbehaviour = kind;
    resetServed();
    const store = await newStore();
    const result = await sync(store);
    expect(served[MISBEHAVING]!.length).toBeGreaterThan(0);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]!.peer).toBe(MISBEHAVING);
    expect(result.rejected[0]!.reason).toMatch(/^sent a bad block: /);
    expect(result.rejected[0]!.reason).toMatch(reason);
    expect(result.head).toBe(BLOCKS);
    expectIdenticalChain(store);
  });

  it('a node already at the head stores nothing and reports no progress', async () => {
    misbehaviour = 'honest';
    resetServed();
    const store = await newStore();
    await storeChain(store, chain);
    const progress: SyncProgress[] = [];
    const result = await sync(store, progress);
    expect(result).toEqual({ head: BLOCKS, stored: 0, rejected: [] });
    expect(progress).toEqual([]);
    expect(served.slice(1).every((firsts) => firsts.includes(BLOCKS + 1))).toBe(true);
    expectIdenticalChain(store);
  });

  it('rejects malformed wire blocks with a clear message', () => {
    const good = encodeWireBlock(chain[0]!);
    const { headerBytes, transactions, signature } = decodeWireBlock(good);
    expect(() => decodeWireBlock(rlpEncode([headerBytes, transactions, new Uint8Array(0), signature]))).toThrow(/round: expected an integer ≥ 1/);
    expect(() => decodeWireBlock(rlpEncode([headerBytes, transactions, Uint8Array.of(1), signature.subarray(1)]))).toThrow(/signature: expected 96 bytes, got 95 bytes/);
    expect(() => decodeWireBlock(rlpEncode([headerBytes, transactions, Uint8Array.of(1)]))).toThrow(/expected an RLP list of 4 items/);
  });
});
