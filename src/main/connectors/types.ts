import type { ColumnInfo, ConnectionKind, Grant, TableInfo } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import type { Analysis } from '../guard/analyzer';
import type { Dialect } from '../guard/dialect';
import type { CheckedMongoQuery } from '../guard/mongo/checked-query';

export type SqlParams =
  (string | number | boolean | null)[] | Record<string, string | number | boolean | null>;

export interface QueryLimits {
  maxRows: number;
  maxBytes: number;
  timeoutMs: number;
  /**
   * Caps for an export (a request that asks for more rows than maxRows, up to exportMaxRows):
   * the byte cap and time limit that apply then. Defaults in query-service.ts.
   */
  exportMaxRows?: number;
  exportMaxBytes?: number;
  exportTimeoutMs?: number;
  /** Statements one agent may run at once on one connection (query-service.ts has the default). */
  agentConcurrency?: number;
}

/**
 * Where a streamed read delivers its result: the columns once, then batches of rows as the
 * database cursor yields them. Each call may return a promise; the connector waits for it
 * before fetching more (backpressure), so a slow client slows the cursor, not memory.
 */
export interface RowSink {
  columns(columns: ColumnInfo[]): void | Promise<void>;
  rows(batch: unknown[][]): void | Promise<void>;
}

export interface StreamSummary {
  rowCount: number;
  truncated: boolean;
}

/** Who runs a statement, for connectors that enforce grants in the database too (agent roles). */
export interface AgentContext {
  id: string;
  name: string;
  /** The connection as Airlock names it (grants refer to it). */
  connection: string;
  grants: Grant[];
}

/** A statement that passed the guard's pre-lex and AST layers, with what the parser found. */
export interface CheckedStatement {
  sql: string;
  params: SqlParams | undefined;
  analysis: Analysis;
  agent?: AgentContext;
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

/**
 * What revert needs to undo one write: the rows of one table as they were before it and as it
 * left them, read by Airlock itself (whole rows, with columns the agent may not see) in the
 * write's own transaction. JSON-serialisable: the approvals service keeps it in the store, and
 * only the officer ever sees it.
 */
export interface WriteImages {
  /** The written table as `introspect` names it (schema-qualified where it is). */
  table: string;
  primaryKey: string[];
  /** Every column of the table, in order; rows below are in this order. */
  columns: string[];
  kind: 'update' | 'delete' | 'insert';
  /** The rows as they were (update, delete); empty for an insert. */
  before: unknown[][];
  /** The rows as the write left them (update, insert), in the order of `before` for an update; empty for a delete. */
  after: unknown[][];
}

/** What a write did, or would do (dry run): the engine's count and the rows it touches. */
export interface WritePreview {
  /** The engine's own count of rows affected. */
  rowsAffected: number;
  /** The affected rows as they were: present when the table has a primary key and they fit the cap. */
  before?: { columns: string[]; rows: unknown[][] };
  /** More rows were affected than the cap, so `before` is absent. */
  beforeTruncated?: boolean;
  /** Present when the write can be reverted (a real write with capture on); `revertable` says why not. */
  images?: WriteImages;
  revertable: { ok: true } | { ok: false; reason: string };
}

export interface WriteOptions {
  /** Run the write in a transaction, collect the preview, and roll it back: nothing persists. */
  dryRun?: boolean;
  /** Capture before- and after-images when at most this many rows of a keyed table are affected. */
  captureCap?: number;
}

export interface WriteResult extends WriteData {
  /** Present when `dryRun` or `captureCap` was asked for. */
  preview?: WritePreview;
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
  /** The schema (PostgreSQL) or database (MySQL) the table lives in. */
  schema?: string | null;
  kind?: 'table' | 'view';
  /** The engine's estimate of the row count (statistics, not a count); null when unknown. */
  rowEstimate?: number | null;
}

/** What every connector does, whatever its family. */
interface ConnectorBase {
  readonly kind: ConnectionKind;
  /** Schema that unqualified names resolve to (null for SQLite and MongoDB). */
  readonly defaultSchema: string | null;
  /** Connections the connector's pool may open, where it has one (per-agent limits take a share of it). */
  readonly poolSize?: number;
  test(): Promise<void>;
  introspect(): Promise<ConnectorTable[]>;
  /** The agent's grants changed: connectors that mirror grants in the database resync them. */
  agentGrantsChanged?(agent: AgentContext): Promise<void>;
  close(): Promise<void>;
}

/**
 * One interface per connector family (STYLE.md §7): SQL engines, and document stores. `read`
 * and `write` run the engine-truth layer and the engine backstops themselves, because both are
 * specific to the engine.
 */
export interface SqlConnector extends ConnectorBase {
  readonly kind: Exclude<ConnectionKind, 'mongodb'>;
  readonly dialect: Dialect;
  read(stmt: CheckedStatement, limits: QueryLimits): Promise<ReadData>;
  /**
   * The same read, delivered in batches as the cursor yields them (large results). `signal`
   * aborts it (the client went away): the query is cancelled and the promise rejects.
   * Connectors without it are read in one piece by the query service.
   */
  stream?(
    stmt: CheckedStatement,
    limits: QueryLimits,
    sink: RowSink,
    signal?: AbortSignal,
  ): Promise<StreamSummary>;
  /**
   * Runs a write. With `dryRun`, runs it as it would run (same layers, same agent principal),
   * collects the preview and rolls back; with `captureCap`, keeps the images revert needs.
   */
  write(stmt: CheckedStatement, limits: QueryLimits, opts?: WriteOptions): Promise<WriteResult>;
  /**
   * Undoes a write from its images in one transaction, as the connection's own account: refused
   * with REVERT_CONFLICT (nothing restored) when any row is no longer as the write left it.
   */
  revert(images: WriteImages, agent?: AgentContext): Promise<{ rowCount: number }>;
}

export interface DocumentReadData extends ReadData {
  /** Whether the server's own plan was compared with the guard's ('explain'), or could not be. */
  engineTruth: 'explain' | 'unavailable';
}

/**
 * The document family (MongoDB): no SQL; it runs structured queries that the MongoDB guard
 * (src/main/guard/mongo) has checked.
 */
export interface DocumentConnector extends ConnectorBase {
  readonly kind: 'mongodb';
  readDocuments(query: CheckedMongoQuery, limits: QueryLimits): Promise<DocumentReadData>;
}

export type Connector = SqlConnector | DocumentConnector;

/** The SQL family's connector, or the refusal a MongoDB connection gives SQL. */
export function sqlConnector(connector: Connector): SqlConnector {
  if (connector.kind !== 'mongodb') return connector;
  throw new AirlockError(
    'STATEMENT_NOT_ALLOWED',
    'this is a MongoDB connection, which takes structured queries, not SQL: send { "connection", "mongo": { "collection", "op", … } }',
    { layer: 'request' },
  );
}
