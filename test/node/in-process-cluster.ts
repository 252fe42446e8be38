/**
 * A cluster of real nodes in one process, for the node tests: `startNode` n times, each with its own
 * LMDB store in a temporary directory, its own metrics registry and its own real libp2p host on
 * loopback (identities and free ports made here), a threshold key made in memory. Per node, the test
 * may give another share (a faulty node), limits, or a clock. `stopNode(i)` stops one node fully
 * (sequencer, host, store) and `restartNode(i)` starts it again as a restarted process would be: the
 * same identity, listen address and database directory, a fresh metrics registry (`nodes[i]` and
 * `metrics[i]` are replaced). `stop()` stops the nodes and removes the directories.
 */
import '../../src/p2p/polyfill.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { pino } from 'pino';
import { createMetrics, type DstMetrics } from '../../src/api/metrics.js';
import { MainThreadExecutor, createThresholdKey, type KeyShare, type ThresholdKey } from '../../src/crypto/index.js';
import type { Clock } from '../../src/node/clock.js';
import { startNode, type NodeHandle, type StartNodeConfig } from '../../src/node/index.js';
import type { ClusterPeer } from '../../src/p2p/index.js';
import { freePort } from '../helpers/net.js';

export interface InProcessClusterOptions {
  nodes: number;
  threshold: number;
  chainId: bigint;
  blockTimeMs: number;
  limits?: StartNodeConfig['limits'];
  /** The share node `i` (0-based) signs with; by default its own. */
  shareFor?: (i: number, key: ThresholdKey) => KeyShare;
  /** Node `i`'s clock; by default the system's. */
  clockFor?: (i: number) => Clock | undefined;
}

export interface InProcessCluster {
  key: ThresholdKey;
  /** The operators as every node's host knows them (index, peer id, listen multiaddr). */
  peers: readonly ClusterPeer[];
  /** Node `i`'s handle; replaced by `restartNode(i)`. */
  nodes: NodeHandle[];
  /** Node `i`'s registry; replaced by `restartNode(i)`. */
  metrics: DstMetrics[];
  /** Stops node `i` (sequencer, host, store); its directory is kept. */
  stopNode(i: number): Promise<void>;
  /** Starts node `i` again (after `stopNode(i)`) with its identity, listen address and directory. */
  restartNode(i: number): Promise<NodeHandle>;
  stop(): Promise<void>;
}

export async function startInProcessCluster(options: InProcessClusterOptions): Promise<InProcessCluster> {
  const key = createThresholdKey({ shares: options.nodes, threshold: options.threshold });
  const identities = await Promise.all(Array.from({ length: options.nodes }, () => generateKeyPair('Ed25519')));
  const peers: ClusterPeer[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < options.nodes; i++) {
    peers.push({ index: i, peerId: peerIdFromPrivateKey(identities[i]!).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
    dirs.push(await mkdtemp(join(tmpdir(), `dst-node-${i}-`)));
  }
  const metrics = peers.map(() => createMetrics());
  const start = (i: number): Promise<NodeHandle> =>
    startNode({
      dbPath: join(dirs[i]!, 'db'),
      chainId: options.chainId,
      key: { share: options.shareFor?.(i, key) ?? key.shares[i]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: options.threshold },
      blockTimeMs: options.blockTimeMs,
      network: { identity: identities[i]!, listen: peers[i]!.addrs, peers },
      limits: options.limits,
      logger: pino({ level: 'silent' }),
      executor: new MainThreadExecutor(),
      metrics: metrics[i],
      clock: options.clockFor?.(i),
    });
  const nodes = await Promise.all(peers.map((_, i) => start(i)));
  return {
    key,
    peers,
    nodes,
    metrics,
    stopNode: (i) => nodes[i]!.stop(),
    async restartNode(i) {
      await nodes[i]!.stop(); // a no-op wait if it is stopped already
      metrics[i] = createMetrics();
      nodes[i] = await start(i);
      return nodes[i]!;
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
