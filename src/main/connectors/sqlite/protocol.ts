import type { Analysis } from '../../guard/analyzer';
import type { ColumnInfo } from '../../../shared/domain';
import type {
  ConnectorTable,
  QueryLimits,
  ReadData,
  SqlParams,
  StreamSummary,
  WriteImages,
  WriteOptions,
  WriteResult,
} from '../types';

/** Messages between the SQLite connector and its runner process. */
export type RunnerRequest =
  | { id: number; op: 'open'; path: string }
  | { id: number; op: 'introspect' }
  | {
      id: number;
      op: 'read' | 'write' | 'stream';
      sql: string;
      params: SqlParams | undefined;
      analysis: Analysis;
      limits: QueryLimits;
      /** Writes only: dry run and image capture. */
      opts?: WriteOptions;
    }
  | { id: number; op: 'revert'; images: WriteImages }
  /** The next batch of the stream `id` (sent once the previous batch was delivered). */
  | { id: number; op: 'next' };

export type RunnerResult = ConnectorTable[] | ReadData | WriteResult | { rowCount: number } | null;

/** One batch of a streamed read; the columns come with the first, the summary with the last. */
export interface StreamBatch {
  columns?: ColumnInfo[];
  rows: unknown[][];
  done: boolean;
  summary?: StreamSummary;
}

export type RunnerResponse =
  | { id: number; ok: true; result: RunnerResult }
  | { id: number; ok: true; batch: StreamBatch }
  | {
      id: number;
      ok: false;
      error: { code: string; message: string; details: Record<string, unknown> };
    };
