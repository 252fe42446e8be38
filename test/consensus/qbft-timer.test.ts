/**
 * `AdaptiveRoundTimeout` (src/consensus/qbft/timer.ts): the round-1 timeout fitted to measured
 * deciding-round durations and peer round trips, within its floor and ceiling, growing linearly with
 * the round; and robust to a minority of slow samples (a Byzantine leader stretching its rounds); and
 * long enough for the work of the block a round is expected to decide (transactions × a measured time
 * per transaction).
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

  it('allows for the expected block\'s work: 4 × 0.25 ms a transaction until large blocks are measured, then their median', () => {
    let expected = 0;
    const timer = new AdaptiveRoundTimeout({}, () => expected);
    for (let k = 0; k < 16; k++) timer.observeDecision(10, 5);
    expect(timer.baseMs).toBe(ADAPTIVE_TIMEOUT.floorMs);
    expected = 100; // 4 × 0.25 × 100 = 100 ms: below the floor
    expect(timer.baseMs).toBe(ADAPTIVE_TIMEOUT.floorMs);
    expected = 2_000;
    expect(timer.baseMs).toBe(2_000);
    expect(timer.timeout(2)).toBe(4_000);
    expected = 100_000;
    expect(timer.baseMs).toBe(ADAPTIVE_TIMEOUT.ceilingMs);
    // Rounds of small blocks say nothing of the time per transaction.
    for (let k = 0; k < 16; k++) timer.observeDecision(300, ADAPTIVE_TIMEOUT.largeBlock - 1);
    expected = 2_000;
    expect(timer.baseMs).toBe(2_000);
    // Eight measured 2,000-transaction rounds of 200 ms: 0.1 ms a transaction, so 800 ms for such a block.
    const fresh = new AdaptiveRoundTimeout({}, () => expected);
    for (let k = 0; k < 16; k++) fresh.observeDecision(10, 5);
    for (let k = 0; k < ADAPTIVE_TIMEOUT.minSamples; k++) fresh.observeDecision(200, 2_000);
    expect(fresh.baseMs).toBe(800);
    expected = 0;
    expect(fresh.baseMs).toBe(ADAPTIVE_TIMEOUT.floorMs); // median phase 10 ms: the floor
  });

  it('a minority of slow large-block rounds does not ratchet the time per transaction up', () => {
    let expected = 0;
    const timer = new AdaptiveRoundTimeout({}, () => expected);
    for (let k = 0; k < 400; k++) {
      expected = 2_000;
      // One leader in four stretches its rounds to just under the timer.
      timer.observeDecision(k % 4 === 0 ? timer.baseMs - 1 : 200, 2_000);
    }
    expect(timer.baseMs).toBe(800);
  });
});
