/**
 * A cluster of real nodes in one process, for the node tests: `startNode` n times, each with its own
 * LMDB store in a temporary directory, its own metrics registry and its own real libp2p host on
 * loopback (identities and free ports made here), a threshold key made in memory. Per node, the test
 * may give another share (a faulty node), limits, or a clock. `stop()` stops the nodes and removes
 * the directories.
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
  nodes: NodeHandle[];
  metrics: DstMetrics[];
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
  const nodes = await Promise.all(
    peers.map((peer, i) =>
      startNode({
        dbPath: join(dirs[i]!, 'db'),
        chainId: options.chainId,
        key: { share: options.shareFor?.(i, key) ?? key.shares[i]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: options.threshold },
        blockTimeMs: options.blockTimeMs,
        network: { identity: identities[i]!, listen: peer.addrs, peers },
        limits: options.limits,
        logger: pino({ level: 'silent' }),
        executor: new MainThreadExecutor(),
        metrics: metrics[i],
        clock: options.clockFor?.(i),
      }),
    ),
  );
  return {
    key,
    nodes,
    metrics,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
