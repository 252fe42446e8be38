/**
 * `AdaptiveRoundTimeout` (src/consensus/qbft/timer.ts): the round-1 timeout fitted to measured
 * deciding-round durations and peer round trips, within its floor and ceiling, growing linearly with
 * the round; and robust to a minority of slow samples (a Byzantine leader stretching its rounds).
 */
import { describe, expect, it } from 'vitest';
import { ADAPTIVE_TIMEOUT, AdaptiveRoundTimeout } from '../../src/consensus/index.js';

describe('AdaptiveRoundTimeout', () => {
  it('starts at 1 s, then follows 4 × the median decision, between the floor and the ceiling', () => {
    const timer = new AdaptiveRoundTimeout();
    expect(timer.baseMs).toBe(1_000);
    for (let k = 0; k < ADAPTIVE_TIMEOUT.minSamples - 1; k++) timer.observeDecision(10);
    expect(timer.baseMs).toBe(1_000); // not enough samples yet
    timer.observeDecision(10);
    expect(timer.baseMs).toBe(ADAPTIVE_TIMEOUT.floorMs); // 4 × 10 ms is below the floor
    for (let k = 0; k < ADAPTIVE_TIMEOUT.samples; k++) timer.observeDecision(300);
    expect(timer.baseMs).toBe(1_200);
    for (let k = 0; k < ADAPTIVE_TIMEOUT.samples; k++) timer.observeDecision(5_000);
    expect(timer.baseMs).toBe(ADAPTIVE_TIMEOUT.ceilingMs);
  });

  it('grows linearly with the round: round r lasts r × the round-1 timeout', () => {
    const timer = new AdaptiveRoundTimeout();
    for (let k = 0; k < 16; k++) timer.observeDecision(100);
    expect([1, 2, 3, 10].map(timer.timeout)).toEqual([400, 800, 1_200, 4_000]);
  });

  it('keeps at least 3 × the largest peer round trip', () => {
    const timer = new AdaptiveRoundTimeout();
    for (let k = 0; k < 16; k++) timer.observeDecision(20);
    timer.observeRoundTrips([90, 260, 120]);
    expect(timer.baseMs).toBe(780);
    timer.observeRoundTrips([]);
    expect(timer.baseMs).toBe(ADAPTIVE_TIMEOUT.floorMs);
  });

  it('a minority of slow rounds (a leader stretching its rounds to just under the timer) does not ratchet it up', () => {
    const timer = new AdaptiveRoundTimeout();
    for (let k = 0; k < 16; k++) timer.observeDecision(100);
    // One leader in four (f of n = 3f + 1) takes as long as the timer allows, height after height.
    for (let k = 0; k < 400; k++) timer.observeDecision(k % 4 === 0 ? timer.baseMs - 1 : 100);
    expect(timer.baseMs).toBe(400);
  });

  it('ignores what is not a duration', () => {
    const timer = new AdaptiveRoundTimeout();
    for (const ms of [Number.NaN, -1, Number.POSITIVE_INFINITY]) timer.observeDecision(ms);
    for (let k = 0; k < 16; k++) timer.observeDecision(100);
    expect(timer.baseMs).toBe(400);
  });
});
