/**
 * The pure QBFT rules (src/consensus/qbft/rules.ts) and the default round timer, case by case.
 * Quorum sizes are checked against their defining properties, found by search, not against a table.
 */
import { describe, expect, it } from 'vitest';
import {
  faultTolerance, highestPrepared, isValidRoundChange, justifyPrePrepare, linearRoundTimeout,
  nextRoundFromRoundChanges, quorumSize, roundRobinLeader, type Prepare, type PrePrepare, type RoundChange,
  type RuleContext,
} from '../../src/consensus/index.js';

describe('quorum sizes', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('n = %i', (n) => {
    // f: the most Byzantine nodes n can tolerate, n ≥ 3f + 1.
    let f = 0;
    while (3 * (f + 1) + 1 <= n) f++;
    expect(faultTolerance(n)).toBe(f);
    // The smallest quorum such that any two quorums share f + 1 nodes (so one honest node).
    let q = 1;
    while (2 * q - n < f + 1) q++;
    expect(quorumSize(n)).toBe(q);
    // And the honest nodes alone can form one (liveness).
    expect(quorumSize(n)).toBeLessThanOrEqual(n - f);
  });
});

describe('round-robin leader and linear round timer', () => {
  it('rotates over heights and rounds', () => {
    expect([1, 2, 3, 4, 5].map((r) => roundRobinLeader(7, r, 4))).toEqual([0, 1, 2, 3, 0]);
  });

  it('grows linearly and rejects nonsense', () => {
    const t = linearRoundTimeout();
    expect([1, 2, 3].map(t)).toEqual([1000, 2000, 3000]);
    expect([1, 2, 3].map(linearRoundTimeout(500, 250))).toEqual([500, 750, 1000]);
    expect(() => linearRoundTimeout(0, 1)).toThrow(/baseMs > 0/);
    expect(() => linearRoundTimeout(1, -1)).toThrow(/stepMs ≥ 0/);
  });
});

describe('nextRoundFromRoundChanges (f + 1 rule)', () => {
  it('moves to the smallest round among the f + 1 highest ahead of us', () => {
    expect(nextRoundFromRoundChanges([5, 3, 0, 0], 2, 1)).toBe(3);
    expect(nextRoundFromRoundChanges([5, 9, 4, 0], 2, 1)).toBe(5);
    expect(nextRoundFromRoundChanges([5, 3, 0, 0], 3, 1)).toBe(0);
    expect(nextRoundFromRoundChanges([8, 0, 0, 0, 0, 0, 0], 1, 2)).toBe(0);
    expect(nextRoundFromRoundChanges([4], 1, 0)).toBe(4);
  });
});

// A 4-node cluster at height 10; values are strings and are their own ids.
const ctx: RuleContext<string> = { nodes: 4, quorum: 3, valueId: (v) => v, leader: roundRobinLeader };
const H = 10;
const prepare = (sender: number, round: number, valueId: string, height = H): Prepare =>
  ({ type: 'PREPARE', height, round, sender, valueId });
const rc = (sender: number, round: number, prepared?: { round: number; value: string; prepares: Prepare[] }, height = H): RoundChange<string> =>
  ({ type: 'ROUND-CHANGE', height, round, sender, prepared });
const certificate = (round: number, value: string, senders = [0, 1, 2]): Prepare[] => senders.map((s) => prepare(s, round, value));
const leaderOf = (round: number): number => (H + round) % 4;
const proposal = (round: number, value: string, roundChanges?: RoundChange<string>[], prepares: Prepare[] = []): PrePrepare<string> => ({
  type: 'PRE-PREPARE', height: H, round, sender: leaderOf(round), value,
  justification: roundChanges === undefined ? undefined : { roundChanges, prepares },
});

describe('justifyPrePrepare (Algorithm 4)', () => {
  it('round 1 needs only the right leader', () => {
    expect(justifyPrePrepare(ctx, proposal(1, 'a'), 'a')).toBe(true);
    expect(justifyPrePrepare(ctx, { ...proposal(1, 'a'), sender: leaderOf(1) + 1 }, 'a')).toBe(false);
  });

  it('J1: a round-change quorum with nothing prepared justifies any value', () => {
    expect(justifyPrePrepare(ctx, proposal(3, 'b', [rc(0, 3), rc(1, 3), rc(3, 3)]), 'b')).toBe(true);
  });

  it('J2: the highest prepared value, proven by a PREPARE quorum, and only it', () => {
    const rcs = [rc(0, 3, { round: 1, value: 'a', prepares: certificate(1, 'a') }), rc(1, 3, { round: 2, value: 'c', prepares: certificate(2, 'c') }), rc(3, 3)];
    expect(justifyPrePrepare(ctx, proposal(3, 'c', rcs, certificate(2, 'c')), 'c')).toBe(true);
    expect(justifyPrePrepare(ctx, proposal(3, 'a', rcs, certificate(1, 'a')), 'a')).toBe(false); // not the highest
    expect(justifyPrePrepare(ctx, proposal(3, 'z', rcs, certificate(2, 'c')), 'z')).toBe(false); // another value
    expect(justifyPrePrepare(ctx, proposal(3, 'c', rcs), 'c')).toBe(false); // no proof
    expect(justifyPrePrepare(ctx, proposal(3, 'c', rcs, certificate(2, 'c', [0, 1])), 'c')).toBe(false); // too few
    expect(justifyPrePrepare(ctx, proposal(3, 'c', rcs, certificate(1, 'c')), 'c')).toBe(false); // wrong round
    expect(justifyPrePrepare(ctx, proposal(3, 'c', rcs, certificate(2, 'c', [0, 1, 1])), 'c')).toBe(false); // repeated sender
  });

  it('rejects forged or stale round-change quorums', () => {
    const v = 'b';
    expect(justifyPrePrepare(ctx, proposal(3, v), v)).toBe(false); // none
    expect(justifyPrePrepare(ctx, proposal(3, v, [rc(0, 3), rc(1, 3)]), v)).toBe(false); // too few
    expect(justifyPrePrepare(ctx, proposal(3, v, [rc(0, 3), rc(1, 3), rc(1, 3)]), v)).toBe(false); // repeated sender
    expect(justifyPrePrepare(ctx, proposal(3, v, [rc(0, 3), rc(1, 3), rc(3, 2)]), v)).toBe(false); // another round
    expect(justifyPrePrepare(ctx, proposal(3, v, [rc(0, 3), rc(1, 3), rc(3, 3, undefined, H - 1)]), v)).toBe(false); // stale height
    expect(justifyPrePrepare(ctx, proposal(3, v, [rc(0, 3), rc(1, 3), rc(3, 3, { round: 3, value: v, prepares: certificate(3, v) })], certificate(3, v)), v)).toBe(false); // prepared "in" the round itself
    expect(justifyPrePrepare(ctx, { ...proposal(3, v, [rc(0, 3), rc(1, 3), rc(3, 3)]), sender: leaderOf(3) + 1 }, v)).toBe(false); // not the leader
  });
});

describe('isValidRoundChange and highestPrepared', () => {
  it('checks the prepared certificate a round change carries', () => {
    expect(isValidRoundChange(ctx, rc(0, 2), H)).toBe(true);
    expect(isValidRoundChange(ctx, rc(0, 1), H)).toBe(false);
    expect(isValidRoundChange(ctx, rc(0, 2), H + 1)).toBe(false);
    expect(isValidRoundChange(ctx, rc(0, 3, { round: 2, value: 'a', prepares: certificate(2, 'a') }), H)).toBe(true);
    expect(isValidRoundChange(ctx, rc(0, 3, { round: 3, value: 'a', prepares: certificate(3, 'a') }), H)).toBe(false);
    expect(isValidRoundChange(ctx, rc(0, 3, { round: 2, value: 'a', prepares: certificate(2, 'b') }), H)).toBe(false);
    expect(isValidRoundChange(ctx, rc(0, 3, { round: 2, value: 'a', prepares: certificate(1, 'a') }), H)).toBe(false);
    expect(isValidRoundChange(ctx, rc(0, 3, { round: 2, value: 'a', prepares: [prepare(0, 2, 'a'), prepare(1, 2, 'a'), prepare(2, 2, 'a', H + 1)] }), H)).toBe(false);
  });

  it('finds the highest prepared report', () => {
    const a = { round: 1, value: 'a', prepares: [] };
    const c = { round: 4, value: 'c', prepares: [] };
    expect(highestPrepared([rc(0, 5, a), rc(1, 5), rc(2, 5, c)])).toBe(c);
    expect(highestPrepared([rc(0, 5), rc(1, 5)])).toBeUndefined();
  });
});
