/**
 * The CSV form of a report: one row per entry (RFC 4180 quoting, details as JSON), for a
 * spreadsheet. Its signature travels beside it in FILE.sig.json; the parser lets the offline
 * verifier name the first row that no longer matches the signed entries.
 */
import { CSV_COLUMNS, type ReportEntry } from './report-format';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  // Quote anything a spreadsheet could misread: separators, quotes, line breaks, and a
  // leading = + - @ that would start a formula (CSV injection).
  if (/[",\r\n]/.test(s) || /^[=+\-@\t]/.test(s)) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function entriesToCsv(entries: readonly ReportEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) lines.push(CSV_COLUMNS.map((c) => cell(e[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Parses RFC 4180 CSV into rows of cells (quoted cells may hold separators and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cur);
      rows.push(row);
      row = [];
      cur = '';
    } else cur += ch;
  }
  if (cur !== '' || row.length > 0) {
    row.push(cur);
    rows.push(row);
  }
  return rows;
}

/** The CSV cell an entry's field should have, to compare a parsed row with a signed entry. */
export function expectedCells(e: ReportEntry): string[] {
  return CSV_COLUMNS.map((c) => {
    const v = e[c];
    if (v === null || v === undefined) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}
