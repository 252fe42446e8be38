/**
 * Clock truth (issue 12): four nodes in one process, each with its own LMDB store and real libp2p host
 * on loopback; node 4's clock runs a minute ahead (an injected clock, which its host also uses to
 * answer `/dst/time/1`). Node 4 measures itself off against the cluster and says so in its readiness
 * reasons and `dst_peer_clock_offset_seconds`; the other three stay ready and keep including
 * transactions.
 */
import '../../src/p2p/polyfill.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type DstMetrics } from '../../src/api/metrics.js';
import { MainThreadExecutor, createThresholdKey } from '../../src/crypto/index.js';
import { signTransfer } from '../../src/load/transactions.js';
import { systemClock, type Clock } from '../../src/node/clock.js';
import { startNode, type NodeHandle } from '../../src/node/index.js';
import type { ClusterPeer } from '../../src/p2p/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { freePort, waitFor } from '../helpers/net.js';

const CHAIN_ID = 4344n;
const NODES = 4;
const SKEWED = 3;
const AHEAD_MS = 60_000;
const aheadClock: Clock = { ...systemClock, now: () => systemClock.now() + AHEAD_MS };

describe('a node whose clock runs a minute ahead', () => {
  const dirs: string[] = [];
  const nodes: NodeHandle[] = [];
  const metrics: DstMetrics[] = [];

  beforeAll(async () => {
    const key = createThresholdKey({ shares: NODES, threshold: 3 });
    const identities = await Promise.all(Array.from({ length: NODES }, () => generateKeyPair('Ed25519')));
    const peers: ClusterPeer[] = [];
    for (let i = 0; i < NODES; i++) {
      peers.push({ index: i, peerId: peerIdFromPrivateKey(identities[i]!).toString(), addrs: [`/ip4/127.0.0.1/tcp/${await freePort()}`] });
      dirs.push(await mkdtemp(join(tmpdir(), `dst-clock-${i}-`)));
      metrics.push(createMetrics());
    }
    nodes.push(
      ...(await Promise.all(
        peers.map((peer, i) =>
          startNode({
            dbPath: join(dirs[i]!, 'db'),
            chainId: CHAIN_ID,
            key: { share: key.shares[i]!, publicShares: [...key.publicShares], groupPublicKey: key.groupPublicKey, threshold: 3 },
            blockTimeMs: 0,
            network: { identity: identities[i]!, listen: peer.addrs, peers },
            logger: pino({ level: 'silent' }),
            executor: new MainThreadExecutor(),
            metrics: metrics[i],
            clock: i === SKEWED ? aheadClock : undefined,
          }),
        ),
      )),
    );
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('says why it is not ready; the others stay ready and keep including transactions', async () => {
    const skewed = nodes[SKEWED]!.sequencer;
    await waitFor('the skewed node to see its clock off', () => skewed.health().reasons.some((r) => r.startsWith('clock off by')), 20_000);
    const reason = skewed.health().reasons.find((r) => r.startsWith('clock off by'))!;
    expect(reason).toMatch(/^clock off by (59|60|61)\.\d s against the cluster \(ahead of the peers' median; tolerance 2 s\)/);
    expect(skewed.health().ready).toBe(false);
    // The gauges are refreshed every second.
    let offsets = (await metrics[SKEWED]!.peerClockOffset.get()).values;
    for (let tries = 0; offsets.length === 0 && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      offsets = (await metrics[SKEWED]!.peerClockOffset.get()).values;
    }
    expect(offsets.length).toBeGreaterThan(0);
    for (const { value } of offsets) expect(value).toBeCloseTo(-AHEAD_MS / 1000, -1);

    const honest = nodes.filter((_, i) => i !== SKEWED);
    await waitFor('the others ready', () => honest.every((node) => node.sequencer.health().ready), 20_000);
    const hashes = await Promise.all(
      honest.map((node, i) => node.sequencer.submitTransaction(signTransfer(CHAIN_ID, keccak256(new TextEncoder().encode(`dst-clock-${i}`)), 0, new Uint8Array(20)), 'test')),
    );
    await waitFor('the honest transactions included on the honest nodes', () =>
      honest.every((node) => hashes.every((hash) => node.sequencer.getTransaction(hash)?.location !== undefined)), 60_000);
    for (const node of honest) expect(node.sequencer.health().reasons.filter((r) => r.startsWith('clock'))).toEqual([]);
  }, 90_000);
});
