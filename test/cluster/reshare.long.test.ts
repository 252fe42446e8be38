/**
 * Resharing (src/cluster/dkg/reshare.ts, Desmedt–Jajodia 1997 / Wong–Wing–Wang 2002) over real libp2p
 * on loopback, from a cluster made by the DKG: 4 → 7 (three added), 7 → 4 (three removed), one of 4
 * replaced, and 4 (t = 3) → 7 (t = 5) each keep the group key, with a new lock (epoch + 1, signed by
 * every new operator, carrying the old lock's genesis alloc unchanged) and shares any t′ of which sign; an old operator that reshares another secret is
 * excluded by the commitment check and the others finish.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ceremony, loadNodeDir, type CeremonySetup } from '../../src/cluster/index.js';
import type { Ed25519PrivateKey } from '../../src/cluster/identity.js';
import { checkCluster, definitionFor, DKG_ALLOC, DKG_ALLOC_CANONICAL, listDir, makeOperators, runDkg, runReshare, tmpRoot, type TestOperator } from './dkg-helpers.js';

let root: string;
beforeAll(async () => {
  root = await tmpRoot();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function dkg(n: number, t: number) {
  const operators = await makeOperators(root, n);
  const results = await runDkg(operators, definitionFor(operators, t, DKG_ALLOC));
  return { operators, lock: results[0]!.lock };
}

describe('resharing keeps the group key', () => {
  it.each([
    ['4 → 7: three operators added', 4, 3, (old: TestOperator[], extra: TestOperator[]) => [...old, ...extra.slice(0, 3)], 5],
    ['7 → 4: three operators removed', 7, 5, (old: TestOperator[]) => old.slice(0, 4), 3],
    ['one of 4 replaced', 4, 3, (old: TestOperator[], extra: TestOperator[]) => [old[0]!, old[1]!, extra[0]!, old[3]!], 3],
    ['4 (t = 3) → 7 (t = 5)', 4, 3, (old: TestOperator[], extra: TestOperator[]) => [...extra.slice(0, 2), ...old, extra[2]!], 5],
  ])('%s', async (_name, n, t, next, newThreshold) => {
    const { operators, lock } = await dkg(n, t);
    const extra = await makeOperators(root, 3);
    const newSet = next(operators, extra);
    const participants = [...new Set([...operators, ...newSet])];
    const results = await runReshare(lock, participants, newSet, newThreshold);
    const byIndex = newSet.map((o) => results[participants.indexOf(o)]!);
    const { lock: next2 } = await checkCluster(byIndex, newSet.map((o) => o.dir), lock.groupPublicKey);
    expect(next2).toMatchObject({ version: 2, epoch: 1, threshold: newThreshold, chainId: lock.chainId });
    expect(next2.operators.map((o) => o.peerId)).toEqual(newSet.map((o) => o.peerId));
    // The genesis state is the chain's: the new lock carries the old lock's alloc unchanged.
    expect(next2.alloc).toEqual(DKG_ALLOC_CANONICAL);
    expect(next2.alloc).toEqual(lock.alloc);
    // An operator that stayed keeps the old lock for audit; one that left lost its share and has the new lock.
    const left = operators.filter((o) => !newSet.includes(o));
    for (const o of left) {
      expect(await listDir(o.dir)).not.toContain('keys');
      await expect(loadNodeDir(o.dir)).rejects.toThrow(/is not an operator of the cluster/);
    }
    const stayer = operators.find((o) => newSet.includes(o))!;
    expect(await listDir(stayer.dir)).toContain('cluster-lock-epoch-0.json');
  });
});

/** An old operator that reshares a fresh random secret instead of its share. */
class WrongSecret extends Ceremony {
  constructor(setup: CeremonySetup, identity: Ed25519PrivateKey) {
    super(setup, identity, undefined);
  }
}

describe('a malicious old operator in a reshare', () => {
  it('is excluded by the constant-term check, and the reshare succeeds with the t honest ones', async () => {
    const { operators, lock } = await dkg(4, 3);
    const extra = await makeOperators(root, 3);
    const newSet = [...operators, ...extra];
    const bad = operators[1]!;
    const results = await runReshare(lock, newSet, newSet, 5, (o) => (o === bad ? { makeCeremony: (setup, identity) => new WrongSecret(setup, identity) } : {}));
    for (const result of results) {
      expect(result.outcome.qualified).toEqual([1, 3, 4]);
      expect(result.outcome.disqualified).toMatchObject([{ dealer: 2, peerId: bad.peerId }]);
      expect(result.outcome.disqualified[0]!.reason).toMatch(/constant-term commitment 0x[0-9a-f]+ is not its old public share/);
    }
    await checkCluster(results, newSet.map((o) => o.dir), lock.groupPublicKey);
  });
});
