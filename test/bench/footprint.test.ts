/**
 * The footprint bench's flatness rule (bench/footprint.ts `growthOverLastHalf`, what the soak script
 * fails on): the median of the last tenth of the samples against the tenth after the middle, so a
 * series that keeps growing is caught and one sample caught before a GC is not.
 */
import { describe, expect, it } from 'vitest';
import { growthOverLastHalf, MAX_RSS_GROWTH } from '../../bench/footprint.js';

describe('growthOverLastHalf', () => {
  it('a flat series with GC saw-teeth is flat', () => {
    const series = Array.from({ length: 120 }, (_, k) => 150 + (k % 7 === 0 ? 12 : 0) + (k % 3));
    expect(Math.abs(growthOverLastHalf(series))).toBeLessThan(0.02);
  });

  it('a leak of 20 % over the second half is more than the soak allows', () => {
    const series = Array.from({ length: 120 }, (_, k) => (k < 60 ? 150 : 150 * (1 + (0.2 * (k - 60)) / 59)));
    const growth = growthOverLastHalf(series);
    expect(growth).toBeGreaterThan(MAX_RSS_GROWTH);
    expect(growth).toBeLessThan(0.21);
  });

  it('one spike in the last samples does not decide', () => {
    const series = Array.from({ length: 100 }, () => 150);
    series[99] = 300;
    expect(growthOverLastHalf(series)).toBe(0);
  });

  it('too few samples: no figure', () => {
    expect(growthOverLastHalf([1, 2, 3])).toBeNaN();
  });
});
