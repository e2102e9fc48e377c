/**
 * The SQLite runner: a child process that owns the database handles for one connection.
 * It exists so that a statement that runs too long can be stopped for real — the connector
 * kills this process — since SQLite offers the host no way to interrupt a query.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import type { Database as Db, Statement } from 'better-sqlite3-multiple-ciphers';
import type { Analysis } from '../../guard/analyzer';
import type { QueryLimits, ReadData, SqlParams, WriteOptions, WriteResult } from '../types';
import { DEFAULT_CAPTURE_CAP, previewOf } from '../write-images';
import { SqliteCapture, revertSqlite } from './sqlite-images';
import {
  EngineTruthError,
  compareWithParser,
  engineTouches,
  type EngineSchema,
  type ExplainRow,
} from './engine-truth';
import type { RunnerRequest, RunnerResponse, StreamBatch } from './protocol';
import { sqliteMessage } from './sqlite-errors';
import { introspectSqlite, loadEngineSchema } from './sqlite-schema';
import { jsonSize, sqliteColumnType, toJsonValue } from './typed-values';
import { isAirlockError } from '../../../shared/errors';
import { BATCH_BYTES, MAX_BATCH_ROWS, RowBudget } from '../row-budget';

class RunnerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let path = '';
let ro: Db | null = null;
let rw: Db | null = null;
let engineSchema: { version: number; schema: EngineSchema } | null = null;

function readHandle(): Db {
  ro ??= new Database(path, { readonly: true, fileMustExist: true });
  return ro;
}

function writeHandle(): Db {
  if (!rw) {
    rw = new Database(path, { fileMustExist: true });
    rw.pragma('foreign_keys = ON');
  }
  return rw;
}

function schemaFor(db: Db): EngineSchema {
  const version = db.pragma('schema_version', { simple: true }) as number;
  if (!engineSchema || engineSchema.version !== version) {
    engineSchema = { version, schema: loadEngineSchema(db) };
  }
  return engineSchema.schema;
}

function bind(stmt: Statement, params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  const conv = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
  if (Array.isArray(params)) return params.map(conv);
  return [Object.fromEntries(Object.entries(params).map(([k, v]) => [k, conv(v)]))];
}

function prepare(db: Db, sql: string): Statement {
  try {
    return db.prepare(sql);
  } catch (e) {
    throw new RunnerError(
      'INVALID_SQL',
      `the database rejected the statement: ${(e as Error).message}`,
      { layer: 'engine' },
    );
  }
}

/**
 * Statements that passed the engine-truth layer, by statement text, schema version and the
 * guard's analysis (and the parameters, where the planner may choose a plan by their values:
 * a database with `sqlite_stat4`). The same statement on the same schema compiles to the same
 * program, so its verdict stands; any schema change (a new schema version) starts afresh.
 */
const agreed = new Set<string>();
const AGREED_MAX = 4096;
let agreedSchema = -1;
let planByValues = false;

function agreedKey(db: Db, sql: string, params: SqlParams | undefined, analysis: Analysis) {
  const version = db.pragma('schema_version', { simple: true }) as number;
  if (version !== agreedSchema) {
    agreed.clear();
    agreedSchema = version;
    planByValues =
      db
        .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat4'")
        .get() !== undefined;
  }
  try {
    return JSON.stringify([sql, analysis, planByValues ? (params ?? null) : null]);
  } catch {
    return null; // Not expressible as a key: judged afresh each time.
  }
}

function checkEngineTruth(db: Db, sql: string, params: SqlParams | undefined, analysis: Analysis) {
  const key = agreedKey(db, sql, params, analysis);
  if (key !== null && agreed.has(key)) return;
  const explain = prepare(db, `EXPLAIN ${sql}`);
  const rows = explain.all(...bind(explain, params)) as ExplainRow[];
  try {
    const schema = schemaFor(db);
    compareWithParser(engineTouches(rows, schema), analysis, schema);
    if (agreed.size >= AGREED_MAX) agreed.clear();
    if (key !== null) agreed.add(key);
  } catch (e) {
    if (e instanceof EngineTruthError) {
      // The detail names objects the agent may not know of: it goes to the audit, not the agent.
      throw new RunnerError(
        'STATEMENT_NOT_ALLOWED',
        `${e.message}; the guard refuses statements it cannot fully account for`,
        {
          layer: 'engine-truth',
          auditOnly: { engineDetail: e.detail },
        },
      );
    }
    throw e;
  }
}

/**
 * Compiled reads, by schema version and statement text: compiling is the larger part of a
 * point read's cost. A statement still iterating (a stream) is not shared: a fresh one is made.
 */
const compiled = new Map<string, Statement>();
const COMPILED_MAX = 256;

function prepareRead(db: Db, sql: string): Statement {
  const key = `${String(db.pragma('schema_version', { simple: true }))}\0${sql}`;
  const hit = compiled.get(key);
  if (hit && !hit.busy) return hit;
  const stmt = prepare(db, sql);
  if (!hit) {
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, stmt);
  }
  return stmt;
}

/** A read in progress: rows are taken from its iterator batch by batch. */
class ReadCursor {
  private readonly iter: Iterator<unknown[]>;
  private readonly declared: { name: string; type: string | null }[];
  private readonly budget: RowBudget;
  done = false;

  constructor(sql: string, params: SqlParams | undefined, analysis: Analysis, limits: QueryLimits) {
    this.budget = new RowBudget(limits.maxRows, limits.maxBytes);
    const db = readHandle();
    const stmt = prepareRead(db, sql);
    // Engine backstop: the engine itself must agree this statement only reads.
    if (!stmt.reader || !stmt.readonly) {
      throw new RunnerError(
        'STATEMENT_NOT_ALLOWED',
        'the database reports that this statement is not a read-only query',
        { layer: 'backstop' },
      );
    }
    checkEngineTruth(db, sql, params, analysis);
    stmt.raw(true).safeIntegers(true);
    this.declared = stmt.columns();
    this.iter = (stmt.iterate(...bind(stmt, params)) as IterableIterator<unknown[]>)[
      Symbol.iterator
    ]();
  }

  /**
   * Up to `n` rows and about `batchBytes` bytes within the caps; the first batch also names
   * the columns (typed by its values). A row larger than the byte cap refuses the read.
   */
  next(n: number, withColumns: boolean, batchBytes = Infinity): StreamBatch {
    const rows: unknown[][] = [];
    const samples: unknown[] = this.declared.map(() => null);
    let bytes = 0;
    while (!this.done && rows.length < n && bytes < batchBytes) {
      const r = this.iter.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const row = r.value;
      let size = 3;
      for (const v of row) size += jsonSize(v) + 1;
      if (!this.budget.take(row, size)) {
        this.close();
        break;
      }
      bytes += size;
      row.forEach((v, i) => {
        if (samples[i] === null && v !== null) samples[i] = v;
      });
      rows.push(row.map(toJsonValue));
    }
    return {
      ...(withColumns
        ? {
            columns: this.declared.map((c, i) => ({
              name: c.name,
              type: sqliteColumnType(c.type, samples[i]),
            })),
          }
        : {}),
      rows,
      done: this.done,
      ...(this.done ? { summary: this.budget.summary() } : {}),
    };
  }

  close() {
    if (!this.done) this.iter.return?.();
    this.done = true;
  }
}

/** Batches are sized by bytes (they cross a process boundary whole), up to this many rows. */
const STREAM_BATCH = MAX_BATCH_ROWS;
let streaming: { id: number; cursor: ReadCursor } | null = null;

function read(
  sql: string,
  params: SqlParams | undefined,
  analysis: Analysis,
  limits: QueryLimits,
): ReadData {
  const batch = new ReadCursor(sql, params, analysis, limits).next(Number.MAX_SAFE_INTEGER, true);
  return {
    columns: batch.columns ?? [],
    rows: batch.rows,
    rowCount: batch.rows.length,
    truncated: batch.summary?.truncated ?? false,
  };
}

function write(
  sql: string,
  params: SqlParams | undefined,
  analysis: Analysis,
  limits: QueryLimits,
  opts: WriteOptions = {},
): WriteResult {
  const db = writeHandle();
  const stmt = prepare(db, sql);
  if (stmt.readonly) {
    throw new RunnerError(
      'STATEMENT_NOT_ALLOWED',
      'the database reports that this statement does not write',
      { layer: 'backstop' },
    );
  }
  checkEngineTruth(db, sql, params, analysis);
  const args = bind(stmt, params);
  const wantsPreview = opts.dryRun === true || opts.captureCap !== undefined;
  // One transaction for the capture, the write and (dry run) the rollback.
  db.exec('BEGIN IMMEDIATE');
  let capture: SqliteCapture | null = null;
  try {
    if (wantsPreview) {
      capture = new SqliteCapture(db, analysis, opts.captureCap ?? DEFAULT_CAPTURE_CAP);
      capture.install();
    }
    let out: WriteResult;
    if (stmt.reader) {
      // RETURNING: the rows come back, capped like any read. The rows that go back are held to
      // the read caps (bytes too), inside the transaction: a row larger than the byte cap
      // refuses the write, which then rolls back.
      stmt.raw(true).safeIntegers(true);
      const all = stmt.all(...args) as unknown[][];
      const budget = new RowBudget(limits.maxRows, limits.maxBytes);
      const rows: unknown[][] = [];
      for (const r of all) {
        let size = 3;
        for (const v of r) size += jsonSize(v) + 1;
        if (!budget.take(r, size)) break;
        rows.push(r.map(toJsonValue));
      }
      out = {
        rowCount: all.length,
        columns: stmt
          .columns()
          .map((c) => ({ name: c.name, type: sqliteColumnType(c.type, null) })),
        rows,
      };
    } else {
      out = { rowCount: stmt.run(...args).changes };
    }
    if (capture) out.preview = previewOf(capture.collect(out.rowCount), opts.dryRun !== true);
    db.exec(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
    return out;
  } catch (e) {
    capture?.abandon();
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

function handle(msg: RunnerRequest): RunnerResponse {
  try {
    switch (msg.op) {
      case 'open':
        path = msg.path;
        readHandle().prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
        return { id: msg.id, ok: true, result: null };
      case 'introspect':
        return { id: msg.id, ok: true, result: introspectSqlite(readHandle()) };
      case 'read':
        return {
          id: msg.id,
          ok: true,
          result: read(msg.sql, msg.params, msg.analysis, msg.limits),
        };
      case 'write':
        return {
          id: msg.id,
          ok: true,
          result: write(msg.sql, msg.params, msg.analysis, msg.limits, msg.opts),
        };
      case 'revert':
        return { id: msg.id, ok: true, result: revertSqlite(writeHandle(), msg.images) };
      case 'stream': {
        streaming?.cursor.close();
        const cursor = new ReadCursor(msg.sql, msg.params, msg.analysis, msg.limits);
        streaming = { id: msg.id, cursor };
        return streamBatch(msg.id, true);
      }
      case 'next':
        if (streaming?.id !== msg.id) throw new RunnerError('QUERY_FAILED', 'no such stream');
        return streamBatch(msg.id, false);
    }
  } catch (e) {
    if (e instanceof RunnerError || isAirlockError(e))
      return {
        id: msg.id,
        ok: false,
        error: { code: e.code, message: e.message, details: e.details },
      };
    const err = e as { code?: string; message?: string };
    const code =
      err.code === 'SQLITE_CANTOPEN' || err.code === 'SQLITE_NOTADB'
        ? 'CONNECTION_FAILED'
        : 'QUERY_FAILED';
    // The message can quote a value from the data: sqliteMessage hides it.
    const text = sqliteMessage(err.message ?? String(e), 'sql' in msg ? msg.sql : undefined);
    return {
      id: msg.id,
      ok: false,
      error: { code, message: `the database reported: ${text}`, details: { layer: 'engine' } },
    };
  }
}

function streamBatch(id: number, first: boolean): RunnerResponse {
  try {
    const batch = streaming!.cursor.next(STREAM_BATCH, first, BATCH_BYTES);
    if (batch.done) streaming = null;
    return { id, ok: true, batch };
  } catch (e) {
    streaming?.cursor.close();
    streaming = null;
    throw e;
  }
}

process.on('message', (msg: RunnerRequest) => {
  process.send?.(handle(msg));
});
process.on('disconnect', () => process.exit(0));
