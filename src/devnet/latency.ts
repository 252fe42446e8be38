/**
 * Latency profiles (issue 18, "Distance, made in userspace"): one-way delays between the nodes of a
 * cluster, for the delaying relay of a geo run (./relay.ts, `npm run geo`) and for the whole-node
 * simulator's network (test/node/sim/network.ts), so both run the same distances.
 *
 * - `lan`: 0.2 ms one way between every pair (one switch);
 * - `region`: 5 ms (availability zones / data centres of one metro region);
 * - `continents`: 4 nodes in AWS us-east-1 (N. Virginia), eu-central-1 (Frankfurt), ap-northeast-1
 *   (Tokyo) and sa-east-1 (São Paulo);
 * - `continents-7`: those four and us-west-2 (Oregon), eu-west-1 (Ireland), ap-southeast-2 (Sydney).
 *
 * The continental delays are half the average round trips of the table "Latency Between AWS Global
 * Regions" (ms, EC2 instances pinging each other), as reproduced in "AWS Regions", A Computer
 * Scientist Learns AWS, April 2017 (https://acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html),
 * each pair's two directions averaged. Current figures (e.g. cloudping.co) are within about 10 % for
 * these pairs; the shape — one close pair (Virginia–Frankfurt), one far (Tokyo–São Paulo) — is what
 * matters for a quorum's critical path.
 *
 * `criticalPathMs` gives the ideal proposal → decision time of QBFT's three message delays over such a
 * matrix (no processing), which the geo run prints next to its measured p50.
 */

export interface LatencyProfile {
  readonly name: string;
  /** One label per node (a region, or "node i"). */
  readonly sites: readonly string[];
  /** oneWayMs[i][j]: one-way delay from node i to node j (0 on the diagonal). */
  readonly oneWayMs: readonly (readonly number[])[];
  /** Uniform extra delay 0..jitterMs per chunk or message (0: none). */
  readonly jitterMs: number;
  /** Probability that a chunk or message stalls as a lost TCP segment would (0: none). */
  readonly lossRate: number;
}

/** Average round trips (ms) of the cited table, by unordered pair of regions. */
const AWS_ROUND_TRIP_MS: Readonly<Record<string, number>> = {
  'virginia|frankfurt': 88.64, 'virginia|tokyo': 145.3, 'virginia|sao-paulo': 119.5, 'frankfurt|tokyo': 236.55,
  'frankfurt|sao-paulo': 194.9, 'tokyo|sao-paulo': 256.8, 'virginia|oregon': 87.83, 'virginia|ireland': 80.54,
  'virginia|sydney': 229.85, 'frankfurt|oregon': 159.5, 'frankfurt|ireland': 19.56, 'frankfurt|sydney': 323.35,
  'tokyo|oregon': 89.13, 'tokyo|ireland': 212.4, 'tokyo|sydney': 103.9, 'sao-paulo|oregon': 182.7,
  'sao-paulo|ireland': 191.3, 'sao-paulo|sydney': 322.5, 'oregon|ireland': 137, 'oregon|sydney': 162.05,
  'ireland|sydney': 309.6,
};

function uniform(name: string, nodes: number, oneWayMs: number): LatencyProfile {
  const sites = Array.from({ length: nodes }, (_, i) => `node ${i + 1}`);
  const matrix = sites.map((_, i) => sites.map((__, j) => (i === j ? 0 : oneWayMs)));
  return { name, sites, oneWayMs: matrix, jitterMs: 0, lossRate: 0 };
}

function regions(name: string, sites: readonly string[]): LatencyProfile {
  const matrix = sites.map((a, i) =>
    sites.map((b, j) => {
      if (i === j) return 0;
      const rtt = AWS_ROUND_TRIP_MS[`${a}|${b}`] ?? AWS_ROUND_TRIP_MS[`${b}|${a}`];
      if (rtt === undefined) throw new Error(`latency profile ${name}: no round trip for ${a}–${b}`);
      return Math.round((rtt / 2) * 10) / 10;
    }),
  );
  return { name, sites, oneWayMs: matrix, jitterMs: 0, lossRate: 0 };
}

export const LATENCY_PROFILE_NAMES = ['lan', 'region', 'continents', 'continents-7'] as const;
export type LatencyProfileName = (typeof LATENCY_PROFILE_NAMES)[number];

/** The named profile for `nodes` nodes (the continental ones fix their size: 4 and 7). */
export function latencyProfile(name: LatencyProfileName, nodes = name === 'continents-7' ? 7 : 4): LatencyProfile {
  switch (name) {
    case 'lan':
      return uniform(name, nodes, 0.2);
    case 'region':
      return uniform(name, nodes, 5);
    case 'continents':
    case 'continents-7': {
      const sites = name === 'continents'
        ? ['virginia', 'frankfurt', 'tokyo', 'sao-paulo']
        : ['virginia', 'frankfurt', 'tokyo', 'sao-paulo', 'oregon', 'ireland', 'sydney'];
      if (nodes !== sites.length) throw new RangeError(`latency profile ${name} has ${sites.length} nodes, asked for ${nodes}`);
      return regions(name, sites);
    }
  }
}

/** A profile with jitter and stalls added. */
export function withFaults(profile: LatencyProfile, faults: { jitterMs?: number; lossRate?: number }): LatencyProfile {
  return { ...profile, jitterMs: faults.jitterMs ?? profile.jitterMs, lossRate: faults.lossRate ?? profile.lossRate };
}

/** The q-th smallest (1-based) of `values`. */
function kth(values: readonly number[], q: number): number {
  return [...values].sort((a, b) => a - b)[q - 1]!;
}

/**
 * QBFT's three message delays over the matrix, with no processing time: leader `leader` sends
 * PRE-PREPARE at 0; node k PREPAREs when it arrives (d[leader][k]); node j is prepared at the quorum-th
 * earliest PREPARE it holds (its own included), then COMMITs; j decides at the quorum-th earliest COMMIT.
 * Returns, per node j, the decision time after the leader's proposal and after j saw the proposal
 * (what a node's `timeToSignatureMs` measures, from the PRE-PREPARE's arrival). `up` leaves nodes out.
 */
export function criticalPathMs(
  oneWayMs: readonly (readonly number[])[],
  leader: number,
  quorum: number,
  up: (node: number) => boolean = () => true,
): Array<{ node: number; fromProposal: number; fromArrival: number }> {
  const n = oneWayMs.length;
  const live = Array.from({ length: n }, (_, i) => i).filter(up);
  const seen = (k: number): number => (k === leader ? 0 : oneWayMs[leader]![k]!);
  const prepared = live.map((j) => kth(live.map((k) => seen(k) + (k === j ? 0 : oneWayMs[k]![j]!)), quorum));
  const preparedAt = new Map(live.map((j, x) => [j, prepared[x]!]));
  return live.map((j) => {
    const decided = kth(live.map((k) => preparedAt.get(k)! + (k === j ? 0 : oneWayMs[k]![j]!)), quorum);
    return { node: j, fromProposal: decided, fromArrival: decided - seen(j) };
  });
}
