import type { ColumnInfo, ConnectionKind, TableInfo } from '../../shared/domain';
import type { Analysis } from '../guard/analyzer';
import type { Dialect } from '../guard/dialect';

export type SqlParams = (string | number | boolean | null)[] | Record<string, string | number | boolean | null>;

export interface QueryLimits {
  maxRows: number;
  maxBytes: number;
  timeoutMs: number;
}

/** A statement that passed the guard's pre-lex and AST layers, with what the parser found. */
export interface CheckedStatement {
  sql: string;
  params: SqlParams | undefined;
  analysis: Analysis;
}

export interface ReadData {
  columns: ColumnInfo[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
}

export interface WriteData {
  rowCount: number;
  columns?: ColumnInfo[];
  rows?: unknown[][];
}

export interface ForeignKey {
  columns: string[];
  /** The referenced table, named as `introspect` names tables. */
  table: string;
  refColumns: string[];
}

export interface ConnectorTable extends TableInfo {
  /** SQLite: the INTEGER PRIMARY KEY column that aliases rowid. */
  rowidAlias?: string | null;
  /** Declared keys, where the driver reports them: schema linking follows them to join paths. */
  primaryKey?: string[];
  foreignKeys?: ForeignKey[];
}

/**
 * One interface per connector family (STYLE.md §7). `read` and `write` run the engine-truth
 * layer and the engine backstops themselves, because both are specific to the engine.
 */
export interface Connector {
  readonly kind: ConnectionKind;
  readonly dialect: Dialect;
  /** Schema that unqualified names resolve to (null for SQLite). */
  readonly defaultSchema: string | null;
  test(): Promise<void>;
  introspect(): Promise<ConnectorTable[]>;
  read(stmt: CheckedStatement, limits: QueryLimits): Promise<ReadData>;
  write(stmt: CheckedStatement, limits: QueryLimits): Promise<WriteData>;
  close(): Promise<void>;
}
