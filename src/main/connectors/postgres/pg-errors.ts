/**
 * PostgreSQL errors during a statement, as Airlock's error codes. Only the server's primary
 * message is passed on: its DETAIL can quote row values (a unique violation names the
 * duplicate key), which belong to the audit at most.
 */
import { AirlockError, isAirlockError } from '../../../shared/errors';
import { timeoutError } from '../deadline';

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
}

export function pgQueryError(e: unknown, timeoutMs: number): AirlockError {
  if (isAirlockError(e)) return e;
  const err = e as PgError;
  const code = err.code ?? '';
  const msg = `the database reported: ${err.message ?? String(e)}`;
  const details = { layer: 'engine', sqlstate: code || undefined };
  if (code === '57014') return timeoutError(timeoutMs);
  if (code === '25006') {
    return new AirlockError('STATEMENT_NOT_ALLOWED', `the database refused to write in a read-only transaction (${err.message})`, { layer: 'backstop', sqlstate: code });
  }
  if (code === '42501') return new AirlockError('PERMISSION_DENIED', msg, { layer: 'backstop', sqlstate: code });
  if (code.startsWith('42') || code === '08P01' || code === '0A000') return new AirlockError('INVALID_SQL', msg, details);
  if (code.startsWith('08') || /Connection terminated|ECONNRESET|socket/i.test(err.message ?? '')) {
    return new AirlockError('QUERY_FAILED', 'the connection to the database was lost during the statement', { layer: 'engine' });
  }
  return new AirlockError('QUERY_FAILED', msg, details);
}
