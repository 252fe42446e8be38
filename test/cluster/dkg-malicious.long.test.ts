/**
 * The DKG's complaints and disqualification (src/cluster/dkg/ceremony.ts, GJKR 1999) over real libp2p
 * on loopback: each misbehaving dealer the issue lists — a wrong share for one operator, commitments
 * inconsistent with the shares, a share withheld, an equivocating broadcast — is disqualified with its
 * evidence named, and the three honest operators finish with a working key.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ceremony, type CeremonySetup, type Outgoing } from '../../src/cluster/index.js';
import { randomPolynomial } from '../../src/cluster/dkg/polynomial.js';
import type { Ed25519PrivateKey } from '../../src/cluster/identity.js';
import { hex } from '../../src/bytes/index.js';
import { keccak256 } from '../../src/wasm/index.js';
import { checkCluster, definitionFor, makeOperators, runDkg, tmpRoot } from './dkg-helpers.js';

let root: string;
beforeAll(async () => {
  root = await tmpRoot();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A dealer that misbehaves in one way (`deal` overridden), honest in everything else. */
type Misbehaviour = (ceremony: Ceremony & { dealHonestly(committed: bigint[], shared: bigint[]): Outgoing }) => Outgoing;

class MaliciousDealer extends Ceremony {
  constructor(setup: CeremonySetup, identity: Ed25519PrivateKey, private readonly misbehave: Misbehaviour, private readonly silent = false) {
    super(setup, identity);
  }
  dealHonestly(committed: bigint[], shared: bigint[]): Outgoing {
    return this.dealPolynomial(committed, shared);
  }
  override deal(): Outgoing {
    return this.misbehave(this as never);
  }
  override justify(): Outgoing {
    return this.silent ? { broadcast: [], direct: [] } : super.justify();
  }
}

const victim = 2;
const behaviours: Array<[string, Misbehaviour, boolean, RegExp]> = [
  ['a wrong share for one operator', (c) => {
    const p = randomPolynomial(c.setup.threshold);
    const out = c.dealHonestly(p, p);
    const wrong = [...p];
    wrong[1] = wrong[1]! + 1n;
    const bad = c.dealHonestly(p, wrong).direct.find((d) => d.to === c.setup.receivers[victim - 1]!.peerId)!;
    return { broadcast: out.broadcast, direct: out.direct.map((d) => (d.to === bad.to ? { to: d.to, message: (c as unknown as { shareMessage: Function }).shareMessage(victim, out.broadcast[0]!.digest, 12345n) } : d)) };
  }, false, /share for receiver 2 fails the Feldman check.*complaint of receiver 2/],
  ['commitments inconsistent with the shares', (c) => c.dealHonestly(randomPolynomial(c.setup.threshold), randomPolynomial(c.setup.threshold)), false, /fails the Feldman check/],
  ['a share withheld (and not revealed when complained of)', (c) => {
    const p = randomPolynomial(c.setup.threshold);
    const out = c.dealHonestly(p, p);
    return { broadcast: out.broadcast, direct: out.direct.filter((d) => d.to !== c.setup.receivers[victim - 1]!.peerId) };
  }, true, /withheld the share of receiver 2 and did not reveal it/],
  ['an equivocating broadcast (different commitments to different operators)', (c) => {
    const a = randomPolynomial(c.setup.threshold);
    const b = randomPolynomial(c.setup.threshold);
    const outA = c.dealHonestly(a, a);
    const outB = c.dealHonestly(b, b);
    // Operators 1 and 2 get version A (commitments and shares), 3 and 4 version B.
    const direct = c.setup.receivers.flatMap((r) => {
      const out = r.index <= 2 ? outA : outB;
      return [{ to: r.peerId, message: out.broadcast[0]! }, out.direct.find((d) => d.to === r.peerId)!];
    });
    return { broadcast: [], direct };
  }, false, /equivocation: 2 different signed commitment broadcasts/],
];

describe('a malicious dealer among 4 (t = 3)', () => {
  it.each(behaviours)('%s: disqualified with the evidence named, the honest three finish', async (_name, misbehave, silent, reason) => {
    const operators = await makeOperators(root, 4);
    const bad = 3;
    const results = await runDkg(operators, definitionFor(operators, 3), (i) => (i === bad - 1 ? { makeCeremony: (setup, identity) => new MaliciousDealer(setup, identity, misbehave, silent) } : {}));
    for (const result of results) {
      expect(result.outcome.qualified).toEqual([1, 2, 4]);
      expect(result.outcome.disqualified).toHaveLength(1);
      const d = result.outcome.disqualified[0]!;
      expect(d.dealer).toBe(bad);
      expect(d.peerId).toBe(operators[bad - 1]!.peerId);
      expect(d.reason).toMatch(reason);
      expect(d.evidence.length).toBeGreaterThan(0);
      // The evidence is in the transcript every operator keeps.
      const digests = new Set(result.transcript.envelopes.map(([body]) => hex(keccak256(Buffer.from(body, 'hex')))));
      expect(digests.has(d.evidence[0]!)).toBe(true);
    }
    await checkCluster(results, operators.map((o) => o.dir));
  });
});

