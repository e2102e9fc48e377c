/** The workbench's recent queries, newest first, kept in the browser profile. */
export interface HistoryEntry {
  sql: string;
  connection: string;
  asAgent: string | null;
  at: string;
  result: 'ok' | 'refused' | 'failed';
  rows: number | null;
}

export const HISTORY_MAX = 50;

/** Adds an entry on top; the same statement on the same connection moves up instead of repeating. */
export function remember(
  history: readonly HistoryEntry[],
  entry: HistoryEntry,
  max = HISTORY_MAX,
): HistoryEntry[] {
  const rest = history.filter(
    (h) =>
      !(h.sql === entry.sql && h.connection === entry.connection && h.asAgent === entry.asAgent),
  );
  return [entry, ...rest].slice(0, max);
}
