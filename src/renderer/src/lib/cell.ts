/**
 * How a result value becomes text, in the grid and in exports. Values arrive as JSON: numbers,
 * strings, booleans, null, and objects for typed values (dates, bigints, binary) that the
 * server encodes; those are shown as compact JSON rather than "[object Object]".
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

/** Column names may repeat in SQL (`SELECT a.id, b.id`); object keys may not. */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return n === 0 ? name : `${name}_${n + 1}`;
  });
}
