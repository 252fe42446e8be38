/**
 * The predicates of QBFT as pure functions, named after the paper (Moniz, "The Istanbul BFT Consensus
 * Algorithm", arXiv 2002.03613): quorum sizes (§2), the leader function, Algorithm 4's
 * `JustifyPrePrepare`, `JustifyRoundChange` and `HighestPrepared`, and the round-change rule of
 * Algorithm 3 that moves a node to the smallest round f+1 others have moved to.
 *
 * Each function only reads its arguments. They assume the transport authenticated every message,
 * embedded ones included, and they check everything else: heights, rounds, distinct senders, value
 * identities, quorum sizes.
 */
import type { Prepare, PrePrepare, PreparedCertificate, RoundChange } from './types.js';

/** f = ⌊(n − 1) / 3⌋: the number of Byzantine nodes a cluster of n tolerates. */
export function faultTolerance(nodes: number): number {
  return Math.floor((nodes - 1) / 3);
}

/** ⌈(n + f + 1) / 2⌉: any two quorums share at least f + 1 nodes, hence one honest node
 * (2f + 1 when n = 3f + 1; 1 when n = 1). */
export function quorumSize(nodes: number): number {
  return Math.ceil((nodes + faultTolerance(nodes) + 1) / 2);
}

/** The default leader: round-robin over heights and rounds, `(height + round) mod n` (docs/qbft.md "Leader choice"). */
export function roundRobinLeader(height: number, round: number, nodes: number): number {
  return (height + round) % nodes;
}

/** What the rules need to know about the cluster. */
export interface RuleContext<V> {
  readonly nodes: number;
  readonly quorum: number;
  readonly valueId: (value: V) => string;
  readonly leader: (height: number, round: number, nodes: number) => number;
}

/** Number of distinct senders in `messages`, or -1 when a sender repeats or is out of range. */
function distinctSenders(messages: readonly { sender: number }[], nodes: number): number {
  if (nodes <= 30) {
    let seen = 0;
    for (const m of messages) {
      const s = m.sender;
      if (!Number.isInteger(s) || s < 0 || s >= nodes || (seen & (1 << s)) !== 0) return -1;
      seen |= 1 << s;
    }
    return messages.length;
  }
  const seen = new Set<number>();
  for (const m of messages) {
    const s = m.sender;
    if (!Number.isInteger(s) || s < 0 || s >= nodes || seen.has(s)) return -1;
    seen.add(s);
  }
  return messages.length;
}

/** A PREPARE quorum for `valueId` at (height, round): the paper's "quorum of valid PREPARE messages". */
export function isPrepareQuorum(
  prepares: readonly Prepare[], height: number, round: number, valueId: string, nodes: number, quorum: number,
): boolean {
  if (prepares.length < quorum || distinctSenders(prepares, nodes) < 0) return false;
  for (const p of prepares) {
    if (p.type !== 'PREPARE' || p.height !== height || p.round !== round || p.valueId !== valueId) return false;
  }
  return true;
}

/**
 * A single ROUND-CHANGE is valid when it targets a round ≥ 2 and, if it reports a prepared value,
 * the report is for an earlier round and carries a PREPARE quorum for that round and value.
 */
export function isValidRoundChange<V>(ctx: RuleContext<V>, rc: RoundChange<V>, height: number): boolean {
  if (rc.height !== height || !(rc.round >= 2)) return false;
  const prepared = rc.prepared;
  if (prepared === undefined) return true;
  if (!(prepared.round >= 1 && prepared.round < rc.round)) return false;
  return isPrepareQuorum(prepared.prepares, height, prepared.round, ctx.valueId(prepared.value), ctx.nodes, ctx.quorum);
}

/** Algorithm 4 `HighestPrepared`: the prepared report with the highest round among `roundChanges`. */
export function highestPrepared<V>(roundChanges: readonly RoundChange<V>[]): PreparedCertificate<V> | undefined {
  let best: PreparedCertificate<V> | undefined;
  for (const rc of roundChanges) {
    if (rc.prepared !== undefined && (best === undefined || rc.prepared.round > best.round)) best = rc.prepared;
  }
  return best;
}

/**
 * Algorithm 4 `JustifyRoundChange`/`JustifyPrePrepare` core: `roundChanges` is a quorum of
 * ROUND-CHANGEs for (height, round) from distinct nodes, and either none reports a prepared value
 * (J1: any value may be proposed), or `prepares` is a PREPARE quorum for the highest reported
 * (round, value) and `valueId` is that value (J2).
 */
export function justifyRoundChangeQuorum<V>(
  ctx: RuleContext<V>,
  height: number,
  round: number,
  roundChanges: readonly RoundChange<V>[],
  prepares: readonly Prepare[],
  valueId: string,
): boolean {
  if (roundChanges.length < ctx.quorum || distinctSenders(roundChanges, ctx.nodes) < 0) return false;
  let highest = 0;
  for (const rc of roundChanges) {
    if (rc.type !== 'ROUND-CHANGE' || rc.height !== height || rc.round !== round) return false;
    const pr = rc.prepared;
    if (pr !== undefined) {
      if (!(pr.round >= 1 && pr.round < round)) return false;
      if (pr.round > highest) highest = pr.round;
    }
  }
  if (highest === 0) return true; // J1
  // J2: one of the round changes reported (highest, value), and a PREPARE quorum proves it.
  let reported = false;
  for (const rc of roundChanges) {
    if (rc.prepared !== undefined && rc.prepared.round === highest && ctx.valueId(rc.prepared.value) === valueId) {
      reported = true;
      break;
    }
  }
  return reported && isPrepareQuorum(prepares, height, highest, valueId, ctx.nodes, ctx.quorum);
}

/**
 * Algorithm 4 `JustifyPrePrepare`: the PRE-PREPARE comes from the round's leader, and a round > 1 is
 * justified by its round-change quorum (`justifyRoundChangeQuorum`). Round 1 needs no justification.
 */
export function justifyPrePrepare<V>(ctx: RuleContext<V>, msg: PrePrepare<V>, valueId: string): boolean {
  if (msg.sender !== ctx.leader(msg.height, msg.round, ctx.nodes)) return false;
  if (msg.round === 1) return true;
  const j = msg.justification;
  if (j === undefined) return false;
  return justifyRoundChangeQuorum(ctx, msg.height, msg.round, j.roundChanges, j.prepares, valueId);
}

/**
 * Algorithm 3, "upon f + 1 ROUND-CHANGE messages with round > r_i": given each node's highest
 * round-change round (0 when none), the smallest round that f + 1 nodes have all moved past r_i to,
 * i.e. the minimum over the f + 1 highest such rounds; 0 when fewer than f + 1 nodes are ahead.
 * With at most f Byzantine nodes, at least one of them is honest, so an honest node has reached it.
 */
export function nextRoundFromRoundChanges(highestRounds: readonly number[], currentRound: number, f: number): number {
  const ahead: number[] = [];
  for (const r of highestRounds) if (r > currentRound) ahead.push(r);
  if (ahead.length < f + 1) return 0;
  ahead.sort((a, b) => b - a);
  return ahead[f]!;
}
