/**
 * Rows of one MySQL/MariaDB statement, put through the row budget as each arrives from the
 * server and handed out in batches sized by bytes. The connection is paused while a batch
 * waits for the sink, so the server's rows wait in its socket, not in our memory; rows past a
 * cap are dropped on arrival (the caller then stops the statement).
 */
import type { FieldPacket } from 'mysql2/promise';
import { BATCH_BYTES, MAX_BATCH_ROWS, RowBudget, rowSize } from '../row-budget';
import { convertRow, mysqlColumn, type MysqlColumn } from './mysql-types';

/** The parts of mysql2's core connection and command this uses. */
export interface CoreCommand {
  on(event: 'fields', cb: (fields: FieldPacket[]) => void): CoreCommand;
  on(event: 'result', cb: (row: unknown[]) => void): CoreCommand;
  on(event: 'end', cb: () => void): CoreCommand;
  on(event: 'error', cb: (e: unknown) => void): CoreCommand;
}
export interface CoreConnection {
  execute(opts: { sql: string; values: unknown[]; rowsAsArray: boolean }): CoreCommand;
  pause(): void;
  resume(): void;
  threadId: number;
}

export class MysqlRowStream {
  columns: MysqlColumn[] = [];
  private batch: unknown[][] = [];
  private batchBytes = 0;
  private ended = false;
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  private abandoned = false;

  constructor(
    private readonly core: CoreConnection,
    sql: string,
    values: unknown[],
    private readonly budget: RowBudget,
  ) {
    core
      .execute({ sql, values, rowsAsArray: true })
      .on('fields', (fields) => {
        this.columns = fields.map(mysqlColumn);
      })
      .on('result', (raw) => this.onRow(raw))
      .on('end', () => {
        this.ended = true;
        this.notify();
      })
      .on('error', (e) => {
        this.failure ??= e;
        this.ended = true;
        this.notify();
      });
  }

  private onRow(raw: unknown[]) {
    if (this.abandoned || this.failure !== null || this.budget.truncated) return;
    const row = convertRow(raw, this.columns);
    const size = rowSize(row);
    try {
      if (!this.budget.take(row, size)) {
        this.notify();
        return;
      }
    } catch (e) {
      this.failure = e;
      this.notify();
      return;
    }
    this.batch.push(row);
    this.batchBytes += size;
    if (this.batchBytes >= BATCH_BYTES || this.batch.length >= MAX_BATCH_ROWS) {
      // Hold the server's rows in its socket until this batch is handed on.
      this.core.pause();
      this.notify();
    }
  }

  private notify() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Whether the statement stopped on its own (all rows read, or it failed). */
  get finished(): boolean {
    return this.ended;
  }

  /**
   * The next batch: waits until one is full, the rows end, a cap is reached or the
   * statement fails (then throws). An empty batch with `last` set means nothing more.
   */
  async next(): Promise<{ rows: unknown[][]; last: boolean }> {
    const ready = () =>
      this.ended ||
      this.failure !== null ||
      this.budget.truncated ||
      this.batchBytes >= BATCH_BYTES ||
      this.batch.length >= MAX_BATCH_ROWS;
    while (!ready()) await new Promise<void>((r) => (this.wake = r));
    if (this.failure !== null) throw this.failure;
    const rows = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const last = this.ended || this.budget.truncated;
    if (!last) this.core.resume();
    return { rows, last };
  }

  /**
   * After the last batch, or when the reader gives up: whatever the server still sends is
   * read and dropped, never paused on again, so a stopped statement can end.
   */
  release(): void {
    this.abandoned = true;
    this.batch = [];
    this.batchBytes = 0;
    this.core.resume();
  }
}
