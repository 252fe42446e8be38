/**
 * Random simulator scenarios, one per seed: cluster size, Byzantine nodes (at most f) and their
 * behaviours, drop and duplicate rates, link delays, a partition healing at GST, crashes (some in the
 * middle of acting on a call's outputs) with restarts from persisted state, and the number of heights.
 */
import { faultTolerance } from '../../../src/consensus/index.js';
import { Prng } from './prng.js';
import type { ByzantineBehaviour, Crash, SimOptions } from './simulator.js';

const BEHAVIOURS: readonly ByzantineBehaviour[] = ['silent', 'withhold-commits', 'equivocate', 'commit-unprepared', 'forge', 'replay', 'fuzz'];
/** Small clusters are cheaper and hit corner cases more often per second of test time. */
const SIZES = [1, 4, 4, 4, 4, 7, 7, 10, 13] as const;

export function randomScenario(seed: number, sizes: readonly number[] = SIZES): SimOptions {
  const rng = new Prng(seed ^ 0x5eed5eed);
  const nodes = rng.pick(sizes);
  const f = faultTolerance(nodes);
  const order = rng.shuffle(Array.from({ length: nodes }, (_, i) => i));
  const byzantineCount = rng.int(0, f);
  const byzantine = new Map<number, ByzantineBehaviour[]>();
  for (const node of order.slice(0, byzantineCount)) {
    byzantine.set(node, rng.shuffle([...BEHAVIOURS]).slice(0, rng.int(1, 3)));
  }
  const honest = order.slice(byzantineCount);
  const gstMs = rng.chance(0.2) ? 0 : rng.int(0, 15_000);
  const crashes: Crash[] = [];
  if (gstMs > 0 && nodes > 1) {
    for (const node of rng.shuffle([...honest]).slice(0, rng.int(0, Math.min(2, honest.length)))) {
      const atMs = rng.int(0, gstMs - 1);
      crashes.push({ node, atMs, downMs: rng.int(1, gstMs - atMs), midCall: rng.chance(0.5) });
    }
  }
  const partition = gstMs > 0 && nodes > 1 && rng.chance(0.4) ? order.slice(0, rng.int(1, nodes - 1)) : undefined;
  return {
    seed,
    nodes,
    heights: rng.int(1, 3),
    byzantine,
    maxLinkDelayMs: 750,
    dropRate: rng.next() * 0.3,
    duplicateRate: rng.next() * 0.1,
    partition,
    gstMs,
    crashes,
  };
}

/** A one-line description for failure messages. */
export function describeScenario(o: SimOptions): string {
  const byz = [...(o.byzantine ?? new Map())].map(([i, b]) => `${i}:${b.join('+')}`).join(' ');
  const crashes = (o.crashes ?? []).map((c) => `${c.node}@${c.atMs}+${c.downMs}${c.midCall ? '(mid-call)' : ''}`).join(' ');
  return `n=${o.nodes} heights=${o.heights}${o.reputationWindow === undefined ? '' : ` reputation-window=${o.reputationWindow}`} gst=${o.gstMs}ms drop=${(o.dropRate ?? 0).toFixed(2)} dup=${(o.duplicateRate ?? 0).toFixed(2)}`
    + ` partition=${o.partition ? `[${o.partition.join(',')}]` : 'none'}${(o.mute ?? []).map((m) => ` mute=${m.node}@${m.fromMs}..${m.toMs}`).join('')} byzantine={${byz}} crashes={${crashes}}`;
}
