/**
 * Row and byte caps applied while rows stream out of a cursor, and the helpers every driver
 * shares to turn a stream into a ReadData. A result stops at the first row that would cross
 * a cap and is marked `truncated`.
 */
import type { ColumnInfo } from '../../shared/domain';
import type { ReadData, RowSink, StreamSummary } from './types';

/** A cheap upper bound of a JSON value's size in the response (strings count unescaped). */
export function jsonSize(v: unknown): number {
  if (v === null || v === undefined) return 4;
  switch (typeof v) {
    case 'string':
      return v.length + 2;
    case 'number':
      return 24;
    case 'boolean':
      return 5;
    default:
      return JSON.stringify(v)?.length ?? 4;
  }
}

export class RowBudget {
  rowCount = 0;
  /** The '[]' around the rows. */
  bytes = 2;
  truncated = false;

  constructor(
    private readonly maxRows: number,
    private readonly maxBytes: number,
  ) {}

  /** How many more rows may still be taken. */
  get remaining(): number {
    return this.truncated ? 0 : this.maxRows - this.rowCount;
  }

  /** Counts a row in if it fits; false (and truncated) once a cap would be crossed. */
  take(row: unknown[]): boolean {
    if (this.truncated) return false;
    if (this.rowCount >= this.maxRows) {
      this.truncated = true;
      return false;
    }
    let size = 3; // brackets and the comma before it
    for (const v of row) size += jsonSize(v) + 1;
    if (this.bytes + size > this.maxBytes) {
      this.truncated = true;
      return false;
    }
    this.bytes += size;
    this.rowCount++;
    return true;
  }

  summary(): StreamSummary {
    return { rowCount: this.rowCount, truncated: this.truncated };
  }
}

/** A sink that keeps everything, for callers that want the result in one piece. */
export function collectingSink(): RowSink & { result(summary: StreamSummary): ReadData } {
  let columns: ColumnInfo[] = [];
  const rows: unknown[][] = [];
  return {
    columns: (c) => {
      columns = c;
    },
    rows: (batch) => {
      for (const r of batch) rows.push(r);
    },
    result: (summary) => ({ columns, rows, rowCount: summary.rowCount, truncated: summary.truncated }),
  };
}
