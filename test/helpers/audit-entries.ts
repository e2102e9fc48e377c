/** The audit log as stored, read straight from the store: what a test checks an entry against. */
import type { Core } from '../../src/main/core';

export interface StoredEntry {
  id: number;
  actor: string;
  action: string;
  status: string;
  reason: string | null;
  /** The details as stored: JSON text. */
  details: string | null;
}

/** Every entry with this action, oldest first. */
export const entriesNamed = (core: Core, action: string): StoredEntry[] =>
  core.db
    .prepare(
      'SELECT id, actor, action, status, reason, details FROM audit_log WHERE action = ? ORDER BY id',
    )
    .all(action) as StoredEntry[];
