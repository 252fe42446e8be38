/**
 * Why a COMMIT's partial signature covers (height, round, value), and what that buys (docs/qbft.md,
 * "Per-round partial signatures").
 *
 * 1. A hand-driven schedule of four machines — honest 0, 1, 2 and Byzantine 3 — in which nothing is
 *    decided, yet honest nodes commit v in rounds 1 and 3 and x in rounds 2 and 4 (node 1 commits v
 *    and then x, as the paper's QBFT allows). Were the partial signature over the value alone, v and
 *    x would each gather t = 3 partials with the Byzantine node's: two signed blocks at one height.
 *    Over the round they do not combine: with real threshold BLS (noble), partials of rounds 1 and 3
 *    on v yield no signature that verifies on either round's signing root, and no (round, value) has
 *    more than one honest partial.
 * 2. The scenario the former per-height guard ("never sign COMMITs for two values at one height")
 *    stalled forever — one node withholding COMMITs, three messages lost before GST — now decides.
 *
 * Leaders at height 1: round 1 → 2, round 2 → 3 (Byzantine), round 3 → 0, round 4 → 1.
 * The Byzantine node hides its round-1 lock in its round-2 ROUND-CHANGE and shows it in round 3.
 */
import { bls12_381, bls12_381_Fr as Fr } from '@noble/curves/bls12-381.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import {
  QbftMachine, type Commit, type Prepare, type PrePrepare, type QbftMessage, type QbftOutput, type RoundChange,
} from '../../src/consensus/index.js';
import { simulate, type Value } from './sim/simulator.js';

const bls = bls12_381.longSignatures;
const encoder = new TextEncoder();
const BYZANTINE = 3;
const THRESHOLD = 3;
const HEIGHT = 1;

/** The node's signing root, as docs/architecture.md §5 has it: keccak256(domain ‖ chainId ‖ round ‖ blockHash),
 * with chainId as uint256 and round as uint64, big-endian; the test's block hash is keccak256(valueId). */
function signingRoot(round: number, valueId: string): Uint8Array {
  const domain = encoder.encode('DST-QBFT-COMMIT');
  const chainId = new Uint8Array(32);
  chainId[31] = 7;
  const roundBytes = new Uint8Array(8);
  new DataView(roundBytes.buffer).setBigUint64(0, BigInt(round));
  const blockHash = keccak_256(encoder.encode(valueId));
  const message = new Uint8Array(domain.length + 32 + 8 + 32);
  message.set(domain, 0);
  message.set(chainId, domain.length);
  message.set(roundBytes, domain.length + 32);
  message.set(blockHash, domain.length + 40);
  return keccak_256(message);
}

/** A 3-of-4 Shamir sharing of the cluster key: node i holds p(i + 1) for p(x) = s + a·x + b·x². */
const polynomial = [0x1234_5678_9abc_def0n, 0x0fed_cba9_8765_4321n, 0x1111_2222_3333_4444n];
const scalarBytes = (k: bigint): Uint8Array => Fr.toBytes(k);
const shareOf = (node: number): bigint => polynomial.reduceRight((acc, c) => Fr.add(Fr.mul(acc, BigInt(node + 1)), c), 0n);
const clusterKey = bls.getPublicKey(scalarBytes(polynomial[0]!));
const partial = (node: number, round: number, valueId: string): Uint8Array =>
  bls.sign(bls.hash(signingRoot(round, valueId)), scalarBytes(shareOf(node))).toBytes();

/** Lagrange interpolation at 0 of the partials (by node index): Σ λ_i σ_i. */
function combine(partials: readonly { node: number; signature: Uint8Array }[]) {
  const xs = partials.map((p) => BigInt(p.node + 1));
  let sum = bls12_381.G2.Point.ZERO;
  partials.forEach((p, i) => {
    let lambda = 1n;
    xs.forEach((xj, j) => {
      if (j !== i) lambda = Fr.mul(lambda, Fr.div(xj, Fr.sub(xj, xs[i]!)));
    });
    sum = sum.add(bls12_381.G2.Point.fromBytes(p.signature).multiply(lambda));
  });
  return sum;
}
const verifies = (signature: ReturnType<typeof combine>, round: number, valueId: string): boolean =>
  bls.verify(signature, bls.hash(signingRoot(round, valueId)), clusterKey);

class Cluster {
  readonly machines = [0, 1, 2].map((self) => new QbftMachine<string>({
    self, nodes: 4, valueId: (v) => v, signCommit: (_height, round, _value, id) => partial(self, round, id),
  }));
  /** Everything broadcast so far. */
  readonly sent: QbftMessage<string>[] = [];

  act(node: number, outputs: QbftOutput<string>[]): void {
    for (const o of outputs) {
      if (o.kind === 'broadcast') this.sent.push(o.message);
      if (o.kind === 'validate') this.act(node, this.machines[node]!.validated(o.height, o.valueId, true));
      if (o.kind === 'need-value') this.act(node, this.machines[node]!.propose(o.height, `value of ${node}`));
    }
  }

  deliver(to: number, messages: QbftMessage<string>[]): void {
    for (const m of messages) this.act(to, this.machines[to]!.receive(m));
  }

  timeout(node: number): void {
    const m = this.machines[node]!;
    this.act(node, m.timeout(m.height, m.round));
  }

  find<T extends QbftMessage<string>>(type: T['type'], round: number, senders: number[]): T[] {
    return senders.map((s) => {
      const found = this.sent.find((m) => m.type === type && 'round' in m && m.round === round && m.sender === s);
      if (found === undefined) throw new Error(`no ${type} of round ${round} from ${s}`);
      return found as T;
    });
  }

  get commits(): Commit[] {
    return this.sent.filter((m): m is Commit => m.type === 'COMMIT');
  }
}

const prepare = (round: number, value: string): Prepare => ({ type: 'PREPARE', height: HEIGHT, round, sender: BYZANTINE, valueId: value });
const roundChange = (round: number, prepared?: RoundChange<string>['prepared']): RoundChange<string> =>
  ({ type: 'ROUND-CHANGE', height: HEIGHT, round, sender: BYZANTINE, prepared });

/** Drives the four rounds; returns the cluster and the two values. */
function fourUndecidedRounds(): { c: Cluster; v: string; x: string } {
  const c = new Cluster();
  for (let i = 0; i < 3; i++) c.act(i, c.machines[i]!.start(HEIGHT));

  // Round 1: node 2 proposes v; only node 1 sees a PREPARE quorum (0, 1, 3) and commits v.
  const [v1] = c.find<PrePrepare<string>>('PRE-PREPARE', 1, [2]);
  const v = v1!.value;
  c.deliver(0, [v1!]);
  c.deliver(1, [v1!]);
  c.deliver(1, [...c.find<Prepare>('PREPARE', 1, [0]), prepare(1, v)]);

  // Round 2: everyone times out. The Byzantine leader (3) claims no lock and proposes x, justified by
  // the round changes of 0, 2 and its own; only node 1 sees the PREPARE quorum (0, 2, 3): it commits x.
  for (let i = 0; i < 3; i++) c.timeout(i);
  const x = 'x';
  const x2: PrePrepare<string> = {
    type: 'PRE-PREPARE', height: HEIGHT, round: 2, sender: BYZANTINE, value: x,
    justification: { roundChanges: [...c.find<RoundChange<string>>('ROUND-CHANGE', 2, [0, 2]), roundChange(2)], prepares: [] },
  };
  for (let i = 0; i < 3; i++) c.deliver(i, [x2]);
  c.deliver(1, [...c.find<Prepare>('PREPARE', 2, [0, 2]), prepare(2, x)]);

  // Round 3 (leader 0): 0 and 2 move on, having seen each other's and 3's round change; 3 now shows
  // its round-1 lock on v, with the genuine PREPAREs of round 1 as proof. 0 proposes v again; only
  // node 2 sees the PREPARE quorum (0, 2, 3) and commits v.
  const rc2 = [...c.find<RoundChange<string>>('ROUND-CHANGE', 2, [0, 2]), roundChange(2)];
  c.deliver(0, rc2);
  c.deliver(2, rc2);
  c.timeout(0);
  c.timeout(2);
  const lock = { round: 1, value: v, prepares: [...c.find<Prepare>('PREPARE', 1, [0, 1, 2]), prepare(1, v)].slice(0, 3) };
  c.deliver(0, [...c.find<RoundChange<string>>('ROUND-CHANGE', 3, [2]), roundChange(3, lock)]);
  const [v3] = c.find<PrePrepare<string>>('PRE-PREPARE', 3, [0]);
  expect(v3!.value).toBe(v);
  c.deliver(2, [v3!]);
  c.deliver(2, [...c.find<Prepare>('PREPARE', 3, [0]), prepare(3, v)]);

  // Round 4 (leader 1): 0, 1 and 3 move on; node 1's round change reports x prepared in round 2, the
  // highest, so 1 proposes x; only node 0 sees the PREPARE quorum (0, 1, 3) and commits x.
  const rc3 = [...c.find<RoundChange<string>>('ROUND-CHANGE', 3, [0, 2]), roundChange(3, lock)];
  c.deliver(1, rc3); // 1 jumps to round 3 (f + 1 ahead of it)
  c.deliver(0, rc3);
  c.timeout(0);
  c.timeout(1);
  const rc4 = [...c.find<RoundChange<string>>('ROUND-CHANGE', 4, [0]), roundChange(4)];
  c.deliver(1, rc4);
  const [x4] = c.find<PrePrepare<string>>('PRE-PREPARE', 4, [1]);
  expect(x4!.value).toBe(x);
  c.deliver(0, [x4!]);
  c.deliver(0, [...c.find<Prepare>('PREPARE', 4, [1]), prepare(4, x)]);
  return { c, v, x };
}

describe('per-round partial signatures', () => {
  it('the sharing and combination used below do produce the cluster signature from t partials of one round', () => {
    const root = { round: 5, valueId: 'anything' };
    const signature = combine([0, 2, 3].map((node) => ({ node, signature: partial(node, root.round, root.valueId) })));
    expect(verifies(signature, root.round, root.valueId)).toBe(true);
    expect(verifies(signature, root.round + 1, root.valueId)).toBe(false);
  });

  it('partials of different rounds do not combine: four undecided rounds yield no signature on any value', () => {
    const { c, v, x } = fourUndecidedRounds();
    for (const m of c.machines) expect(m.decision).toBeUndefined();
    const commits = c.commits;
    // Node 1 committed v and then x (no per-height guard); every COMMIT is signed over its round.
    expect(commits.filter((m) => m.sender === 1).map((m) => [m.round, m.valueId])).toEqual([[1, v], [2, x]]);
    for (const m of commits) expect(m.signature).toEqual(partial(m.sender, m.round, m.valueId));

    // What value-only signatures would have allowed: with the Byzantine node's, v and x each reach t.
    const byValue = (id: string) => new Set(commits.filter((m) => m.valueId === id).map((m) => m.sender));
    expect(byValue(v)).toEqual(new Set([1, 2]));
    expect(byValue(x)).toEqual(new Set([0, 1]));

    // Over the round: every (round, value) has one honest partial, so even with the Byzantine node's
    // share signing anything in any round, no value reaches t in any round.
    const byRoot = new Map<string, Set<number>>();
    for (const m of commits) {
      const key = `${m.round}|${m.valueId}`;
      byRoot.set(key, (byRoot.get(key) ?? new Set()).add(m.sender));
    }
    expect([...byRoot.keys()].sort()).toEqual([`1|${v}`, `2|${x}`, `3|${v}`, `4|${x}`]);
    for (const honest of byRoot.values()) expect(honest.size + 1).toBeLessThan(THRESHOLD);

    // And concretely: v's partials of rounds 1 (node 1) and 3 (node 2), with the Byzantine share's on
    // either round, combine into nothing that verifies on round 1's or round 3's signing root.
    const [v1] = commits.filter((m) => m.round === 1);
    const [v3] = commits.filter((m) => m.round === 3);
    for (const byzantineRound of [1, 3]) {
      const signature = combine([
        { node: v1!.sender, signature: v1!.signature },
        { node: v3!.sender, signature: v3!.signature },
        { node: BYZANTINE, signature: partial(BYZANTINE, byzantineRound, v) },
      ]);
      expect(verifies(signature, 1, v)).toBe(false);
      expect(verifies(signature, 3, v)).toBe(false);
    }
  });
});

describe('no liveness cost', () => {
  /**
   * n = 4, node 3 Byzantine: it takes part but never sends a COMMIT or a DECIDED. Before the network
   * settles, only node 1 sees round 1's PREPAREs (it commits v) and node 1's ROUND-CHANGE for round 2
   * is lost on its way to node 3, round 2's leader, which proposes its own v'. With a per-height guard
   * node 1 could never commit v', and 0 and 2 alone are no quorum: the height stalled forever. Now node
   * 1 commits v' in round 2 and everyone decides it.
   */
  it('the scenario the per-height guard stalled now decides, node 1 signing v in round 1 and v\' in round 2', () => {
    const drop = (from: number, to: number, m: QbftMessage<Value>): boolean =>
      (m.type === 'PREPARE' && m.round === 1 && to !== 1) || (m.type === 'ROUND-CHANGE' && m.round === 2 && from === 1 && to === 3);
    const node1Commits: string[] = [];
    const report = simulate({
      seed: 1, nodes: 4, heights: 1, maxLinkDelayMs: 10, drop, byzantine: new Map([[3, ['withhold-commits'] as const]]),
      maxMsAfterGst: 120_000,
      trace: (line) => {
        const commit = / node 1 h1 r\d+ -> broadcast COMMIT h1 (r\d+) from 1 (\S+)$/.exec(line);
        if (commit !== null) node1Commits.push(`${commit[1]} ${commit[2]}`);
      },
    });
    expect(report.violations).toEqual([]);
    const decided = [0, 1, 2].map((i) => report.decisions.get(i)!.get(HEIGHT));
    expect(decided[0]).toMatch(/^v\|1\|3\|/); // round 2's leader's value
    expect(new Set(decided)).toEqual(new Set([decided[0]]));
    expect(node1Commits).toEqual([expect.stringMatching(/^r1 #v\|1\|2\|/), `r2 #${decided[0]}`]);
  });
});
