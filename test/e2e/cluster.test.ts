/**
 * The distributed sequencer end to end (issue 7, "Tests"): real `dst run --dir` processes on loopback,
 * real libp2p, real LMDB, transactions sent by viem over each node's JSON-RPC; every block read back
 * with dst_getSignedBlock and checked independently of src/ (./cluster-process.ts: noble keccak-256,
 * blst, @ethereumjs). The scenarios run one after another in this file (each cluster is several
 * processes; the machine has two cores):
 *
 * 1. 4 nodes: 1,000 transactions spread over all four RPCs; each included exactly once; identical
 *    chains; every block verifies; round-1 proposers follow the leader rule (docs/qbft.md: round-robin,
 *    skipping operators that failed as round-1 leader in the window).
 *    Then, on the same cluster, bad start-ups and bad peers: a node given another node's keystore or a
 *    lock whose hash does not match exits with code 1 naming the file; garbage TCP on a node's p2p port,
 *    malformed frames on every DST protocol and well-signed nonsense consensus messages from a real
 *    libp2p peer holding an operator's identity leave the nodes running and producing; the repaired
 *    node then rejoins.
 * 2. 4 nodes under load: SIGKILL the leader of the next height, blocks continue without it, and the
 *    leader rule skips it as round-1 leader for the rest of its window; restart it: it syncs and
 *    proposes again; SIGKILL 2 of 4: no block while transactions are pending; restart
 *    one: production resumes. No height ever has two different blocks on any node (killed ones too).
 * 3. 7 nodes, threshold 5: keeps producing with 2 nodes stopped.
 *
 * No wall-clock threshold is asserted: waits are generous (the round-1 timeout fits the network, at
 * most 4 s, growing per round).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { RLP } from '@ethereumjs/rlp';
import { identify } from '@libp2p/identify';
import type { Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_LOCK_FILE, IDENTITY_KEY_FILE, KEYS_DIR, readIdentityKey } from '../../src/cluster/index.js';
import type { QbftMessage } from '../../src/consensus/qbft/types.js';
import { CONSENSUS_FRAME_MAX_BYTES, CONSENSUS_PROTOCOL, ConsensusCodec, SYNC_PROTOCOL, TX_PROTOCOL, encodeFrame } from '../../src/p2p/index.js';
import { bytes, rpc } from './node-process.js';
import {
  assertIdenticalChains,
  blockNumber,
  conflictingHeights,
  hashesByHeight,
  includedTransactions,
  leaderOf,
  loggedChain,
  quietHeads,
  REPUTATION_WINDOW,
  readChain,
  settledHead,
  startTransactionLoad,
  TestCluster,
  unsafeHeights,
  verifyChain,
  waitForHeight,
  waitForInclusion,
  waitForLog,
  waitForReady,
  type SignedBlockJson,
  type TransactionLoad,
} from './cluster-process.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the chains of `nodes` at their heads, checks each one independently, and that they are identical. */
async function checkedChains(cluster: TestCluster, nodes: readonly number[]): Promise<Map<number, SignedBlockJson[]>> {
  const chains = new Map<number, SignedBlockJson[]>();
  for (const i of nodes) {
    const chain = await readChain(cluster.node(i)!.url);
    await verifyChain(chain, cluster.groupPublicKey, cluster.lock.chainId);
    chains.set(i, chain);
  }
  assertIdenticalChains(chains);
  return chains;
}

/**
 * Every acknowledged transaction appears exactly once in `chain`; with `exactly`, nothing else does.
 * A failure names the transaction's sender, nonce and node, and what that node says of it.
 */
async function expectIncludedOnce(cluster: TestCluster, load: TransactionLoad, chain: readonly SignedBlockJson[], exactly = true): Promise<void> {
  const included = includedTransactions(chain);
  for (const [hash, { sender, nonce, node }] of load.acknowledged) {
    if (included.get(hash) === 1) continue;
    const senderNonces = [...load.acknowledged].filter(([h, a]) => a.sender === sender && included.has(h)).map(([, a]) => a.nonce).sort((a, b) => a - b);
    const answers = await Promise.all(
      cluster.indices().map(async (i) => `node ${i}: ${cluster.node(i) ? JSON.stringify((await rpc(cluster.node(i)!.url, 'eth_getTransactionByHash', [hash])).result ?? null) : 'down'}`),
    );
    expect.fail(
      `acknowledged ${hash} (sender ${sender}, nonce ${nonce}, by node ${node}) is in the chain ${included.get(hash) ?? 0} times ` +
        `(the chain has ${chain.length} blocks and this sender's nonces ${senderNonces.join(',')}); ${answers.join('; ')}`,
    );
  }
  if (exactly) expect(included.size).toBe(load.acknowledged.size);
}

/** Header field 4 (README "Block header"): the proposer's share index. */
const proposerOf = (block: SignedBlockJson): number => {
  const field = (RLP.decode(bytes(block.header)) as Uint8Array[])[4]!;
  return field.length === 0 ? 0 : Number(BigInt(`0x${Buffer.from(field).toString('hex')}`));
};

/** The p2p address of node i with its peer id, as a libp2p peer dials it. */
const dialAddress = (cluster: TestCluster, i: number) =>
  multiaddr(`/ip4/127.0.0.1/tcp/${cluster.p2pPorts[i - 1]}/p2p/${cluster.lock.operators[i - 1]!.peerId}`);

/** Resolves when the remote side has closed or reset `stream`. */
function closed(stream: Stream): Promise<void> {
  if (stream.status !== 'open') return Promise.resolve();
  return new Promise((resolve) => stream.addEventListener('close', () => resolve(), { once: true }));
}

describe('4 nodes: 1,000 transactions over every RPC, then bad start-ups and bad peers', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.create({ nodes: 4, chainId: 911n, blockTimeMs: 0 });
    await cluster.startAll();
    await Promise.all(cluster.indices().map((i) => waitForReady(cluster.node(i)!)));
  });

  afterAll(async () => {
    await cluster?.shutdown();
  });

  it('includes every acknowledged transaction exactly once in identical, verified chains', async () => {
    const senders = 20;
    const load = startTransactionLoad({
      chainId: Number(cluster.lock.chainId),
      senders,
      seed: 'dst-cluster-viem',
      perSender: 50,
      intervalMs: 0,
      // Each sender sticks to one node, so that node sees its nonces in order; senders spread over all four.
      target: (s) => ({ index: (s % 4) + 1, url: cluster.node((s % 4) + 1)!.url }),
    });
    await load.finished;
    expect(load.failures).toEqual([]);
    expect(load.acknowledged.size).toBe(1000);
    for (let i = 1; i <= 4; i++) expect([...load.acknowledged.values()].filter((a) => a.node === i)).toHaveLength(250);

    const nodes = cluster.indices().map((i) => cluster.node(i)!);
    await waitForInclusion(load.lastAcknowledged(), nodes.map((node) => node.url));
    // No transactions left, so no more blocks: every node settles at the same head.
    const head = await settledHead(nodes);

    const chains = await checkedChains(cluster, cluster.indices());
    const chain = chains.get(1)!;
    expect(chain.length).toBe(head);
    await expectIncludedOnce(cluster, load, chain);
    // In round 1 the builder is the leader the rule names from the chain below it.
    const roundOne = chain.filter((block) => block.round === 1);
    expect(roundOne.length).toBeGreaterThan(0);
    const proposerAt = (height: number): number => proposerOf(chain[height - 1]!);
    for (const block of roundOne) expect(proposerOf(block), `block ${Number(block.number)}`).toBe(leaderOf(Number(block.number), 1, 4, proposerAt));
    expect(conflictingHeights(hashesByHeight(cluster, [...chains.values()]))).toEqual([]);
  });

  it('refuses a wrong keystore and a lock with a bad hash (exit 1, naming the file); survives garbage on the p2p port and streams', async () => {
    expect(await cluster.stop(1)).toBe(0);
    expect(cluster.processes(1)[0]!.logs.at(-1)).toMatchObject({ msg: 'stopped', exitCode: 0 });
    const nodeDir = cluster.nodeDir(1);
    const others = [2, 3, 4];
    // Load on the three running nodes throughout: they must keep producing.
    const load = startTransactionLoad({
      chainId: Number(cluster.lock.chainId),
      senders: 3,
      seed: 'dst-cluster-faults',
      intervalMs: 50,
      target: (s) => ({ index: others[s]!, url: cluster.node(others[s]!)!.url }),
    });
    const expectProducing = async (): Promise<void> => {
      const head = await blockNumber(cluster.node(2)!.url);
      await Promise.all(others.map((i) => waitForHeight(cluster.node(i)!, head + 2)));
    };

    /** Starts node 1 expecting it to fail at start-up; returns the fatal line's error message. */
    const failedStart = async (): Promise<string> => {
      const started = cluster.spawn(1);
      expect(await started.exited).toBe(1);
      const fatal = started.logs.find((line) => line.msg === 'the node failed');
      expect(fatal, `stderr: ${started.stderr()}`).toBeDefined();
      return fatal!.err.message as string;
    };

    // Another node's keystore and password, under this node's file names: the share is not this operator's.
    const keys = join(nodeDir, KEYS_DIR);
    const ownKeystore = join(keys, 'keystore-share-1.json');
    const ownPassword = join(keys, 'keystore-share-1.txt');
    await rename(ownKeystore, `${ownKeystore}.saved`);
    await rename(ownPassword, `${ownPassword}.saved`);
    await copyFile(join(cluster.nodeDir(2), KEYS_DIR, 'keystore-share-2.json'), ownKeystore);
    await copyFile(join(cluster.nodeDir(2), KEYS_DIR, 'keystore-share-2.txt'), ownPassword);
    const keystoreError = await failedStart();
    expect(keystoreError).toContain(ownKeystore);
    expect(keystoreError).toMatch(/does not match public share 1/);
    await rename(`${ownKeystore}.saved`, ownKeystore);
    await rename(`${ownPassword}.saved`, ownPassword);

    // A lock edited after sealing: its lock hash no longer matches.
    const lockPath = join(nodeDir, CLUSTER_LOCK_FILE);
    const lockText = await readFile(lockPath, 'utf8');
    const edited = JSON.parse(lockText) as { blockTimeMs: number };
    edited.blockTimeMs += 1;
    await writeFile(lockPath, JSON.stringify(edited, null, 2));
    const lockError = await failedStart();
    expect(lockError).toContain(lockPath);
    expect(lockError).toMatch(/lockHash .* does not match/);
    await writeFile(lockPath, lockText);
    await expectProducing();

    // Garbage bytes on node 2's p2p port (before any handshake).
    await new Promise<void>((resolve, reject) => {
      const socket = connect(cluster.p2pPorts[1]!, '127.0.0.1', () => socket.end(randomBytes(64 * 1024)));
      socket.on('error', () => {}); // the node may reset the connection: that is fine
      socket.once('close', () => resolve());
      setTimeout(() => reject(new Error('node 2 kept a garbage TCP connection open for 30 s')), 30_000).unref();
      socket.resume();
    });

    // A real libp2p peer with operator 1's identity (node 1 is down): garbage frames on every DST protocol.
    const identity = await readIdentityKey(join(nodeDir, IDENTITY_KEY_FILE));
    const peer = await createLibp2p({
      privateKey: identity,
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      connectionGater: { denyDialMultiaddr: () => false },
    });
    try {
      // Frames the host itself must refuse: it closes the stream (test/p2p covers the counting).
      const malformed: Array<[string, Uint8Array]> = [
        [CONSENSUS_PROTOCOL, new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3])], // length far above the limit
        [CONSENSUS_PROTOCOL, new Uint8Array([0, 0, 0, 1, 0xc1])], // msgpack's unused byte
        [CONSENSUS_PROTOCOL, encodeFrame(['not', 'an', 'envelope'], 1024)],
        [TX_PROTOCOL, new Uint8Array([0, 0, 0, 2, 0x92, 0x01])], // truncated array
        [TX_PROTOCOL, encodeFrame([new Uint8Array(1), 'not bytes'], 1024)],
        [SYNC_PROTOCOL, encodeFrame([9, 1], 1024)], // from > to
      ];
      // Well-framed and signed by operator 1 (index 0), but nonsense for the node behind the host.
      const codec = new ConsensusCodec<unknown>(identity, 0, []);
      const height = (await blockNumber(cluster.node(2)!.url)) + 1;
      const nonsense: QbftMessage<unknown>[] = [
        { type: 'PRE-PREPARE', height, round: 1, sender: 0, value: randomBytes(300) },
        { type: 'PRE-PREPARE', height: height + 1, round: 1, sender: 0, value: { number: 'nine', transactions: [1, 2] } },
        { type: 'PREPARE', height, round: 1, sender: 0, valueId: 'not a block hash' },
        { type: 'COMMIT', height, round: 1, sender: 0, valueId: `0x${'ab'.repeat(32)}`, signature: randomBytes(96) },
        { type: 'DECIDED', height, round: 1, sender: 0, value: 'no block at all', commits: [] },
        { type: 'PREPARE', height: 2 ** 40, round: 2 ** 30, sender: 0, valueId: '' },
      ];
      const signedNonsense = await Promise.all(nonsense.map(async (message) => encodeFrame(await codec.seal(message), CONSENSUS_FRAME_MAX_BYTES)));
      for (const target of others) {
        for (const [protocol, frame] of malformed) {
          const stream = await peer.dialProtocol(dialAddress(cluster, target), protocol);
          stream.send(frame);
          await closed(stream);
        }
        // One stream each: a node may close the stream at the first message it cannot use.
        for (const frame of signedNonsense) {
          const consensus = await peer.dialProtocol(dialAddress(cluster, target), CONSENSUS_PROTOCOL);
          consensus.send(frame);
          await consensus.close();
        }
        // Bytes that are no transaction, in a well-formed gossip frame.
        const gossip = await peer.dialProtocol(dialAddress(cluster, target), TX_PROTOCOL);
        gossip.send(encodeFrame([randomBytes(200), new Uint8Array(0)], 1024));
        await gossip.close();
      }
    } finally {
      await peer.stop();
    }
    for (const i of others) expect(cluster.node(i), `node ${i} is still running`).toBeDefined();
    await expectProducing();

    // Repaired, node 1 starts, syncs and follows the cluster again.
    const restarted = await cluster.start(1);
    await waitForLog(restarted, '"sync: done" on node 1', (line) => line.msg === 'sync: done');
    await load.stop();
    expect(load.failures).toEqual([]);
    await waitForInclusion(load.lastAcknowledged(), cluster.indices().map((i) => cluster.node(i)!.url));
    // Idle again: no block without transactions, whatever height the nonsense named.
    await settledHead(cluster.indices().map((i) => cluster.node(i)!), { quietMs: 2_000 });
    const chains = await checkedChains(cluster, cluster.indices());
    expect(conflictingHeights(hashesByHeight(cluster, [...chains.values()]))).toEqual([]);
  });
});

describe('4 nodes: the leader killed under load, then 2 of 4', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    // A block time long enough that a kill right after block h lands before h + 1 is proposed.
    cluster = await TestCluster.create({ nodes: 4, chainId: 912n, blockTimeMs: 200 });
    await cluster.startAll();
    await Promise.all(cluster.indices().map((i) => waitForReady(cluster.node(i)!)));
  });

  afterAll(async () => {
    await cluster?.shutdown();
  });

  it('continues without the leader, takes it back, stops without a quorum and resumes; never two blocks at a height', async () => {
    // Nodes 1 and 2 are the ones killed; the load goes to 3 and 4, which stay up.
    const load = startTransactionLoad({
      chainId: Number(cluster.lock.chainId),
      senders: 8,
      seed: 'dst-cluster-failover',
      intervalMs: 40,
      target: (s) => ({ index: 3 + (s % 2), url: cluster.node(3 + (s % 2))!.url }),
    });
    const observer = cluster.node(3)!;
    await waitForHeight(observer, 3);

    // SIGKILL node 1 right after the block before the height it leads (round 1) is stored.
    const from = observer.logs.length;
    // Proposers from every node's lines (loggedChain): node 3 logs no line for a height it synced.
    const proposerAt = (height: number): number => {
      const block = loggedChain(cluster)[height - 1];
      if (block === undefined) throw new Error(`no node has logged block ${height}`);
      return block.proposer;
    };
    const before = await waitForLog(observer, 'a block before a height node 1 leads', (line) =>
      line.msg === 'block signed and stored' && loggedChain(cluster).length >= Number(line.number) && leaderOf(Number(line.number) + 1, 1, 4, proposerAt) === 1, { from });
    expect(await cluster.kill(1)).toBe('SIGKILL');
    const killedAt = Number(before.number);
    // Node 1's round-robin turns are killedAt + 1, + 5, + 9: the first it misses costs a timeout, the next is skipped.
    await waitForLog(observer, `block ${killedAt + 9} on node 3`, (line) => line.msg === 'block signed and stored' && Number(line.number) >= killedAt + 9, {
      from,
      timeoutMs: 60_000,
    });
    // After the kill, node 1 proposed nothing; once a height it led in round 1 went to another proposer,
    // the rule skips it as round-1 leader for the rest of that window (docs/qbft.md "Leader choice").
    const chain = loggedChain(cluster);
    const afterKill = chain.filter((block) => block.number >= killedAt + 2);
    for (const block of afterKill) expect(block.proposer, `block ${block.number}`).not.toBe(1);
    const failed = chain.find((block) => block.number > killedAt && leaderOf(block.number, 1, 4, proposerAt) === 1 && block.proposer !== 1)!;
    expect(failed).toBeDefined();
    const windowEnd = failed.number - ((failed.number - 1) % REPUTATION_WINDOW) + REPUTATION_WINDOW - 1;
    for (let height = failed.number + 1; height <= Math.min(failed.number + 4, windowEnd); height++) expect(leaderOf(height, 1, 4, proposerAt), `height ${height}`).not.toBe(1);

    // Restarted, it syncs, reaches the others' head and takes part again: it stores new blocks and proposes.
    const restarted = await cluster.start(1);
    const synced = await waitForLog(restarted, '"sync: done" on node 1', (line) => line.msg === 'sync: done');
    const headAtRestart = await blockNumber(observer.url);
    await waitForHeight(restarted, headAtRestart, 60_000);
    await waitForLog(restarted, 'node 1 storing a new block', (line) => line.msg === 'block signed and stored' && Number(line.number) > Number(synced.head));
    await waitForLog(observer, 'a block proposed by node 1 after its restart', (line) =>
      line.msg === 'block signed and stored' && line.proposer === 1 && Number(line.number) > headAtRestart, { from: observer.logs.length, timeoutMs: 60_000 });

    // SIGKILL 2 of 4: no quorum. Once what was in flight settles, the heads stay put while transactions wait.
    await Promise.all([cluster.kill(1), cluster.kill(2)]);
    const survivors = [observer, cluster.node(4)!];
    const [stalledHead, stalledHead4] = await quietHeads(survivors, { quietMs: 2_000 });
    const storedBefore = cluster.storedBlocks(3).length + cluster.storedBlocks(4).length;
    const acknowledgedBefore = load.acknowledged.size;
    await sleep(4_000);
    expect(await blockNumber(observer.url)).toBe(stalledHead);
    expect(await blockNumber(cluster.node(4)!.url)).toBe(stalledHead4);
    expect(cluster.storedBlocks(3).length + cluster.storedBlocks(4).length).toBe(storedBefore);
    expect(load.acknowledged.size).toBeGreaterThan(acknowledgedBefore); // transactions were pending all along

    // Restart one: a quorum again, production resumes and the pending transactions go in.
    const back = await cluster.start(2);
    await waitForLog(back, '"sync: done" on node 2', (line) => line.msg === 'sync: done');
    await waitForHeight(observer, stalledHead! + 2, 60_000);
    await load.stop();
    expect(load.failures).toEqual([]);
    const live = [2, 3, 4];
    await waitForInclusion(load.lastAcknowledged(), live.map((i) => cluster.node(i)!.url), 90_000);
    await settledHead(live.map((i) => cluster.node(i)!));
    const chains = await checkedChains(cluster, live);
    await expectIncludedOnce(cluster, load, chains.get(3)!);
    // Every block any process ever stored, killed ones included, agrees with the others at its height.
    expect(conflictingHeights(hashesByHeight(cluster, [...chains.values()]))).toEqual([]);
    // Nothing signed unsafely: from every node's durable signing guard, killed ones included, no
    // height where t partials exist on a block other than the chain's.
    for (const i of live) expect(await cluster.stop(i)).toBe(0);
    const guards = await Promise.all(cluster.indices().map((i) => cluster.guardEntries(i)));
    expect(guards.flat().length).toBeGreaterThan(0);
    expect(unsafeHeights(guards, cluster.lock.threshold, chains.get(3)!)).toEqual([]);
  });
});

describe('7 nodes, threshold 5', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.create({ nodes: 7, threshold: 5, chainId: 913n, blockTimeMs: 0 });
    await cluster.startAll();
    await Promise.all(cluster.indices().map((i) => waitForReady(cluster.node(i)!)));
  });

  afterAll(async () => {
    await cluster?.shutdown();
  });

  it('keeps producing with 2 nodes stopped', async () => {
    expect(cluster.lock.threshold).toBe(5);
    const live = [1, 2, 3, 4, 5];
    const send = async (seed: string, nodes: readonly number[]): Promise<TransactionLoad> => {
      const load = startTransactionLoad({
        chainId: Number(cluster.lock.chainId),
        senders: nodes.length,
        seed,
        perSender: 10,
        intervalMs: 0,
        target: (s) => ({ index: nodes[s]!, url: cluster.node(nodes[s]!)!.url }),
      });
      await load.finished;
      expect(load.failures).toEqual([]);
      await waitForInclusion(load.lastAcknowledged(), nodes.map((i) => cluster.node(i)!.url), 90_000);
      return load;
    };
    await send('dst-cluster-seven-all', cluster.indices());
    const headWithAll = await settledHead(cluster.indices().map((i) => cluster.node(i)!));

    expect(await Promise.all([cluster.stop(6), cluster.stop(7)])).toEqual([0, 0]);
    const load = await send('dst-cluster-seven-five', live);
    expect(await settledHead(live.map((i) => cluster.node(i)!))).toBeGreaterThan(headWithAll);
    const chains = await checkedChains(cluster, live);
    await expectIncludedOnce(cluster, load, chains.get(1)!, false);
    expect(conflictingHeights(hashesByHeight(cluster, [...chains.values()]))).toEqual([]);
  });
});
