/**
 * Structured logs: JSON lines (pino) in the data directory, one line per request with its id,
 * route pattern, status, error code and time, plus what the core reports (warnings, errors).
 * What never appears: keys, tokens, cookies, passwords, statements' parameters or the query
 * strings of addresses (sign-in links carry tokens there). Only fields chosen here are logged,
 * so nothing reaches the log by accident; the redaction list is the second line of defence.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger as Pino } from 'pino';
import type { Logger } from '../ports';

export const LOG_FILE = 'airlock.log';

/** Keys whose values never reach the log, at the top level of a line or one level down. */
const REDACTED = new Set([
  'authorization',
  'cookie',
  'password',
  'token',
  'apiKey',
  'key',
  'params',
]);
const CENSOR = '[redacted]';

/**
 * The second line of defence, in one pass over the line's keys: a sensitive key at the top
 * level or one level down (pino's `key` and `*.key` paths) is censored in a copy; a line with
 * none — every request line — is passed through untouched. (pino's own path redaction cost
 * ~15 µs a line, most of the logging cost on the query path.)
 */
export function redactLine(line: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const k in line) {
    const v = line[k];
    if (REDACTED.has(k)) {
      out ??= { ...line };
      out[k] = CENSOR;
    } else if (typeof v === 'object' && v !== null) {
      let inner: Record<string, unknown> | null = null;
      for (const c in v) {
        if (!REDACTED.has(c)) continue;
        inner ??= (Array.isArray(v) ? [...(v as unknown[])] : { ...v }) as Record<string, unknown>;
        inner[c] = CENSOR;
      }
      if (inner) {
        out ??= { ...line };
        out[k] = inner;
      }
    }
  }
  return out ?? line;
}

/** Bytes gathered before a write; a quiet log is flushed within FLUSH_MS all the same. */
const BUFFER_BYTES = 4096;
const FLUSH_MS = 1000;

/**
 * A JSON-lines logger writing to `<dataDir>/logs/airlock.log` (0600). Lines are gathered in
 * memory and written 4 KiB at a time, off the request's path; what is gathered is written
 * within a second when the log is quiet, by `flush()` (the servers' close awaits it) and
 * synchronously at process exit, so a clean stop loses no line.
 */
export function fileLogger(dataDir: string, level = process.env.AIRLOCK_LOG_LEVEL ?? 'info'): Pino {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dest = pino.destination({
    dest: join(dir, LOG_FILE),
    mkdir: true,
    sync: false,
    minLength: BUFFER_BYTES,
    mode: 0o600,
  });
  // One timer at a time, set by the first line after a flush: nothing runs while the log is quiet.
  let timer: NodeJS.Timeout | null = null;
  const later = () => {
    timer = null;
    try {
      dest.flush();
    } catch {
      // The destination was closed meanwhile: nothing is left to write.
    }
  };
  return pino(
    {
      level,
      base: { app: 'airlock' },
      formatters: {
        log: (line) => {
          if (timer === null) (timer = setTimeout(later, FLUSH_MS)).unref();
          return redactLine(line);
        },
      },
    },
    dest,
  );
}

/** The core's Logger port over pino, also passing each line on to `also` (the terminal). */
export function portOver(log: Pino, also?: Logger): Logger {
  return {
    info: (msg, fields) => {
      log.info(fields ?? {}, msg);
      also?.info(msg, fields);
    },
    warn: (msg, fields) => {
      log.warn(fields ?? {}, msg);
      also?.warn(msg, fields);
    },
    error: (msg, fields) => {
      log.error(fields ?? {}, msg);
      also?.error(msg, fields);
    },
  };
}
