/**
 * Where each destination stands in the trail, kept in the store so a restart resumes from the
 * last entry a destination took: one settings row, `{ "<destination>": seq }`.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';

export const FORWARD_CURSORS_KEY = 'audit.forward.cursors';

export class ForwardCursors {
  private readonly get: Statement<[string], { value: string }>;
  private readonly put: Statement<[{ key: string; value: string }]>;
  private readonly head: Statement<[], { id: number | null }>;
  private cursors: Record<string, number>;

  constructor(db: Database) {
    this.get = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.put = db.prepare(
      'INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.head = db.prepare('SELECT max(id) AS id FROM audit_log');
    const row = this.get.get(FORWARD_CURSORS_KEY);
    this.cursors = row ? (JSON.parse(row.value) as Record<string, number>) : {};
  }

  /** The last entry the destination took; a new destination starts after the current head. */
  of(destination: string): number {
    const known = this.cursors[destination];
    if (known !== undefined) return known;
    return this.set(destination, this.headSeq());
  }

  set(destination: string, seq: number): number {
    this.cursors = { ...this.cursors, [destination]: seq };
    this.save();
    return seq;
  }

  /** Forgets destinations no longer configured (one configured again starts afresh). */
  keepOnly(destinations: string[]): void {
    const kept = Object.fromEntries(
      Object.entries(this.cursors).filter(([d]) => destinations.includes(d)),
    );
    if (Object.keys(kept).length === Object.keys(this.cursors).length) return;
    this.cursors = kept;
    this.save();
  }

  /** The last durable entry. */
  headSeq(): number {
    return this.head.get()?.id ?? 0;
  }

  private save() {
    this.put.run({ key: FORWARD_CURSORS_KEY, value: JSON.stringify(this.cursors) });
  }
}
