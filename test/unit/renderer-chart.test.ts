import { describe, expect, it } from 'vitest';
import { activityOption, hourLabel } from '../../src/renderer/src/lib/activity-option';
import {
  buildOption,
  choiceProblem,
  classifyColumns,
  defaultChoice,
  MAX_POINTS,
} from '../../src/renderer/src/lib/chart-model';

const cols = (...names: [string, string][]) => names.map(([name, type]) => ({ name, type }));

describe('chart column choice', () => {
  it('classifies by values when the type is empty (SQLite expressions)', () => {
    const roles = classifyColumns(cols(['status', ''], ['n', ''], ['order_date', 'TEXT']), [
      ['paid', 3, '2024-01-01'],
      ['shipped', 5, '2024-01-02'],
    ]);
    expect(roles.map((r) => [r.numeric, r.temporal])).toEqual([
      [false, false],
      [true, false],
      [false, true],
    ]);
  });

  it('falls back to the declared type when every value is null', () => {
    const roles = classifyColumns(cols(['total', 'REAL'], ['note', 'TEXT']), [[null, null]]);
    expect(roles[0]!.numeric).toBe(true);
    expect(roles[1]!.numeric).toBe(false);
  });

  it('picks a bar chart of the first category against the numeric columns', () => {
    const roles = classifyColumns(
      cols(['status', 'TEXT'], ['orders', 'INTEGER'], ['revenue', 'REAL']),
      [['paid', 1, 2.5]],
    );
    expect(defaultChoice(roles)).toEqual({ kind: 'bar', x: 0, y: [1, 2] });
  });

  it('picks a line chart over time', () => {
    const roles = classifyColumns(cols(['month', 'TEXT'], ['orders', 'INTEGER']), [['2024-01', 4]]);
    expect(defaultChoice(roles)?.kind).toBe('line');
  });

  it('picks a scatter when there are only numbers, and nothing when there are none', () => {
    const numbers = classifyColumns(cols(['a', 'INTEGER'], ['b', 'REAL']), [[1, 2]]);
    expect(defaultChoice(numbers)).toEqual({ kind: 'scatter', x: 0, y: [1] });
    const text = classifyColumns(cols(['a', 'TEXT']), [['x']]);
    expect(defaultChoice(text)).toBeNull();
  });

  it('explains choices that cannot be drawn', () => {
    const roles = classifyColumns(cols(['name', 'TEXT'], ['n', 'INTEGER']), [['x', 1]]);
    expect(choiceProblem({ kind: 'bar', x: 0, y: [] }, roles)).toMatch(/at least one numeric/);
    expect(choiceProblem({ kind: 'bar', x: 1, y: [0] }, roles)).toMatch(/numeric columns/);
    expect(choiceProblem({ kind: 'scatter', x: 0, y: [1] }, roles)).toMatch(
      /numeric column on the x axis/,
    );
    expect(choiceProblem({ kind: 'bar', x: 0, y: [1] }, roles)).toBeNull();
  });
});

describe('chart options', () => {
  const columns = cols(['status', 'TEXT'], ['orders', 'INTEGER']);

  it('bar: categories on x, one series per value column, capped at MAX_POINTS', () => {
    const rows = Array.from({ length: MAX_POINTS + 10 }, (_, i) => [`s${i}`, i]);
    const opt = buildOption({ kind: 'bar', x: 0, y: [1] }, columns, rows) as {
      xAxis: { data: string[] };
      series: { type: string; data: number[] }[];
    };
    expect(opt.xAxis.data).toHaveLength(MAX_POINTS);
    expect(opt.series).toHaveLength(1);
    expect(opt.series[0]!.type).toBe('bar');
  });

  it('pie: sums by slice name and folds the tail into "Other"', () => {
    const rows = Array.from({ length: 20 }, (_, i) => [`s${i}`, 20 - i]).concat([['s0', 5]]);
    const opt = buildOption({ kind: 'pie', x: 0, y: [1] }, columns, rows) as {
      series: { data: { name: string; value: number }[] }[];
    };
    const data = opt.series[0]!.data;
    expect(data[0]).toEqual({ name: 's0', value: 25 });
    expect(data).toHaveLength(13);
    expect(data.at(-1)!.name).toBe('Other (8)');
  });

  it('scatter: numeric pairs', () => {
    const opt = buildOption(
      { kind: 'scatter', x: 0, y: [1] },
      cols(['a', 'INTEGER'], ['b', 'REAL']),
      [
        [1, 2.5],
        [2, '3'],
      ],
    ) as {
      series: { data: [number, number][] }[];
    };
    expect(opt.series[0]!.data).toEqual([
      [1, 2.5],
      [2, 3],
    ]);
  });

  it('dashboard activity: three stacked series over the hours', () => {
    const series = [
      { hour: '2024-05-01T10:00:00.000Z', allowed: 3, denied: 1, error: 0 },
      { hour: '2024-05-01T11:00:00.000Z', allowed: 0, denied: 2, error: 1 },
    ];
    const opt = activityOption(series) as {
      series: { name: string; stack: string; data: number[] }[];
      xAxis: { data: string[] };
    };
    expect(opt.series.map((s) => [s.name, s.data])).toEqual([
      ['Allowed', [3, 0]],
      ['Denied', [1, 2]],
      ['Errors', [0, 1]],
    ]);
    expect(new Set(opt.series.map((s) => s.stack)).size).toBe(1);
    expect(opt.xAxis.data).toEqual(series.map((b) => hourLabel(b.hour)));
    expect(hourLabel('2024-05-01T10:00:00')).toBe('10:00');
  });
});
