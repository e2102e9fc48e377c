/**
 * A short factual summary of a result, computed from the rows: how many, the single value,
 * ranges and totals of numeric columns, the most common values of text columns, the first
 * row of a ranking. Nothing here comes from the model.
 */
import type { ColumnInfo } from '../../shared/domain';

const fmt = (v: unknown): string => {
  if (typeof v === 'number') return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v.length > 60 ? `'${v.slice(0, 57)}…'` : `'${v}'`;
  return String(v);
};

const isKey = (name: string) => /(^|_)id$/i.test(name) || /Id$/.test(name);

export function summarise(columns: ColumnInfo[], rows: unknown[][], truncated: boolean): string {
  const n = rows.length;
  if (n === 0) return 'No rows matched.';
  if (n === 1 && columns.length === 1)
    return `The result is ${fmt(rows[0]![0])} (${columns[0]!.name}).`;
  const parts: string[] = [];
  parts.push(
    truncated
      ? `${n} rows shown; the result was cut at the row or byte limit, so figures below cover those rows only.`
      : `${n} row${n === 1 ? '' : 's'}.`,
  );
  if (n === 1) {
    parts.push(columns.map((c, i) => `${c.name} = ${fmt(rows[0]![i])}`).join(', ') + '.');
    return parts.join(' ');
  }
  let numeric = 0;
  let textual = 0;
  columns.forEach((c, i) => {
    const values = rows.map((r) => r[i]).filter((v) => v !== null && v !== undefined);
    if (values.length === 0) return;
    if (values.every((v) => typeof v === 'number')) {
      if (isKey(c.name) || numeric >= 2) return;
      numeric++;
      const nums = values as number[];
      const sum = nums.reduce((a, b) => a + b, 0);
      parts.push(
        `${c.name}: ${fmt(Math.min(...nums))} to ${fmt(Math.max(...nums))}, total ${fmt(sum)}, average ${fmt(sum / nums.length)}.`,
      );
    } else if (textual < 2) {
      textual++;
      const counts = new Map<string, number>();
      for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      const top = [...counts.entries()].sort((a, b) => b[1] - a[1]);
      if (top[0]![1] > 1)
        parts.push(
          `${c.name}: ${counts.size} distinct, most common ${fmt(top[0]![0])} (${top[0]![1]} rows).`,
        );
      else parts.push(`${c.name}: ${counts.size} distinct values.`);
    }
  });
  parts.push(`First row: ${columns.map((c, i) => `${c.name} = ${fmt(rows[0]![i])}`).join(', ')}.`);
  return parts.join(' ');
}
