/**
 * Leader reputation from the committed chain: the round-1 leader of a height skips operators that
 * recently failed to get a value through as round-1 leader, decided by every honest node from the
 * blocks it has, so they agree on the leader without any extra message. It is an input to QBFT (the
 * machine's `leader` function), so safety is untouched: QBFT's agreement holds for any leader function
 * all honest nodes share (Moniz, arXiv 2002.03613, §3: the leader only has to be a deterministic
 * function of height and round); only liveness depends on the choice.
 *
 * The idea is Carousel's (Cohen, Gelashvili, Kokoris-Kogias, Li, Malkhi, Sonnino, Spiegelman, "Be
 * Aware of Your Leaders", FC 2022, arXiv 2110.00960) and DiemBFT v4's leader reputation: choose leaders
 * from information in the committed chain, which every honest node has identically, so a crashed
 * leader stops costing a timeout at every turn. What the chain tells here — and only what every honest
 * node's chain tells identically:
 *
 * - the header's `proposer` of each block (covered by the block hash, so by agreement identical on every
 *   node, however it got the block — decided or synced). The block's QBFT *round* is not used: a value
 *   decided in round 1 at one node may be signed by a round-2 COMMIT quorum at another (both are
 *   decisions on the same block), so stored rounds may differ between honest nodes;
 * - a block whose proposer is not the height's round-1 leader tells that the round-1 leader did not get
 *   its value through (a later round decided another leader's value); a block whose proposer is the
 *   round-1 leader tells that it did (also when a later round re-proposed its locked value).
 *
 * **The rule** (heights ≥ 1; operators 0..n−1; W = the window):
 * - Heights are grouped in windows of W: [1, W], [W + 1, 2W], … At the first height of a window
 *   nobody is suspected.
 * - At each height h the round order is the rotation starting at the round-robin leader (h + 1) mod n,
 *   with the suspected operators moved to the end (each group keeping the rotation's order); round r is
 *   led by order[(r − 1) mod n]. With nobody suspected this is exactly `roundRobinLeader`, and every
 *   operator leads once in any n consecutive rounds (the order is a permutation), so QBFT's liveness
 *   argument (an honest leader within f + 1 rounds) is unchanged.
 * - After the block of height h: if its proposer is not order[0] (the round-1 leader), order[0] becomes
 *   suspected; its proposer (if it is an operator, 1..n in the header) stops being suspected — it got a
 *   value through, in whatever round.
 * - Fallback: if every operator is suspected (possible only with proposers outside 1..n, i.e. a
 *   Byzantine builder's header), nobody is skipped: the order is the plain rotation. Otherwise at least
 *   the latest block's proposer is a candidate.
 *
 * Hence a permanently dead operator costs at most one round-1 timeout per window (it is suspected after
 * its first turn in the window and for the rest of it), a recovered one gets its turn back at the next
 * window (or at once, if it leads a later round successfully meanwhile), and a flapping or slow one
 * costs at most one timeout per window per time it led successfully in between.
 *
 * **Why a tumbling window** rather than "the last W blocks": whether an operator was the round-1
 * leader at height k depends on the suspicions at k, which depend on the heights before k, and so on
 * back to genesis; with a sliding window the leader at h would depend on the whole chain (or on state
 * carried across restarts that a node that synced blocks would have to rebuild). Restarting from
 * "nobody suspected" at each window's first height makes the leader at h an exact function of at most
 * W − 1 stored headers, which every node — restarted, synced or not — recomputes identically.
 */
import { roundRobinLeader } from './rules.js';

/** Heights per window (see the module comment): at 200 ms blocks a dead operator costs one timeout in 12.8 s. */
export const DEFAULT_REPUTATION_WINDOW = 64;

/** What the rule knows at one height: the operators it suspects (0-based indices). */
export interface ReputationState {
  readonly height: number;
  readonly suspects: ReadonlySet<number>;
}

function checkParameters(height: number, nodes: number, window: number): void {
  if (!Number.isSafeInteger(height) || height < 1) throw new RangeError(`leader reputation: expected a height ≥ 1, got ${height}`);
  if (!Number.isSafeInteger(nodes) || nodes < 1) throw new RangeError(`leader reputation: expected nodes ≥ 1, got ${nodes}`);
  if (!Number.isSafeInteger(window) || window < 1) throw new RangeError(`leader reputation: expected a window ≥ 1, got ${window}`);
}

/** The first height of the window that holds `height`. */
export function reputationWindowStart(height: number, window: number): number {
  return height - ((height - 1) % window);
}

/**
 * The round order at a height: the rotation from the round-robin round-1 leader `(height + 1) mod n`,
 * with the suspects moved to the end; every operator appears exactly once. All suspected: the plain rotation.
 */
export function leaderOrder(height: number, nodes: number, suspects: ReadonlySet<number>): number[] {
  const first = roundRobinLeader(height, 1, nodes);
  const rotation = Array.from({ length: nodes }, (_, k) => (first + k) % nodes);
  if (suspects.size === 0) return rotation;
  const candidates = rotation.filter((i) => !suspects.has(i));
  if (candidates.length === 0) return rotation;
  return [...candidates, ...rotation.filter((i) => suspects.has(i))];
}

/** The leader of `round` (≥ 1) given a height's order. */
export function leaderInOrder(order: readonly number[], round: number): number {
  return order[(round - 1) % order.length]!;
}

/**
 * The state at `state.height + 1` from the state at `state.height` and the proposer of the block decided
 * there (`proposer`: the header's 1-based share index; anything outside 1..n counts as no operator).
 */
export function nextReputation(state: ReputationState, nodes: number, window: number, proposer: number): ReputationState {
  const height = state.height + 1;
  if (reputationWindowStart(height, window) === height) return { height, suspects: new Set() };
  const suspects = new Set(state.suspects);
  const roundOneLeader = leaderOrder(state.height, nodes, state.suspects)[0]!;
  const operator = Number.isSafeInteger(proposer) && proposer >= 1 && proposer <= nodes ? proposer - 1 : -1;
  if (operator !== roundOneLeader) suspects.add(roundOneLeader);
  if (operator >= 0) suspects.delete(operator);
  return { height, suspects };
}

/**
 * The state at `height`, replayed from its window's first height: `proposerAt(k)` is the header's
 * 1-based proposer of block k, asked for the heights of the window below `height` only.
 */
export function reputationAt(height: number, nodes: number, window: number, proposerAt: (height: number) => number): ReputationState {
  checkParameters(height, nodes, window);
  let state: ReputationState = { height: reputationWindowStart(height, window), suspects: new Set() };
  while (state.height < height) state = nextReputation(state, nodes, window, proposerAt(state.height));
  return state;
}

/**
 * Keeps the rule's state for the heights asked: `at(height)` steps from a cached state of the height
 * before, and replays the window from `proposerAt` otherwise. `proposerAt(k)` must answer for every k
 * below the height asked (the caller's committed chain). The last few heights' states and orders are
 * kept, so that parts asking about neighbouring heights (the current one, the next) do not replay.
 */
export class LeaderReputation {
  private readonly cache = new Map<number, { state: ReputationState; order: number[] }>();

  constructor(
    readonly nodes: number,
    readonly window: number = DEFAULT_REPUTATION_WINDOW,
    private readonly proposerAt: (height: number) => number,
  ) {
    checkParameters(1, nodes, window);
  }

  /** The state at `height` (≥ 1). */
  at(height: number): ReputationState {
    return this.entry(height).state;
  }

  /** The round order at `height`. */
  order(height: number): readonly number[] {
    return this.entry(height).order;
  }

  /** The leader of (height, round): QBFT's `leader` input. */
  leader(height: number, round: number): number {
    return leaderInOrder(this.entry(height).order, round);
  }

  private entry(height: number): { state: ReputationState; order: number[] } {
    const cached = this.cache.get(height);
    if (cached !== undefined) return cached;
    const before = this.cache.get(height - 1)?.state;
    const state = before !== undefined
      ? nextReputation(before, this.nodes, this.window, this.proposerAt(before.height))
      : reputationAt(height, this.nodes, this.window, this.proposerAt);
    const entry = { state, order: leaderOrder(height, this.nodes, state.suspects) };
    this.cache.set(height, entry);
    if (this.cache.size > KEPT_HEIGHTS) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }
}

/** Heights whose state `LeaderReputation` keeps. */
const KEPT_HEIGHTS = 4;
