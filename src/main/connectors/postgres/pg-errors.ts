/**
 * PostgreSQL errors during a statement, as Airlock's error codes. Only the server's primary
 * message is passed on — DETAIL, WHERE and HINT can quote row values (a unique violation names
 * the duplicate key) — and that message is scrubbed of the values it quotes (error-scrub.ts).
 */
import { AirlockError, isAirlockError } from '../../../shared/errors';
import { scrubMessage } from '../error-scrub';
import { timeoutError } from '../deadline';

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
}

/**
 * Words after which PostgreSQL quotes a schema object's name in errors about data and
 * constraints (`violates check constraint "c"`, `null value in column "c" of relation "t"`).
 */
const NAMING_WORDS = ['constraint', 'column', 'relation', 'table', 'index', 'sequence'];

/**
 * The server's message with data values hidden. Name errors (class 42, 0A) are raised while
 * the statement is analysed, but a text → regclass/regtype/regrole cast raises them at run
 * time with a value in the quotes: there a fragment survives only if the statement spells it
 * outside its literals. Elsewhere names after NAMING_WORDS survive too, and bare numbers go.
 */
export function pgMessage(code: string, message: string, sql: string | undefined): string {
  // A RAISE from a function says whatever its author formatted into it, data included.
  if (code === 'P0001')
    return 'a database function raised an error (its message is not shown: it may carry data)';
  if (code.startsWith('42') || code.startsWith('0A'))
    return scrubMessage(message, { sql: sql ?? '', quotes: ['"'] });
  return scrubMessage(message, { namingWords: NAMING_WORDS, numbers: true, quotes: ['"', "'"] });
}

export function pgQueryError(e: unknown, timeoutMs: number, sql?: string): AirlockError {
  if (isAirlockError(e)) return e;
  const err = e as PgError;
  const code = err.code ?? '';
  const details = { layer: 'engine', sqlstate: code || undefined };
  if (code === '57014') return timeoutError(timeoutMs);
  // Errors without a SQLSTATE come from the driver, not the data (a broken socket, a protocol error).
  const text = code ? pgMessage(code, err.message ?? '', sql) : (err.message ?? String(e));
  const msg = `the database reported: ${text}`;
  if (code === '25006') {
    return new AirlockError(
      'STATEMENT_NOT_ALLOWED',
      `the database refused to write in a read-only transaction (${text})`,
      { layer: 'backstop', sqlstate: code },
    );
  }
  if (code === '42501')
    return new AirlockError('PERMISSION_DENIED', msg, { layer: 'backstop', sqlstate: code });
  if (code.startsWith('42') || code === '08P01' || code === '0A000')
    return new AirlockError('INVALID_SQL', msg, details);
  if (code.startsWith('08') || /Connection terminated|ECONNRESET|socket/i.test(err.message ?? '')) {
    return new AirlockError(
      'QUERY_FAILED',
      'the connection to the database was lost during the statement',
      { layer: 'engine' },
    );
  }
  return new AirlockError('QUERY_FAILED', msg, details);
}
