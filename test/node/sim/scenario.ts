/**
 * Seeded scenarios for the whole-node simulator (./simulator.ts), the fixtures they need (threshold
 * keys, transactions signed by viem wallets — made once per process) and the runner that reports each
 * failure with its seed and the command that replays it.
 *
 * A scenario: a cluster of 4 nodes (sometimes 1 or 7), block time 0 or 50 ms, 1..8 transactions from
 * up to 6 senders sent to random nodes over the chaos phase of 1.5–4 s, links with 0–20 % drops,
 * 0–10 % duplicates and 1–40 ms delays; in about a third of the runs a partition (one node or two
 * against the rest) that heals within the chaos phase; in about half, one or two crashes with
 * restarts; in about a third, one Byzantine node (equivocating proposer, invalid partials, withheld
 * COMMITs, or claiming to be far ahead); in a fifth, one node's disk refuses every write for a while.
 */
import { createThresholdKey, type ThresholdKey } from '../../../src/crypto/index.js';
import { Prng } from '../../consensus/sim/prng.js';
import { hexToBytes, signTransfers, testAccounts } from '../wallets.js';
import { BYZANTINE_KINDS } from './byzantine.js';
import { CHAIN_ID, simulate, type Fixtures, type Scenario, type SimResult } from './simulator.js';

export const SENDERS = 6;
export const NONCES = 4;

/** Keys and signed transactions: `nonces` per sender (the random scenarios use `NONCES`; longer runs more). */
export async function makeFixtures(nonces = NONCES): Promise<Fixtures> {
  const keys = new Map<number, ThresholdKey>();
  for (const [nodes, threshold] of [[1, 1], [4, 3], [7, 5]] as const) keys.set(nodes, createThresholdKey({ shares: nodes, threshold }));
  const wallets = testAccounts(SENDERS + 1, 'dst-node-sim');
  const signed: Uint8Array[][] = [];
  for (const wallet of wallets.slice(0, SENDERS)) signed.push((await signTransfers(wallet, Number(CHAIN_ID), 0, nonces)).map(hexToBytes));
  const probe = hexToBytes((await signTransfers(wallets[SENDERS]!, Number(CHAIN_ID), 0, 1))[0]!);
  return {
    keyFor: (nodes) => keys.get(nodes)!,
    transaction: (sender, nonce) => signed[sender]![nonce]!,
    probe: () => probe,
  };
}

export function randomScenario(seed: number): Scenario {
  const prng = new Prng(seed);
  const nodes = prng.pick([4, 4, 4, 4, 4, 4, 4, 4, 4, 1, 1, 7]);
  const f = Math.floor((nodes - 1) / 3);
  const chaosMs = prng.int(1_500, 4_000);
  const faults = { dropRate: prng.pick([0, 0, 0.02, 0.05, 0.1, 0.2]), duplicateRate: prng.pick([0, 0, 0.05, 0.1]), maxDelayMs: prng.int(1, 40) };
  const submissions: Scenario['submissions'] = [];
  const count = prng.int(1, 8);
  const nextNonce = new Array<number>(SENDERS).fill(0);
  for (let i = 0; i < count; i++) {
    const sender = prng.int(0, SENDERS - 1);
    if (nextNonce[sender]! >= NONCES) continue;
    submissions.push({ sender, nonce: nextNonce[sender]!++, node: prng.int(0, nodes - 1), atMs: 0 });
  }
  // Times in order, so each sender's nonces are sent in order (to possibly different nodes).
  const times = submissions.map(() => prng.int(0, chaosMs - 200)).sort((a, b) => a - b);
  submissions.forEach((s, i) => (s.atMs = times[i]!));
  const scenario: Scenario = { seed, nodes, faults, chaosMs, crashes: [], submissions, blockTimeMs: prng.pick([0, 0, 50]) };
  if (nodes > 1 && prng.chance(0.35)) {
    const cut = prng.int(1, Math.max(1, f * 2));
    const sides = prng.shuffle(Array.from({ length: nodes }, (_, i) => (i < cut ? 1 : 0)));
    const fromMs = prng.int(0, chaosMs - 500);
    scenario.partition = { sides, fromMs, toMs: prng.int(fromMs + 200, chaosMs) };
  }
  if (prng.chance(0.5)) {
    for (let i = prng.int(1, nodes > 1 ? 2 : 1); i > 0; i--) {
      scenario.crashes.push({ node: prng.int(0, nodes - 1), atMs: prng.int(0, chaosMs - 100), downMs: prng.int(0, 1_500) });
    }
  }
  if (nodes > 1 && prng.chance(0.35)) scenario.byzantine = { node: prng.int(0, nodes - 1), kind: prng.pick(BYZANTINE_KINDS) };
  if (prng.chance(0.2)) {
    const fromMs = prng.int(0, chaosMs - 300);
    scenario.diskFull = { node: prng.int(0, nodes - 1), fromMs, toMs: prng.int(fromMs + 100, chaosMs) };
  }
  return scenario;
}

export function describeScenario(s: Scenario): string {
  const parts = [
    `n=${s.nodes}`,
    `block time ${s.blockTimeMs} ms`,
    `${s.submissions.length} txs`,
    `chaos ${s.chaosMs} ms`,
    `drop ${s.faults.dropRate}, dup ${s.faults.duplicateRate}, delay ≤${s.faults.maxDelayMs} ms`,
  ];
  if (s.partition) parts.push(`partition [${s.partition.sides.join('')}] ${s.partition.fromMs}..${s.partition.toMs} ms`);
  for (const c of s.crashes) parts.push(`node ${c.node + 1} crashes at ${c.atMs} ms for ${c.downMs} ms`);
  if (s.byzantine) parts.push(`node ${s.byzantine.node + 1} byzantine: ${s.byzantine.kind}`);
  if (s.diskFull) parts.push(`node ${s.diskFull.node + 1}'s disk refuses writes ${s.diskFull.fromMs}..${s.diskFull.toMs} ms`);
  return parts.join(', ');
}

export function replayCommand(seed: number): string {
  return `NODE_SIM_SEED=${seed} npx tsx test/node/sim/soak.ts`;
}

export interface SeedFailure {
  seed: number;
  text: string;
}

export async function runSeed(seed: number, fixtures: Fixtures): Promise<{ result: SimResult; failure?: SeedFailure }> {
  const scenario = randomScenario(seed);
  const result = await simulate(scenario, fixtures);
  if (result.violations.length === 0) return { result };
  const text = `seed ${seed} [${describeScenario(scenario)}]\n    ${result.violations.slice(0, 5).join('\n    ')}\n    replay: ${replayCommand(seed)}`;
  return { result, failure: { seed, text } };
}

/** The failure texts of seeds first..first+count−1 (empty when every seed keeps every invariant). */
export async function failingSeeds(first: number, count: number, fixtures: Fixtures): Promise<string[]> {
  const failures: string[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const { failure } = await runSeed(seed, fixtures);
    if (failure) failures.push(failure.text);
  }
  return failures;
}
