/**
 * The guard's judge step: pre-lex rules, a full parse, then scope analysis. A pure function
 * of (text, dialect, schema snapshot), run on the guard's worker threads (guard-worker.ts)
 * so that a statement that is slow to parse stalls a worker, which can be killed, and never
 * the server. Its verdict is plain data so it can cross threads.
 */
import { AirlockError, type ErrorCode, type ErrorDetails } from '../../shared/errors';
import { Analyzer, type Analysis } from './analyzer';
import type { Dialect } from './dialect';
import { parseStatement } from './parse';
import { analyzePostgres } from './pg/pg-analyze';
import { loadPgParser } from './pg/pg-parser';
import { placeholderCount, prelex } from './prelex';
import type { SchemaIndex } from './schema-index';

export interface GuardedSql {
  /** The single statement, as it will be executed. */
  readonly sql: string;
  readonly analysis: Analysis;
  /** `?` placeholders in the statement, where the dialect's driver does not count them (MySQL). */
  readonly placeholders?: number;
}

export interface Refusal {
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
}

export type Verdict = { ok: true; value: GuardedSql } | { ok: false; error: Refusal };

/**
 * Parsers that must be loaded asynchronously (WASM) before judge() can use them, then one
 * small statement through each parser: their code is compiled on first use, which can take
 * longer than a statement's deadline on a busy machine. Each worker awaits this once before
 * it reports ready, so the deadline measures statements, never the worker's start.
 */
export async function loadJudge(): Promise<void> {
  await loadPgParser();
  const warmSchema = { tables: new Map(), defaultSchema: null };
  for (const dialect of ['sqlite', 'mysql', 'postgres'] as const) {
    judge(
      'SELECT a, count(*) FROM t WHERE b = 1 AND c IN (2, 3) GROUP BY a ORDER BY a',
      dialect,
      warmSchema,
    );
  }
}

export function judge(sql: string, dialect: Dialect, schema: SchemaIndex): Verdict {
  try {
    const text = prelex(sql, dialect);
    // PostgreSQL is read by its own parser (pg/); the others by node-sql-parser's grammars.
    if (dialect === 'postgres')
      return { ok: true, value: { sql: text, analysis: analyzePostgres(text, schema) } };
    const ast = parseStatement(text, dialect);
    const analysis = new Analyzer(schema, dialect).analyze(ast);
    const placeholders = placeholderCount(text, dialect);
    return {
      ok: true,
      value: { sql: text, analysis, ...(placeholders === null ? {} : { placeholders }) },
    };
  } catch (e) {
    if (e instanceof AirlockError)
      return { ok: false, error: { code: e.code, message: e.message, details: e.details } };
    // Recursion in the parser or the analyzer ran out of stack: whatever the statement is, it
    // cannot be read, so it is refused rather than reported as a crash.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return {
        ok: false,
        error: {
          code: 'INVALID_SQL',
          message:
            'the statement is nested too deeply for the guard to read, so it refuses it; flatten it or split it',
          details: { layer: 'ast', limit: 'stack' },
        },
      };
    }
    throw e;
  }
}
