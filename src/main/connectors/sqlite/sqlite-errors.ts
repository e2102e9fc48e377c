/**
 * SQLite's error messages with data values hidden. SQLite names constraints and columns
 * without quotes (`UNIQUE constraint failed: t.c`), but quotes other text it was handed — a
 * JSON path taken from a column (`bad JSON path: '…'`), a RAISE message — so a quoted fragment
 * survives only where the statement itself spells it outside its literals (error-scrub.ts).
 */
import { scrubMessage } from '../error-scrub';

export function sqliteMessage(message: string, sql: string | undefined): string {
  return scrubMessage(message, { sql: sql ?? '', quotes: ['"', "'"] });
}
