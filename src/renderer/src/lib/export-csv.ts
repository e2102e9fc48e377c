/**
 * RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote,
 * CR or LF. A UTF-8 byte-order mark leads so spreadsheet programs read accents correctly.
 *
 * Text that starts with = + - @ (or tab/CR) is prefixed with an apostrophe: spreadsheets would
 * otherwise run it as a formula, and query results may hold text that an agent or a customer
 * wrote (OWASP "CSV injection"). Numbers are never altered.
 */
import { cellText } from './cell';
import { CHUNK_ROWS, nextTick, type ExportOptions } from './export-progress';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: unknown): string {
  let text = cellText(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

export async function toCsv(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: ExportOptions = {},
): Promise<string> {
  const parts: string[] = ['\uFEFF', csvLine(columns)];
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const end = Math.min(rows.length, start + CHUNK_ROWS);
    for (let i = start; i < end; i++) parts.push(csvLine(rows[i]!));
    options.onProgress?.(end / rows.length);
    if (end < rows.length) await nextTick(options.signal);
  }
  if (rows.length === 0) options.onProgress?.(1);
  return parts.join('');
}
