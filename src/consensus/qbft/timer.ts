/**
 * Round-timer strategies for QBFT. The paper (Moniz, arXiv 2002.03613, §3) only asks that the timeout
 * t(r) grow with the round so that, after the network stabilises, rounds eventually last long enough
 * for an honest leader to finish one.
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
