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

const REDACT = [
  'authorization',
  'cookie',
  'password',
  'token',
  'apiKey',
  'key',
  'params',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.key',
  '*.params',
];

/** A JSON-lines logger writing to `<dataDir>/logs/airlock.log` (0600). */
export function fileLogger(dataDir: string, level = process.env.AIRLOCK_LOG_LEVEL ?? 'info'): Pino {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dest = pino.destination({
    dest: join(dir, LOG_FILE),
    mkdir: true,
    sync: false,
    mode: 0o600,
  });
  return pino(
    { level, base: { app: 'airlock' }, redact: { paths: REDACT, censor: '[redacted]' } },
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
