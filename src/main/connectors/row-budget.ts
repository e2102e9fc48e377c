/**
 * Row and byte caps applied while rows stream out of a cursor, batches sized by bytes, and
 * the helpers every driver shares to turn a stream into a ReadData. A result stops at the
 * first row that would cross a cap and is marked `truncated`; a row that alone is larger than
 * the byte cap can never be delivered, so the read is refused (RESULT_TOO_LARGE) instead.
 */
import type { ColumnInfo } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
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

/** A row's share of the response: its values, the brackets and the comma before it. */
export function rowSize(row: unknown[]): number {
  let size = 3;
  for (const v of row) size += jsonSize(v) + 1;
  return size;
}

export function resultTooLarge(rowBytes: number, maxBytes: number): AirlockError {
  return new AirlockError(
    'RESULT_TOO_LARGE',
    `one row of the result is about ${rowBytes} bytes, more than the byte cap of ${maxBytes} bytes for this request; select fewer or shorter columns (e.g. left(col, n))`,
    { maxBytes, rowBytes },
  );
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

  /**
   * Counts a row in if it fits; false (and truncated) once a cap would be crossed. Throws
   * RESULT_TOO_LARGE for a row that could not fit even alone. `size` is the row's size when
   * the caller already measured it.
   */
  take(row: unknown[], size = rowSize(row)): boolean {
    if (this.truncated) return false;
    if (this.rowCount >= this.maxRows) {
      this.truncated = true;
      return false;
    }
    if (size + 2 > this.maxBytes) throw resultTooLarge(size, this.maxBytes);
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

/** How many bytes of rows a batch should hold: small enough to keep memory flat, large enough to amortise round trips. */
export const BATCH_BYTES = 1024 * 1024;
/** Rows in the first batch, before any row size is known. */
export const FIRST_BATCH_ROWS = 16;
export const MAX_BATCH_ROWS = 5000;

/**
 * Sizes the next fetch by the bytes rows have taken so far: about BATCH_BYTES per batch,
 * sized by the largest row seen (not the mean), starting small because nothing is known yet.
 */
export class BatchSizer {
  private largest = 0;

  constructor(private readonly targetBytes = BATCH_BYTES) {}

  observe(size: number): void {
    if (size > this.largest) this.largest = size;
  }

  next(): number {
    if (this.largest === 0) return FIRST_BATCH_ROWS;
    return Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(this.targetBytes / this.largest)));
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
    result: (summary) => ({
      columns,
      rows,
      rowCount: summary.rowCount,
      truncated: summary.truncated,
    }),
  };
}
