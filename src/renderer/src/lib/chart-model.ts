/**
 * Which result columns can be charted, a sensible first choice, and the echarts option for a
 * choice. Pure functions of (columns, rows), tested without a DOM.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { cellText } from './cell';

export type ChartKind = 'bar' | 'line' | 'pie' | 'scatter';
export const CHART_KINDS: readonly ChartKind[] = ['bar', 'line', 'pie', 'scatter'];

export interface ResultColumn {
  name: string;
  type: string;
}

export interface ColumnRole {
  index: number;
  name: string;
  numeric: boolean;
  temporal: boolean;
}

export interface ChartChoice {
  kind: ChartKind;
  /** Column index for the x axis (categories for bar/line, slice names for pie). */
  x: number;
  /** Column indexes plotted as values; pie and scatter use the first. */
  y: number[];
}

/** Charts draw at most this many points; more would be unreadable and slow. */
export const MAX_POINTS = 5_000;
const PIE_SLICES = 12;
/** The app's accent first, then colours that stay distinct on light and dark backgrounds. */
export const PALETTE = [
  '#5474b4',
  '#3aa675',
  '#e3a53a',
  '#e0564b',
  '#8e6cc4',
  '#2f9fb3',
  '#d36b9f',
  '#8a9a5b',
  '#c0783c',
  '#7f8c9d',
];
const SAMPLE = 200;

const NUMERIC_TYPE = /int|real|float|double|numeric|decimal|number|money|serial/i;
const TEMPORAL_TYPE = /date|time/i;
const TEMPORAL_NAME = /(^|_)(date|time|day|month|year|hour|week|at|ts)$/i;
const ISO_DATE = /^\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2})?)?/;

export function classifyColumns(
  columns: readonly ResultColumn[],
  rows: readonly (readonly unknown[])[],
): ColumnRole[] {
  const sample = rows.slice(0, SAMPLE);
  return columns.map((col, index) => {
    const values = sample.map((r) => r[index]).filter((v) => v !== null && v !== undefined);
    const allNumbers = values.length > 0 && values.every((v) => typeof v === 'number');
    // An empty type is common in SQLite expressions: the values decide then.
    const numeric = values.length > 0 ? allNumbers : NUMERIC_TYPE.test(col.type);
    const temporal =
      !numeric &&
      (TEMPORAL_TYPE.test(col.type) ||
        TEMPORAL_NAME.test(col.name) ||
        (values.length > 0 && values.every((v) => typeof v === 'string' && ISO_DATE.test(v))));
    return { index, name: col.name, numeric, temporal };
  });
}

/** A first chart worth looking at, or null when nothing numeric can be plotted. */
export function defaultChoice(roles: readonly ColumnRole[]): ChartChoice | null {
  const numeric = roles.filter((r) => r.numeric);
  if (numeric.length === 0) return null;
  const category = roles.find((r) => !r.numeric);
  if (!category) {
    // Only numbers: a scatter of the first two, or a bar per row of the only one.
    if (numeric.length >= 2)
      return { kind: 'scatter', x: numeric[0]!.index, y: [numeric[1]!.index] };
    return { kind: 'bar', x: numeric[0]!.index, y: [numeric[0]!.index] };
  }
  const values = numeric
    .filter((r) => r.index !== category.index)
    .slice(0, 3)
    .map((r) => r.index);
  return { kind: category.temporal ? 'line' : 'bar', x: category.index, y: values };
}

/** Why a choice cannot be drawn, in words for the person choosing; null when it can. */
export function choiceProblem(choice: ChartChoice, roles: readonly ColumnRole[]): string | null {
  if (choice.y.length === 0) return 'Pick at least one numeric column for the values.';
  if (choice.y.some((i) => !roles[i]?.numeric)) return 'Values must come from numeric columns.';
  if (choice.kind === 'scatter' && !roles[choice.x]?.numeric)
    return 'A scatter plot needs a numeric column on the x axis.';
  return null;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return null;
}

export function buildOption(
  choice: ChartChoice,
  columns: readonly ResultColumn[],
  rows: readonly (readonly unknown[])[],
): EChartsCoreOption {
  const shown = rows.slice(0, MAX_POINTS);
  const xName = columns[choice.x]?.name ?? '';
  const base = {
    backgroundColor: 'transparent',
    color: PALETTE,
    animationDuration: 300,
    grid: { left: 56, right: 24, top: 40, bottom: 48, containLabel: true },
  };

  if (choice.kind === 'pie') {
    const y = choice.y[0]!;
    const sums = new Map<string, number>();
    for (const row of rows) {
      const name = cellText(row[choice.x]) || '(empty)';
      sums.set(name, (sums.get(name) ?? 0) + (toNumber(row[y]) ?? 0));
    }
    const sorted = [...sums.entries()].sort((a, b) => b[1] - a[1]);
    const top = sorted.slice(0, PIE_SLICES).map(([name, value]) => ({ name, value }));
    const rest = sorted.slice(PIE_SLICES).reduce((s, [, v]) => s + v, 0);
    if (sorted.length > PIE_SLICES)
      top.push({ name: `Other (${sorted.length - PIE_SLICES})`, value: rest });
    return {
      ...base,
      tooltip: { trigger: 'item' },
      legend: { type: 'scroll', orient: 'vertical', right: 8, top: 16, bottom: 16 },
      series: [
        {
          type: 'pie',
          name: columns[y]?.name,
          radius: ['35%', '70%'],
          center: ['40%', '50%'],
          itemStyle: { borderRadius: 4, borderWidth: 1 },
          data: top,
        },
      ],
    };
  }

  if (choice.kind === 'scatter') {
    const y = choice.y[0]!;
    return {
      ...base,
      tooltip: { trigger: 'item' },
      xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 28, scale: true },
      yAxis: { type: 'value', name: columns[y]?.name, scale: true },
      series: [
        {
          type: 'scatter',
          name: columns[y]?.name,
          symbolSize: 7,
          data: shown.map((r) => [toNumber(r[choice.x]), toNumber(r[y])]),
        },
      ],
    };
  }

  return {
    ...base,
    tooltip: { trigger: 'axis' },
    legend: { top: 4 },
    xAxis: {
      type: 'category',
      name: xName,
      nameLocation: 'middle',
      nameGap: 32,
      data: shown.map((r) => cellText(r[choice.x])),
    },
    yAxis: { type: 'value' },
    dataZoom:
      shown.length > 60
        ? [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 4 }]
        : undefined,
    series: choice.y.map((i) => ({
      type: choice.kind,
      name: columns[i]?.name,
      showSymbol: choice.kind === 'line' && shown.length <= 60,
      smooth: false,
      data: shown.map((r) => toNumber(r[i])),
    })),
  };
}
