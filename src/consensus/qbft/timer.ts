/**
 * Round-timer strategies for QBFT. The paper (Moniz, arXiv 2002.03613, §3) only asks that the timeout
 * t(r) grow with the round so that, after the network stabilises, rounds eventually last long enough
 * for an honest leader to finish one.
 *
 * Two strategies: `linearRoundTimeout`, the machine's default, and `AdaptiveRoundTimeout`, the node's
 * (issue 18): the same linear shape with its base fitted to measured round phases and peer round trips
 * (see its comment).
 *
 * The default is linear growth, `base + step · (r − 1)` (1 s, 2 s, 3 s, …), the shape of Charon's
 * default "increasing" timer, chosen for clusters spread across continents:
 * - the happy path needs three one-way delays (PRE-PREPARE, PREPARE, COMMIT); between continents one
 *   delay is ~100–250 ms, so a 1 s first round leaves room for block validation, while a crashed
 *   leader costs only 1 s of block time;
 * - an unknown delay bound Δ is outgrown after about Δ·5 / step rounds (a round change also needs the
 *   ROUND-CHANGE to reach the next leader and the nodes' clocks to line up within Δ), and every
 *   honest node's timer passes it at the same round, so they re-synchronise;
 * - exponential backoff outgrows Δ in fewer rounds but, after a long partition, leaves the cluster in
 *   rounds of minutes when the network heals; linear growth keeps recovery time proportional to the
 *   outage.
 * The paper re-arms the timer when a node accepts a PRE-PREPARE; the machine does the same, so a slow
 * but live leader gets a full round after its proposal lands.
 */
import type { RoundTimeout } from './types.js';

/** Default first-round timeout, ms (see the module comment). */
export const DEFAULT_ROUND_TIMEOUT_BASE_MS = 1000;
/** Default growth per round, ms. */
export const DEFAULT_ROUND_TIMEOUT_STEP_MS = 1000;

/** `baseMs + stepMs · (round − 1)`. */
export function linearRoundTimeout(
  baseMs: number = DEFAULT_ROUND_TIMEOUT_BASE_MS,
  stepMs: number = DEFAULT_ROUND_TIMEOUT_STEP_MS,
): RoundTimeout {
  if (!(baseMs > 0) || !(stepMs >= 0)) {
    throw new RangeError(`linearRoundTimeout: expected baseMs > 0 and stepMs ≥ 0, got ${baseMs} and ${stepMs}`);
  }
  return (round) => baseMs + stepMs * (round - 1);
}

/** `AdaptiveRoundTimeout`'s bounds and estimator. */
export interface AdaptiveTimeoutSettings {
  readonly floorMs: number;
  readonly ceilingMs: number;
  readonly minSamples: number;
  readonly samples: number;
  readonly decisionMultiplier: number;
  readonly roundTripMultiplier: number;
  readonly initialMs: number;
  /** A block of at least this many transactions is a per-transaction sample. */
  readonly largeBlock: number;
  /** A round's time per transaction of its block, ms, until `minSamples` large blocks are measured. */
  readonly perTransactionMs: number;
}

/** `AdaptiveRoundTimeout`'s defaults (see its comment for the reasons). */
export const ADAPTIVE_TIMEOUT: AdaptiveTimeoutSettings = {
  /** Never below: a LAN cluster fails over in this much plus one round (a few hundred ms). */
  floorMs: 200,
  /** Never above: what a dead leader can cost once per leader-reputation window. */
  ceilingMs: 4_000,
  /** Until this many decisions are measured, the timeout is `initialMs` (and at least the round-trip term). */
  minSamples: 8,
  /** Decisions kept: the estimate follows the network within a few dozen heights. */
  samples: 32,
  /** Round-1 timeout = this × the median deciding-round phase … */
  decisionMultiplier: 4,
  /** … and at least this × the largest peer round trip (a round needs about one before and one after the proposal). */
  roundTripMultiplier: 3,
  initialMs: DEFAULT_ROUND_TIMEOUT_BASE_MS,
  /** Large enough that the block's own processing, not the message delays, is most of such a round. */
  largeBlock: 100,
  /**
   * Before any large block is measured: 4 × 0.25 ms × 2,000 transactions = a 2 s round. Measured on the
   * 2-core benchmark machine with four nodes under full load (`npm run bench -- cluster`, its "stages"
   * line): proposal to decision took 84–175 ms at the median for blocks of 450–2,200 transactions,
   * 0.05–0.2 ms a transaction; the prior leaves room above that.
   */
  perTransactionMs: 0.25,
};

/**
 * A round timer fitted to the network (issue 18): round r lasts `r · T1`, the linear growth of
 * `linearRoundTimeout` with its base and step both T1, where
 *
 *   T1 = clamp(max(4 × median(recent deciding-round phases), 3 × max(peer round trip)), 200 ms, 4 s)
 *
 * and 1 s (today's fixed base) until 8 decisions are measured — and at least 4 × the per-transaction time
 * of a round × the transactions the round's block is expected to hold (`expectedTransactions`: the
 * node's pool, up to the block limit). The per-transaction time is the median of ms ÷ transactions over
 * the recent deciding rounds of blocks of ≥ 100 transactions (0.25 ms until 8 are measured): a round of
 * a 2,000-transaction block does more work than a round of 10, and a timer fitted to light load alone
 * (the 200 ms floor) timed out 4–5 of 11 heights when full load began (issue 16). A sample is the longer of a deciding
 * round's two timed phases as this node saw them — entering the round (round 1: the height's start) to
 * accepting the proposal, and accepting it to the decision: the machine re-arms the timer on accepting
 * a PRE-PREPARE, so each phase must fit in T1 on its own. The caller reports only rounds that decided
 * while it was in them, so each sample is how long a round with a live leader takes here: one or two
 * message delays plus building, validating and signing.
 *
 * Why these choices (docs/qbft.md "Round timer"):
 * - The timer only decides when a node gives up on a leader, never what is safe (QBFT's safety holds
 *   for any timing), so each node may fit its own; liveness needs only that rounds keep growing with r,
 *   which they do for any T1 > 0, and the machine's wait for a quorum before leaving a round keeps
 *   honest nodes within a round of each other whatever their timers.
 * - The median, not a high quantile or the maximum: at most f of n leaders are Byzantine, so one that
 *   stretches its rounds to just under the timer moves at most f/n < 1/3 of the samples and cannot
 *   ratchet the timer up; 4× the median covers the spread between the median leader and the farthest
 *   one (the geo profiles: the slowest leader's rounds take about 1.5× the median) and the noise of a
 *   loaded machine.
 * - Samples from later rounds too: if the network slows down so that round 1 always times out, the
 *   rounds that do decide (at 2·T1, 3·T1, …) bring their longer durations in and T1 grows back.
 * - The round-trip term (ping, src/p2p) gives a global cluster a sensible floor before any decision.
 * - The floor keeps a LAN cluster's timer above scheduler and garbage-collector pauses; the ceiling
 *   bounds what a dead leader costs (once per leader-reputation window).
 */
export class AdaptiveRoundTimeout {
  private readonly recent: number[] = [];
  private next = 0;
  /** ms per transaction of recent deciding rounds of large blocks. */
  private readonly perTransaction: number[] = [];
  private nextPerTransaction = 0;
  private perTransactionMs: number;
  private roundTripMs = 0;
  /** T1 without the block's work (messages, fixed costs). */
  private base: number;

  private readonly settings: AdaptiveTimeoutSettings;

  /** `expectedTransactions`: how many transactions the current round's block is expected to hold. */
  constructor(
    options: Partial<AdaptiveTimeoutSettings> = {},
    private readonly expectedTransactions: () => number = () => 0,
  ) {
    this.settings = { ...ADAPTIVE_TIMEOUT, ...options };
    const { floorMs, ceilingMs, minSamples, samples, largeBlock, perTransactionMs } = this.settings;
    if (!(floorMs > 0 && ceilingMs >= floorMs && minSamples >= 1 && samples >= minSamples && largeBlock >= 1 && perTransactionMs >= 0)) {
      throw new RangeError(`AdaptiveRoundTimeout: expected 0 < floorMs ≤ ceilingMs, 1 ≤ minSamples ≤ samples, largeBlock ≥ 1 and perTransactionMs ≥ 0, got ${JSON.stringify(this.settings)}`);
    }
    this.perTransactionMs = perTransactionMs;
    this.base = this.compute();
  }

  /** The round-1 timeout in effect now, ms (for the block the round is expected to decide). */
  get baseMs(): number {
    return this.firstRoundMs();
  }

  /**
   * How long a deciding round's longer timed phase took, ms, and how many transactions its block held
   * (see the class comment for which rounds count).
   */
  observeDecision(ms: number, transactions = 0): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    const { samples, largeBlock, minSamples } = this.settings;
    if (this.recent.length < samples) this.recent.push(ms);
    else this.recent[this.next] = ms;
    this.next = (this.next + 1) % samples;
    if (transactions >= largeBlock) {
      if (this.perTransaction.length < samples) this.perTransaction.push(ms / transactions);
      else this.perTransaction[this.nextPerTransaction] = ms / transactions;
      this.nextPerTransaction = (this.nextPerTransaction + 1) % samples;
      if (this.perTransaction.length >= minSamples) this.perTransactionMs = median(this.perTransaction);
    }
    this.base = this.compute();
  }

  /** The latest round trips to the connected peers, ms (none: the term is dropped). */
  observeRoundTrips(roundTrips: Iterable<number>): void {
    let max = 0;
    for (const ms of roundTrips) if (ms > max && Number.isFinite(ms)) max = ms;
    this.roundTripMs = max;
    this.base = this.compute();
  }

  /** QBFT's `roundTimeout`: round r lasts r · T1. */
  readonly timeout: RoundTimeout = (round) => this.firstRoundMs() * round;

  /** T1 for the block expected now: the base, or the block's work if that is longer, within the ceiling. */
  private firstRoundMs(): number {
    const s = this.settings;
    const transactions = this.expectedTransactions();
    const fromWork = transactions > 0 ? s.decisionMultiplier * this.perTransactionMs * transactions : 0;
    return fromWork <= this.base ? this.base : Math.round(Math.min(s.ceilingMs, fromWork));
  }

  private compute(): number {
    const s = this.settings;
    const fromRoundTrips = s.roundTripMultiplier * this.roundTripMs;
    const fromDecisions = this.recent.length >= s.minSamples ? s.decisionMultiplier * median(this.recent) : s.initialMs;
    return Math.round(Math.min(s.ceilingMs, Math.max(s.floorMs, fromDecisions, fromRoundTrips)));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
