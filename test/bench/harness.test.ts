/**
 * bench/harness.ts's `figure`: a figure reported outside a comparison is recorded (what `--json` and
 * bench:ci read) with its verdict derived from its target, and printed as one line. No benchmark runs.
 */
import { describe, expect, it, vi } from 'vitest';
import { figure, recordedFigures } from '../../bench/harness.js';
import { checkFigure } from '../../bench/figures.js';

describe('bench harness figure()', () => {
  it('records each figure in order, with met from its target, and prints it', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const before = recordedFigures().length;
      figure({ name: 'cluster: p50', value: 31.2, unit: 'ms', better: 'lower', target: 20 });
      figure({ name: 'batch: dst', value: 40, unit: 'µs/signature', better: 'lower', peer: 'herumi', ratio: 12, target: 10 });
      figure({ name: 'plain', value: 3, unit: 'ops/s' });
      const added = recordedFigures().slice(before);
      expect(added.map((f) => [f.name, f.met])).toEqual([['cluster: p50', false], ['batch: dst', true], ['plain', undefined]]);
      for (const f of added) expect(checkFigure(f)).toBe(f);
      expect(log.mock.calls.map((call) => call[0])).toEqual([
        '  cluster: p50: 31.20 ms  (target ≤ 20: NOT MET)',
        '  batch: dst: 40.00 µs/signature; 12.00x herumi  (target ≥ 10x: met)',
        '  plain: 3.00 ops/s',
      ]);
    } finally {
      log.mockRestore();
    }
  });
});
