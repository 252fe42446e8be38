/**
 * Scripted QBFT simulations (test/consensus/sim): a node that restarts without its persisted state is
 * the one thing that breaks safety, and the invariant checker catches it; the same script with the
 * state restored keeps every invariant. Also the fault-free and single-node cases. (The scenario the
 * old per-height signing guard stalled is in qbft-per-round-signing.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { QbftMessage } from '../../src/consensus/index.js';
import { simulate, type Value } from './sim/simulator.js';

/**
 * n = 4, height 1. Round 1 (leader 2) proposes v; everyone PREPAREs, but only nodes 0, 1 and 2 see
 * the PREPAREs, and only node 2 sees the COMMITs: node 2 decides v, nodes 0 and 1 have signed v.
 * DECIDED answers are lost. Nodes 0 and 1 crash and restart; node 3, leader of round 2, collects the
 * round changes of 0, 1 and itself.
 */
function lostLockScript(amnesia: boolean) {
  const drop = (_from: number, to: number, m: QbftMessage<Value>): boolean =>
    m.type === 'DECIDED'
    || (to === 3 && (m.type === 'PREPARE' || m.type === 'COMMIT') && m.round === 1)
    || (to !== 2 && m.type === 'COMMIT' && m.round === 1);
  return simulate({
    seed: 7, nodes: 4, heights: 1, maxLinkDelayMs: 10, drop,
    crashes: [{ node: 0, atMs: 200, downMs: 100, amnesia }, { node: 1, atMs: 200, downMs: 100, amnesia }],
    maxMsAfterGst: 60_000,
  });
}

describe('QBFT crash recovery', () => {
  it('nodes restarted from their persisted state keep the lock: everyone decides what node 2 decided', () => {
    const report = lostLockScript(false);
    expect(report.violations).toEqual([]);
    const decided = [0, 1, 2, 3].map((i) => report.decisions.get(i)!.get(1));
    expect(decided[2]).toMatch(/^v\|1\|2\|/); // round 1's leader's value
    expect(new Set(decided)).toEqual(new Set([decided[2]]));
  });

  it('restarting without the persisted state breaks agreement and the one-signature rule, and the checker says so', () => {
    const report = lostLockScript(true);
    const kinds = report.violations.map((v) => v.replace(/^t=\d+ms /, '').split(':')[0]);
    expect(kinds).toContain('agreement');
    expect(kinds).toContain('one signature per height');
    expect(kinds).toContain('lock');
    expect(report.decisions.get(2)!.get(1)).not.toEqual(report.decisions.get(3)!.get(1));
  });
});

describe('QBFT without faults', () => {
  it.each([1, 4, 7, 10, 13])('n = %i decides every height in round 1', (nodes) => {
    const report = simulate({ seed: nodes, nodes, heights: 5, maxLinkDelayMs: 100 });
    expect(report.violations).toEqual([]);
    expect([...report.maxRound.values()]).toEqual([1, 1, 1, 1, 1]);
    for (const chain of report.decisions.values()) expect(chain.size).toBe(5);
  });
});
