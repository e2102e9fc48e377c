/** Domain types shared by every layer. Pure: no node:, no electron, no DOM. */

/**
 * `export` lets a read ask for more rows than the configured cap (up to the grant's export
 * limits); it adds nothing a `read` grant does not already allow to be seen.
 */
export type Action = 'read' | 'write' | 'export';

/** What an officer allows one export to take; absent fields fall back to the export defaults. */
export interface ExportLimits {
  maxRows?: number;
  maxBytes?: number;
  timeoutMs?: number;
}

/** A permission row: agent × connection × table (× columns) × actions. */
export interface Grant {
  connection: string;
  /** Table name, optionally schema-qualified (`public.users`), or `*` for every table. */
  table: string;
  actions: Action[];
  /** Columns this grant covers; absent = every column of the table. */
  columns?: string[];
  /** `deny` grants subtract: deny overrides allow. Default `allow`. */
  effect?: 'allow' | 'deny';
  /** With the `export` action: the caps of one export under this grant. */
  exportLimits?: ExportLimits;
  /** With `write`: whether a person must approve each write first (default `required`). */
  approval?: 'required' | 'none';
}

export type Effect = 'allow' | 'deny' | 'needs_approval';

/** Every policy decision is a value with the rule that decided it and a reason a person can act on. */
export interface Decision {
  effect: Effect;
  /** Machine-readable identifier of the deciding rule, e.g. `grant:demo.orders:read` or `default-deny`. */
  rule: string;
  reason: string;
}

export type AuditStatus = 'allowed' | 'denied' | 'error';

export interface AuditRecord {
  time: string;
  actor: string;
  action: string;
  connection: string | null;
  statement: string | null;
  paramsHash: string | null;
  decision: Effect | null;
  rule: string | null;
  reason: string | null;
  status: AuditStatus;
  rowCount: number | null;
  latencyMs: number | null;
  details: Record<string, unknown> | null;
}

export interface AuditEntry extends AuditRecord {
  id: number;
  leafHash: string;
  chainHash: string;
}

export type ConnectionKind = 'sqlite' | 'postgres' | 'mysql' | 'mongodb';

export interface ColumnInfo {
  name: string;
  type: string;
}

export interface TableInfo {
  /** Qualified name as the engine resolves it (`public.users` for PostgreSQL, `users` for SQLite). */
  name: string;
  columns: ColumnInfo[];
}
