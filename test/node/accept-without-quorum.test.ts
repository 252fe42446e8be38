/**
 * Transactions accepted while the node cannot sign (issue 17): a 4-node in-process cluster (threshold
 * 3) with two nodes stopped. A survivor still accepts a transaction (kept, gossiped), and its health
 * says so — one more readiness reason naming the pooled transactions and the oldest one's age, and
 * `oldestPendingAgeMs`; once a stopped node is back the quorum returns, the transaction is signed
 * into a block and the node is ready with an empty pool again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/net.js';
import { startInProcessCluster, type InProcessCluster } from './in-process-cluster.js';
import { hexToBytes, signTransfers, testAccounts } from './wallets.js';

const CHAIN_ID = 931;

describe('accepting transactions without a quorum', () => {
  let cluster: InProcessCluster;

  beforeAll(async () => {
    cluster = await startInProcessCluster({ nodes: 4, threshold: 3, chainId: BigInt(CHAIN_ID), blockTimeMs: 0 });
    await waitFor('every node ready', () => cluster.nodes.every((node) => node.sequencer.health().ready), 60_000);
  });

  afterAll(() => cluster.stop());

  it('keeps accepting, says so in the health, and signs once the quorum is back', async () => {
    await cluster.stopNode(1);
    await cluster.stopNode(2);
    const survivor = () => cluster.nodes[0]!.sequencer;
    await waitFor('the survivor to see the quorum gone', () => survivor().health().reasons.some((r) => /peers connected: a quorum of 3 nodes needs 2/.test(r)), 30_000);
    expect(survivor().health().oldestPendingAgeMs).toBeUndefined();
    expect(survivor().health().reasons.some((r) => /accepted and kept/.test(r))).toBe(false);

    const [raw] = await signTransfers(testAccounts(1, 'dst-no-quorum')[0]!, CHAIN_ID, 0, 1);
    const head = survivor().headNumber();
    const hash = await survivor().submitTransaction(hexToBytes(raw!), 'test');
    const health = survivor().health();
    expect(health.ready).toBe(false);
    expect(health.mempoolSize).toBe(1);
    expect(health.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
    expect(health.reasons.at(-1)).toMatch(/^1 transaction accepted and kept \(the oldest \d+ s old\): they are gossiped and wait/);
    expect(survivor().headNumber()).toBe(head);

    await cluster.restartNode(1);
    await waitFor('the transaction in a block', () => survivor().transactionStatus(hash).status === 'included', 60_000);
    await waitFor('the survivor ready with an empty pool', () => survivor().health().ready, 60_000);
    expect(survivor().health().oldestPendingAgeMs).toBeUndefined();
    expect(survivor().health().reasons).toEqual([]);
  });
});
