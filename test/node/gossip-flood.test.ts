/**
 * One operator floods the others with gossip (issue 11, "Gossip quotas per peer"): four nodes in one
 * process, each with its own LMDB store and real libp2p host on loopback; operator 4's host sends the
 * three others 1,200 valid transactions from fresh keys, then 400 that do not decode. Each honest node
 * holds at most operator 4's share of its pool (maxTransactions / n), throttles it once its bad
 * transactions pass the allowance, counts every refusal in `dst_gossip_rejected_total{peer="4"}`, and
 * keeps including an honest client's transactions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DstMetrics } from '../../src/api/metrics.js';
import { signTransfer } from '../../src/load/transactions.js';
import type { NodeHandle } from '../../src/node/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { waitFor } from '../helpers/net.js';
import { startInProcessCluster, type InProcessCluster } from './in-process-cluster.js';

const CHAIN_ID = 4343n;
const NODES = 4;
const FLOODER = 3;
const POOL = 400;
const SHARE = POOL / NODES;
const to = new Uint8Array(20).fill(9);
const keyOf = (label: string): Uint8Array => keccak256(new TextEncoder().encode(`dst-gossip-flood-${label}`));

async function rejected(metrics: DstMetrics, reason: string): Promise<number> {
  const values = (await metrics.gossipRejected.get()).values;
  return values.filter((v) => v.labels.peer === String(FLOODER + 1) && v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

describe('a 4-node cluster where one operator floods gossip', () => {
  let cluster: InProcessCluster;
  let nodes: NodeHandle[];
  let metrics: DstMetrics[];

  beforeAll(async () => {
    cluster = await startInProcessCluster({
      nodes: NODES,
      threshold: 3,
      chainId: CHAIN_ID,
      blockTimeMs: 50,
      limits: { pool: { maxTransactions: POOL }, block: { maxTransactions: 20, maxBytes: 1 << 20 } },
    });
    ({ nodes, metrics } = cluster);
    await waitFor('every node ready', () => nodes.every((node) => node.sequencer.health().ready), 20_000);
  });

  afterAll(() => cluster.stop());

  it('the others hold at most its share, throttle its bad transactions, and keep including honest ones', async () => {
    const honestNodes = nodes.filter((_, i) => i !== FLOODER);
    const flooder = nodes[FLOODER]!.host!;
    const valid = Array.from({ length: 1_200 }, (_, i) => signTransfer(CHAIN_ID, keyOf(`flood-${i}`), 0, to));
    const garbage = Array.from({ length: 400 }, (_, i) => Uint8Array.from([0xc0 + (i % 16), ...new Uint8Array(40).fill(i % 251)]));
    // Pool sizes while the flood lands: never above the flooder's share plus what honest clients sent (none yet).
    let largest = 0;
    const sampler = setInterval(() => {
      for (const node of honestNodes) largest = Math.max(largest, node.sequencer.health().mempoolSize);
    }, 5);
    try {
      flooder.gossipTransactions(valid);
      flooder.gossipTransactions(garbage);
      // Every honest node refuses what is beyond the flooder's share.
      for (const [i, m] of metrics.entries()) {
        if (i === FLOODER) continue;
        await waitForAsync(async () => (await rejected(m, 'throttled')) > 0, `node ${i + 1} throttling the flooder`);
      }
    } finally {
      clearInterval(sampler);
    }
    expect(largest).toBeLessThanOrEqual(SHARE);
    for (const [i, m] of metrics.entries()) {
      if (i === FLOODER) continue;
      // The valid transactions beyond its share were refused before any sender was recovered.
      expect(await rejected(m, 'peer-share'), `node ${i + 1}`).toBeGreaterThanOrEqual(valid.length - 2 * SHARE);
      // The bad transactions were counted until the allowance (64) ran out; then the flooder's batches were dropped unread.
      expect(await rejected(m, 'malformed'), `node ${i + 1}`).toBeGreaterThanOrEqual(64);
      expect(await rejected(m, 'throttled'), `node ${i + 1}`).toBeGreaterThan(0);
    }

    // An honest client's transactions, sent to each honest node, are included on every node.
    const hashes = await Promise.all(honestNodes.map((node, i) => node.sequencer.submitTransaction(signTransfer(CHAIN_ID, keyOf(`honest-${i}`), 0, to), '198.51.100.1')));
    await waitFor('the honest transactions included everywhere', () =>
      nodes.every((node) => hashes.every((hash) => node.sequencer.getTransaction(hash)?.location !== undefined)), 30_000);
    for (const node of honestNodes) expect(node.sequencer.health().mempoolSize).toBeLessThanOrEqual(SHARE);
  });
});

async function waitForAsync(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
