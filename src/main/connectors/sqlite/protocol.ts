import type { Analysis } from '../../guard/analyzer';
import type { ConnectorTable, QueryLimits, ReadData, SqlParams, WriteData } from '../types';

/** Messages between the SQLite connector and its runner process. */
export type RunnerRequest =
  | { id: number; op: 'open'; path: string }
  | { id: number; op: 'introspect' }
  | { id: number; op: 'read' | 'write'; sql: string; params: SqlParams | undefined; analysis: Analysis; limits: QueryLimits };

export type RunnerResult = ConnectorTable[] | ReadData | WriteData | null;

export type RunnerResponse =
  | { id: number; ok: true; result: RunnerResult }
  | { id: number; ok: false; error: { code: string; message: string; details: Record<string, unknown> } };
