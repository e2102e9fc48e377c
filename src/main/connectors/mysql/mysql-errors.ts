/** MySQL/MariaDB errors during a statement, as Airlock's error codes. */
import { AirlockError, isAirlockError } from '../../../shared/errors';
import { timeoutError } from '../deadline';

interface MysqlError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
}

/** max_statement_time (MariaDB 1969), max_execution_time (MySQL 3024), KILL QUERY (1317). */
const TIMEOUTS = new Set([1969, 3024, 1317, 1028]);

export function mysqlQueryError(e: unknown, timeoutMs: number): AirlockError {
  if (isAirlockError(e)) return e;
  const err = e as MysqlError;
  const errno = err.errno ?? 0;
  const text = err.sqlMessage ?? err.message ?? String(e);
  const msg = `the database reported: ${text}`;
  const details = { layer: 'engine', errno: errno || undefined };
  if (TIMEOUTS.has(errno)) return timeoutError(timeoutMs);
  if (errno === 1062) {
    // "Duplicate entry '<value>' for key …" quotes the row's value: keep the key, drop the value.
    const key = /for key '([^']*)'/.exec(text)?.[1];
    return new AirlockError('QUERY_FAILED', `the database reported: a row with that value already exists (unique key ${key ?? 'unknown'})`, details);
  }
  if (errno === 1792) {
    return new AirlockError('STATEMENT_NOT_ALLOWED', `the database refused to write in a read-only transaction (${text})`, { layer: 'backstop', errno });
  }
  if ([1142, 1143, 1044, 1045, 1227, 1370].includes(errno)) return new AirlockError('PERMISSION_DENIED', msg, { layer: 'backstop', errno });
  if ([1064, 1146, 1054, 1149, 1210, 1295, 1105].includes(errno)) return new AirlockError('INVALID_SQL', msg, details);
  if (/PROTOCOL_CONNECTION_LOST|ECONNRESET|EPIPE/.test(err.code ?? '')) {
    return new AirlockError('QUERY_FAILED', 'the connection to the database was lost during the statement', { layer: 'engine' });
  }
  return new AirlockError('QUERY_FAILED', msg, details);
}
