/** JSON export: an array of objects keyed by column name (repeated names get a suffix). */
import { uniqueNames } from './cell';
import { CHUNK_ROWS, nextTick, type ExportOptions } from './export-progress';

export async function toJson(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: ExportOptions = {},
): Promise<string> {
  const names = uniqueNames(columns);
  const parts: string[] = ['['];
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const end = Math.min(rows.length, start + CHUNK_ROWS);
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      const obj: Record<string, unknown> = {};
      names.forEach((name, c) => (obj[name] = row[c] ?? null));
      parts.push(`${i === 0 ? '\n' : ',\n'}  ${JSON.stringify(obj)}`);
    }
    options.onProgress?.(end / rows.length);
    if (end < rows.length) await nextTick(options.signal);
  }
  if (rows.length === 0) options.onProgress?.(1);
  parts.push(rows.length ? '\n]\n' : ']\n');
  return parts.join('');
}
