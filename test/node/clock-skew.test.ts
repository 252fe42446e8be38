/**
 * Clock truth (issue 12): four nodes in one process, each with its own LMDB store and real libp2p host
 * on loopback; node 4's clock runs a minute ahead (an injected clock, which its host also uses to
 * answer `/dst/time/1`). Node 4 measures itself off against the cluster and says so in its readiness
 * reasons and `dst_peer_clock_offset_seconds`; the other three stay ready and keep including
 * transactions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DstMetrics } from '../../src/api/metrics.js';
import { signTransfer } from '../../src/load/transactions.js';
import { systemClock, type Clock } from '../../src/node/clock.js';
import type { NodeHandle } from '../../src/node/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { waitFor } from '../helpers/net.js';
import { startInProcessCluster, type InProcessCluster } from './in-process-cluster.js';

const CHAIN_ID = 4344n;
const NODES = 4;
const SKEWED = 3;
const AHEAD_MS = 60_000;
const aheadClock: Clock = { ...systemClock, now: () => systemClock.now() + AHEAD_MS };

describe('a node whose clock runs a minute ahead', () => {
  let cluster: InProcessCluster;
  let nodes: NodeHandle[];
  let metrics: DstMetrics[];

  beforeAll(async () => {
    cluster = await startInProcessCluster({ nodes: NODES, threshold: 3, chainId: CHAIN_ID, blockTimeMs: 0, clockFor: (i) => (i === SKEWED ? aheadClock : undefined) });
    ({ nodes, metrics } = cluster);
  });

  afterAll(() => cluster.stop());

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
