/**
 * The DKG (src/cluster/dkg/, issue 15) over real libp2p on loopback, every operator its own host in
 * this process: n = 4, 7, 10 give consistent shares (any t sign, herumi agrees, t − 1 cannot) and a
 * signed lock carrying the definition's genesis alloc in canonical form; an
 * operator that never comes online fails the ceremony naming it, and nothing is written.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCluster, definitionFor, DKG_ALLOC, DKG_ALLOC_CANONICAL, listDir, makeOperators, runDkg, tmpRoot } from './dkg-helpers.js';

let root: string;
beforeAll(async () => {
  root = await tmpRoot();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each([
  [4, 3],
  [7, 5],
  [10, 7],
])('DKG with n = %i, t = %i', (n, t) => {
  it('gives every operator a share of one key: any t sign, herumi recovers the same signature, t − 1 cannot', async () => {
    const operators = await makeOperators(root, n);
    const results = await runDkg(operators, definitionFor(operators, t, DKG_ALLOC));
    for (const result of results) {
      expect(result.outcome.qualified).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(result.outcome.disqualified).toEqual([]);
    }
    const { lock } = await checkCluster(results, operators.map((o) => o.dir));
    expect(lock).toMatchObject({ version: 2, epoch: 0, threshold: t });
    // The definition's genesis alloc is in the signed lock, in canonical form.
    expect(lock.alloc).toEqual(DKG_ALLOC_CANONICAL);
    expect(await listDir(operators[0]!.dir)).toEqual(['ceremony-transcript-epoch-0.json', 'cluster-definition.json', 'cluster-lock.json', 'keys', 'p2p-identity.key']);
  });
});

describe('an operator that never comes online', () => {
  it('fails the ceremony after the timeout with its peer id in the message, and nothing is written', async () => {
    const operators = await makeOperators(root, 4);
    const absent = operators[3]!;
    const outcomes = await Promise.allSettled(operators.slice(0, 3).map((o) => runDkg([o], definitionFor(operators, 3), () => ({ timeoutMs: 2_000 }))));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const message = ((outcome as PromiseRejectedResult).reason as Error).message;
      expect(message).toContain('timed out after 2000 ms waiting for operators to connect');
      expect(message).toContain(`4 (${absent.peerId})`);
    }
    for (const o of operators) expect(await listDir(o.dir)).toEqual(['p2p-identity.key']);
  });
});
