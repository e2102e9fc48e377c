import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { AirlockError } from '../../../shared/errors';
import type {
  CheckedStatement,
  SqlConnector,
  ConnectorTable,
  QueryLimits,
  ReadData,
  RowSink,
  StreamSummary,
  WriteImages,
  WriteOptions,
  WriteResult,
} from '../types';
import type { StreamBatch } from './protocol';
import { OPEN_TIMEOUT_MS, RunnerProcess } from './runner-process';

/** Reads run in parallel on up to two runners (SQLite readers do not block each other). */
/** Revert restores at most a capped number of rows by key: a generous fixed limit. */
const REVERT_TIMEOUT_MS = 30_000;

const DEFAULT_READERS = Math.min(2, Math.max(1, availableParallelism()));

/**
 * SQLite behind runner processes: reads go to the least busy of a few read runners, writes to
 * one writer runner, so a long read never queues a write behind it and a timeout stops only
 * the statement that overran.
 */
export class SqliteConnector implements SqlConnector {
  readonly kind = 'sqlite' as const;
  readonly dialect = 'sqlite' as const;
  readonly defaultSchema = null;
  private readonly readers: RunnerProcess[];
  private writer: RunnerProcess | null = null;
  private closed = false;

  constructor(
    readonly path: string,
    readers = DEFAULT_READERS,
  ) {
    this.readers = Array.from({ length: readers }, () => new RunnerProcess(path));
  }

  /** Jobs running and waiting across this connection's runners (metrics). */
  runnerUse(): { running: number; queued: number } {
    let running = 0;
    let queued = 0;
    for (const r of [...this.readers, ...(this.writer ? [this.writer] : [])]) {
      if (r.load > 0) running += 1;
      queued += Math.max(0, r.load - 1);
    }
    return { running, queued };
  }

  private reader(): RunnerProcess {
    if (this.closed) throw new AirlockError('CONNECTION_FAILED', 'the connection is closed');
    return this.readers.reduce((best, r) => (r.load < best.load ? r : best));
  }

  async test(): Promise<void> {
    if (!existsSync(this.path)) {
      throw new AirlockError('CONNECTION_FAILED', `no SQLite database at ${this.path}`, {
        path: this.path,
      });
    }
    await this.reader().call({ id: 0, op: 'introspect' }, OPEN_TIMEOUT_MS);
  }

  async introspect(): Promise<ConnectorTable[]> {
    const tables = (await this.reader().call(
      { id: 0, op: 'introspect' },
      OPEN_TIMEOUT_MS,
    )) as ConnectorTable[];
    this.startIdleReaders();
    return tables;
  }

  /**
   * Starts the read runners that have no process yet, now that the file is known to open.
   * Starting a process (fork) holds the main thread for milliseconds, far more on a busy
   * machine: done here, when the schema is read, it is not done later on the path of a query
   * while other requests (health checks included) wait.
   */
  private startIdleReaders(): void {
    if (this.closed) return;
    for (const r of this.readers) r.start();
  }

  async read(stmt: CheckedStatement, limits: QueryLimits): Promise<ReadData> {
    return (await this.reader().call(
      { id: 0, op: 'read', sql: stmt.sql, params: stmt.params, analysis: stmt.analysis, limits },
      limits.timeoutMs,
    )) as ReadData;
  }

  /** The read in batches of the runner's cursor, under one deadline for the whole stream. */
  async stream(
    stmt: CheckedStatement,
    limits: QueryLimits,
    sink: RowSink,
    signal?: AbortSignal,
  ): Promise<StreamSummary> {
    let summary: StreamSummary = { rowCount: 0, truncated: false };
    const onBatch = async (b: StreamBatch) => {
      if (b.columns) await sink.columns(b.columns);
      if (b.rows.length) await sink.rows(b.rows);
      if (b.summary) summary = b.summary;
    };
    await this.reader().call(
      { id: 0, op: 'stream', sql: stmt.sql, params: stmt.params, analysis: stmt.analysis, limits },
      limits.timeoutMs,
      { onBatch, ...(signal ? { signal } : {}) },
    );
    return summary;
  }

  async write(
    stmt: CheckedStatement,
    limits: QueryLimits,
    opts?: WriteOptions,
  ): Promise<WriteResult> {
    return (await this.writerRunner().call(
      {
        id: 0,
        op: 'write',
        sql: stmt.sql,
        params: stmt.params,
        analysis: stmt.analysis,
        limits,
        ...(opts ? { opts } : {}),
      },
      limits.timeoutMs,
    )) as WriteResult;
  }

  /** Undoes a write from its images, on the writer runner (one transaction). */
  async revert(images: WriteImages): Promise<{ rowCount: number }> {
    return (await this.writerRunner().call({ id: 0, op: 'revert', images }, REVERT_TIMEOUT_MS)) as {
      rowCount: number;
    };
  }

  private writerRunner(): RunnerProcess {
    if (this.closed) throw new AirlockError('CONNECTION_FAILED', 'the connection is closed');
    this.writer ??= new RunnerProcess(this.path);
    return this.writer;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.readers) r.close();
    this.writer?.close();
  }
}
