/**
 * The benchmark figure format, the CI gate and the compare table (bench/figures.ts), on hand-made
 * figures: no benchmark runs here.
 */
import { describe, expect, it } from 'vitest';
import {
  changes,
  changeTable,
  checkFigure,
  figureTable,
  FORMAT,
  gate,
  makeReport,
  parseReport,
  RATIO_NOISE,
  VALUE_NOISE,
  withVerdict,
  type Figure,
} from '../../bench/figures.js';

const ratio = (name: string, value: number, target?: number): Figure =>
  withVerdict({ name, value: 100, unit: 'ops/s', peer: 'peer', ratio: value, target });

describe('figure format', () => {
  it('accepts a ratio figure, an absolute one and a bare one, and a report round-trips through JSON', () => {
    const figures = [
      ratio('keccak: dst', 1.8, 1),
      withVerdict({ name: 'cluster: p50', value: 12, unit: 'ms', better: 'lower', target: 20 }),
      { name: 'qbft: machine', value: 53_000, unit: 'ops/s' },
    ];
    expect(figures[0]!.met).toBe(true);
    expect(figures[1]!.met).toBe(true);
    const report = makeReport(figures, ['keccak'], new Date('2026-01-02T03:04:05Z'));
    expect(report).toMatchObject({ format: FORMAT, startedAt: '2026-01-02T03:04:05.000Z', benchmarks: ['keccak'] });
    expect(parseReport(JSON.stringify(report)).figures).toEqual(figures);
  });

  it.each([
    [{ value: 1, unit: 'x' }, /"name" must be a non-empty string/],
    [{ name: 'a', value: Number.NaN, unit: 'x' }, /"value" must be a finite number/],
    [{ name: 'a', value: 1, unit: '' }, /"unit"/],
    [{ name: 'a', value: 1, unit: 'x', peer: 'b' }, /"ratio"/],
    [{ name: 'a', value: 1, unit: 'x', ratio: 2 }, /"peer"/],
    [{ name: 'a', value: 1, unit: 'x', target: 2 }, /"met"/],
    [{ name: 'a', value: 1, unit: 'x', peer: 'b', ratio: 2, target: 3, met: true }, /"met" must be false/],
    [{ name: 'a', value: 30, unit: 'ms', better: 'lower', target: 20, met: true }, /"met" must be false/],
    [{ name: 'a', value: 1, unit: 'x', better: 'up' }, /"better"/],
  ])('refuses %j', (figure, message) => {
    expect(() => checkFigure(figure)).toThrow(message);
  });

  it('refuses a file of another format, two figures with one name and peer, and text that is not JSON', () => {
    expect(() => parseReport(JSON.stringify({ format: 'other', figures: [] }), 'old.json')).toThrow(/old.json: "format" must be "dst-bench\/1"/);
    const twice = makeReport([ratio('a', 2), ratio('a', 3)], [], new Date());
    expect(() => parseReport(JSON.stringify(twice))).toThrow(/two figures named "a" vs "peer"/);
    expect(() => parseReport('{', 'x.json')).toThrow(/x.json: not JSON/);
    // the same name against two peers is two figures
    expect(parseReport(JSON.stringify(makeReport([ratio('a', 2), { ...ratio('a', 2), peer: 'other' }], [], new Date()))).figures).toHaveLength(2);
  });
});

describe('CI gate', () => {
  it('fails a ratio only below target × (1 − margin); absolute targets never fail', () => {
    const floor = 2 * (1 - RATIO_NOISE);
    const figures = [
      ratio('met', 2.1, 2),
      ratio('within the noise', floor + 0.001, 2),
      ratio('beyond the noise', floor - 0.001, 2),
      ratio('no target', 0.01),
      withVerdict({ name: 'absolute, far off', value: 0.5, unit: 'blocks/s', target: 50 }),
    ];
    expect(gate(figures).map((f) => f.figure.name)).toEqual(['beyond the noise']);
    expect(gate(figures)[0]!.floor).toBeCloseTo(floor);
    expect(gate(figures, 0).map((f) => f.figure.name)).toEqual(['within the noise', 'beyond the noise']);
    expect(() => gate(figures, 1)).toThrow(/noise margin must be in \[0, 1\)/);
  });

  it('a target below 1 ("within 4x of native") is gated the same way', () => {
    expect(gate([ratio('vs native', 0.2, 0.25)], 0.3)).toHaveLength(0);
    expect(gate([ratio('vs native', 0.17, 0.25)], 0.3)).toHaveLength(1);
  });

  it('the table says which misses fail and which are within the noise or not gated', () => {
    const table = figureTable([ratio('ok', 3, 2), ratio('close', 1.9, 2), ratio('bad', 1, 2), withVerdict({ name: 'blocks', value: 1, unit: 'blocks/s', target: 50 })]);
    const line = (name: string) => table.split('\n').find((l) => l.startsWith(name))!;
    expect(line('ok')).toMatch(/3\.00x\s+≥ 2\.00x\s+met$/);
    expect(line('close')).toMatch(/missed, within noise$/);
    expect(line('bad')).toMatch(/FAIL$/);
    expect(line('blocks')).toMatch(/≥ 50\.0\s+missed \(not gated\)$/);
  });
});

describe('compare', () => {
  const old: Figure[] = [
    ratio('steady', 2),
    ratio('faster', 2),
    ratio('slower', 2),
    { name: 'p50', value: 10, unit: 'ms', better: 'lower' },
    { name: 'speed', value: 100, unit: 'ops/s' },
    { name: 'gone', value: 1, unit: 'ops/s' },
  ];
  const next: Figure[] = [
    ratio('steady', 2 * (1 + RATIO_NOISE / 2)),
    ratio('faster', 2 * (1 + RATIO_NOISE * 2)),
    ratio('slower', 2 * (1 - RATIO_NOISE * 2)),
    { name: 'p50', value: 10 * (1 + VALUE_NOISE * 2), unit: 'ms', better: 'lower' },
    { name: 'speed', value: 100 * (1 + VALUE_NOISE / 2), unit: 'ops/s' },
    { name: 'new', value: 1, unit: 'ops/s' },
  ];

  it('compares ratios when both runs have one, values otherwise, and marks what is beyond the noise', () => {
    const byName = new Map(changes(old, next).map((c) => [c.name, c]));
    expect(byName.get('steady')).toMatchObject({ measure: 'ratio', outside: false });
    expect(byName.get('faster')).toMatchObject({ measure: 'ratio', outside: true });
    expect(byName.get('faster')!.change).toBeCloseTo(RATIO_NOISE * 2);
    expect(byName.get('slower')!.change).toBeCloseTo(-RATIO_NOISE * 2);
    // a time that grew is worse: the change is oriented so that positive is better
    expect(byName.get('p50')).toMatchObject({ measure: 'value', outside: true });
    expect(byName.get('p50')!.change).toBeCloseTo(-VALUE_NOISE * 2);
    expect(byName.get('speed')).toMatchObject({ measure: 'value', outside: false });
    expect(byName.get('gone')).toMatchObject({ old: 1, new: undefined, outside: false });
    expect(byName.get('new')).toMatchObject({ old: undefined, new: 1, outside: false });
  });

  it('prints one row per figure, * on the changes beyond the noise, and a count', () => {
    const table = changeTable(changes(old, next));
    const row = (name: string) => table.split('\n').find((l) => l.slice(1).trimStart().startsWith(name))!;
    expect(row('faster')).toMatch(/^\*.*\+60\.0 % better$/);
    expect(row('slower')).toMatch(/^\*.*-60\.0 % worse$/);
    expect(row('steady')).toMatch(/^ .*\+15\.0 % better$/);
    expect(row('p50')).toMatch(/^\*.*10\.0 ms\s+20\.0 ms\s+-100\.0 % worse$/);
    expect(row('gone')).toMatch(/gone$/);
    expect(row('new')).toMatch(/new figure$/);
    expect(table).toMatch(/3 of 7 figures changed beyond the noise/);
  });
});
