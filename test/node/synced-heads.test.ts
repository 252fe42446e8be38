/**
 * Blocks a node gets by sync are published like the blocks it signs (issue 19: one block-commit path).
 * Four `Sequencer`s in one process, each with its own LMDB store and real libp2p host on loopback; node
 * 4 is stopped while the others sign blocks, then started again with an `onBlock` listener (what the
 * API's `newHeads` subscription uses) attached before it starts: it must see every block it stores,
 * those it syncs included, once each and in order.
 */
import '../../src/p2p/polyfill.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Block } from '../../src/chain/index.js';
import { MainThreadExecutor, createThresholdKey, type ThresholdKey } from '../../src/crypto/index.js';
import { Sequencer } from '../../src/node/sequencer.js';
import { DEFAULT_POOL_LIMITS } from '../../src/node/start.js';
import { NodeStore } from '../../src/node/store.js';
import { proposalCodec } from '../../src/node/wire.js';
import { createClusterHost, type ClusterHost, type ClusterPeer } from '../../src/p2p/index.js';
import type { PrivateKey } from '@libp2p/interface';
import { freePort, waitFor } from '../helpers/net.js';
import { hexToBytes, signTransfers, testAccounts } from './wallets.js';

const CHAIN_ID = 4343;
const NODES = 4;
const LATE = 3;

interface Running {
  sequencer: Sequencer;
  host: ClusterHost<Block>;
  store: NodeStore;
}

describe('sync publishes the blocks it stores', () => {
  const dirs: string[] = [];
  const running: Array<Running | undefined> = [];

  afterAll(async () => {
    for (const node of running) await stop(node);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function start(i: number, key: ThresholdKey, identity: PrivateKey, peers: ClusterPeer[], before?: (s: Sequencer) => void): Promise<Running> {
    const store = new NodeStore(join(dirs[i]!, 'db'));
    const host = await createClusterHost<Block>({ identity, listen: peers[i]!.addrs, peers, values: proposalCodec });
    const sequencer = new Sequencer({
      store,
      chainId: BigInt(CHAIN_ID),
      key: { share: key.shares[i]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: key.threshold },
      nodes: NODES,
      blockTimeMs: 0,
      pool: { ...DEFAULT_POOL_LIMITS, maxTransactions: 10_000, maxBytes: 16 << 20 },
      block: { maxTransactions: 2, maxBytes: 1 << 20 },
      maxTransactionBytes: 128 * 1024,
      maxFutureDriftMs: 2_000,
      logger: pino({ level: 'silent' }),
      executor: new MainThreadExecutor(),
      network: host,
    });
    before?.(sequencer);
    await sequencer.start();
    return { sequencer, host, store };
  }

  async function stop(node: Running | undefined): Promise<void> {
    if (!node) return;
    const stopping = node.sequencer.stop();
    await node.host.stop();
    await stopping;
    await node.store.close();
  }

  it('a node that was down sees every synced block on onBlock, in order', async () => {
    const key = createThresholdKey({ shares: NODES, threshold: 3 });
    const identities = await Promise.all(Array.from({ length: NODES }, () => generateKeyPair('Ed25519')));
    const peers: ClusterPeer[] = [];
    for (let i = 0; i < NODES; i++) {
      peers.push({ index: i, peerId: peerIdFromPrivateKey(identities[i]!).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
      dirs.push(await mkdtemp(join(tmpdir(), `dst-synced-${i}-`)));
    }
    for (let i = 0; i < NODES; i++) if (i !== LATE) running[i] = await start(i, key, identities[i]!, peers);
    await waitFor('three nodes ready', () => running.every((node, i) => i === LATE || node!.sequencer.health().ready), 30_000);

    // Ten transfers from five senders: at most two per block, so at least five blocks while node 4 is down.
    const accounts = testAccounts(5, 'dst-synced-heads');
    for (const [s, account] of accounts.entries()) {
      for (const raw of await signTransfers(account, CHAIN_ID, 0, 2)) await running[s % 3]!.sequencer.submitTransaction(hexToBytes(raw), 'test');
    }
    const first = running[0]!.sequencer;
    await waitFor('ten transactions included', () => {
      let included = 0;
      for (let n = 1; n <= first.headNumber(); n++) included += first.getBlockByNumber(n)!.block.transactions.length;
      return included === 10;
    }, 60_000);
    const head = first.headNumber();
    expect(head).toBeGreaterThanOrEqual(5);

    const seen: number[] = [];
    running[LATE] = await start(LATE, key, identities[LATE]!, peers, (sequencer) => sequencer.onBlock((signed) => seen.push(signed.block.header.number)));
    await waitFor('node 4 synced', () => running[LATE]!.sequencer.headNumber() >= head, 30_000);
    expect(seen).toEqual(Array.from({ length: running[LATE]!.sequencer.headNumber() }, (_, i) => i + 1));
  });
});
