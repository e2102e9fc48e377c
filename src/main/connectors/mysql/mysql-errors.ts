/**
 * MySQL/MariaDB errors during a statement, as Airlock's error codes, with the values the
 * server quotes in them hidden (error-scrub.ts): strict mode's 1292/1366 quote the string that
 * failed to convert, 1062 the duplicate key, 1690 the folded expression — any of which can be
 * a value from a column the agent may not read.
 */
import { AirlockError, isAirlockError } from '../../../shared/errors';
import { timeoutError } from '../deadline';
import { scrubMessage } from '../error-scrub';

interface MysqlError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
}

/** max_statement_time (MariaDB 1969), max_execution_time (MySQL 3024), KILL QUERY (1317). */
const TIMEOUTS = new Set([1969, 3024, 1317, 1028]);

/**
 * Raised while the statement is parsed and its names resolved, before any row is read: their
 * quotes hold the statement's own text or schema names (MySQL has no text → name casts).
 */
const NAME_ERRORS = new Set([
  1064, 1146, 1054, 1052, 1149, 1305, 1049, 1109, 1066, 1060, 1110, 1584, 1630, 1582, 1583, 1241,
  1222,
]);

/** Words after which the server quotes a schema object's name, never a value. */
const NAMING_WORDS = [
  'column',
  'key',
  'constraint',
  'function',
  'table',
  'database',
  'procedure',
  'index',
  'field',
  'routine',
  'trigger',
  'view',
  'schema',
];

export function mysqlMessage(errno: number, text: string): string {
  if (NAME_ERRORS.has(errno)) return text;
  // 1644 is SIGNAL from a trigger or routine: its author's text, which may carry data.
  if (errno === 1644)
    return 'a trigger or routine raised an error (its message is not shown: it may carry data)';
  // Backticks quote identifiers only; a value is always in single quotes.
  return scrubMessage(text, {
    namingWords: NAMING_WORDS,
    numbers: errno !== 1365,
    quotes: ["'", '`'],
    nameQuotes: ['`'],
  });
}

export function mysqlQueryError(e: unknown, timeoutMs: number): AirlockError {
  if (isAirlockError(e)) return e;
  const err = e as MysqlError;
  const errno = err.errno ?? 0;
  const raw = err.sqlMessage ?? err.message ?? String(e);
  // Without an errno the error is the driver's own (a lost socket), not the server quoting data.
  const text = errno ? mysqlMessage(errno, raw) : raw;
  const msg = `the database reported: ${text}`;
  const details = { layer: 'engine', errno: errno || undefined };
  if (TIMEOUTS.has(errno)) return timeoutError(timeoutMs);
  // ER_WRONG_ARGUMENTS from a prepared statement: the driver's wording names server internals.
  if (errno === 1210 && /mysqld_stmt_execute/.test(raw)) {
    return new AirlockError(
      'VALIDATION_FAILED',
      'the number of parameters does not match the placeholders (?) in the statement',
      {
        issues: [{ path: 'params', message: 'one value per ? placeholder' }],
      },
    );
  }
  if (errno === 1062) {
    const key = /for key '([^']*)'/.exec(raw)?.[1];
    return new AirlockError(
      'QUERY_FAILED',
      `the database reported: a row with that value already exists (unique key ${key ?? 'unknown'})`,
      details,
    );
  }
  if (errno === 1792) {
    return new AirlockError(
      'STATEMENT_NOT_ALLOWED',
      `the database refused to write in a read-only transaction (${text})`,
      { layer: 'backstop', errno },
    );
  }
  if ([1142, 1143, 1044, 1045, 1227, 1370].includes(errno))
    return new AirlockError('PERMISSION_DENIED', msg, { layer: 'backstop', errno });
  if ([1064, 1146, 1054, 1149, 1210, 1295, 1105].includes(errno))
    return new AirlockError('INVALID_SQL', msg, details);
  if (/PROTOCOL_CONNECTION_LOST|ECONNRESET|EPIPE/.test(err.code ?? '')) {
    return new AirlockError(
      'QUERY_FAILED',
      'the connection to the database was lost during the statement',
      { layer: 'engine' },
    );
  }
  return new AirlockError('QUERY_FAILED', msg, details);
}
