/**
 * MongoDB driver failures phrased for a person: which of "wrong password", "nothing there",
 * "TLS refused", "not allowed to read" or "too slow" it was, and what to check. Messages
 * never carry the password, even where the driver echoes its configuration.
 */
import { AirlockError } from '../../../shared/errors';
import { scrubMessage } from '../error-scrub';

interface DriverError {
  name?: string;
  code?: string | number;
  codeName?: string;
  message?: string;
  cause?: unknown;
  reason?: { servers?: Map<string, { error?: unknown }> };
}

/** Server error codes that matter here (MongoDB's error_codes.yml). */
const AUTH_FAILED = 18;
const UNAUTHORIZED = 13;
const MAX_TIME_EXPIRED = 50;
const NAMESPACE_NOT_FOUND = 26;
const COMMAND_NOT_FOUND = 59;

/** The password in a mongodb:// URL, percent-decoded and as written, for scrubbing. */
export function passwordsOf(url: string): string[] {
  const m = /^mongodb(?:\+srv)?:\/\/[^:@/]*:([^@/]*)@/i.exec(url);
  if (!m?.[1]) return [];
  let decoded = m[1];
  try {
    decoded = decodeURIComponent(m[1]);
  } catch {
    // keep the raw form only
  }
  return [...new Set([m[1], decoded])];
}

export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 1) out = out.split(s).join('***');
  return out;
}

/** Every error in the chain: the error, its causes, and each server's error in a selection failure. */
function chain(e: unknown): DriverError[] {
  const out: DriverError[] = [];
  const visit = (x: unknown, depth: number) => {
    if (!x || typeof x !== 'object' || depth > 5) return;
    const d = x as DriverError;
    out.push(d);
    visit(d.cause, depth + 1);
    for (const s of d.reason?.servers?.values() ?? []) visit(s.error, depth + 1);
  };
  visit(e, 0);
  return out;
}

const codeOf = (errs: DriverError[], code: number, name: string) =>
  errs.some((d) => d.code === code || d.codeName === name);
const sysCode = (errs: DriverError[]) =>
  errs.map((d) => (typeof d.code === 'string' ? d.code : '')).find((c) => /^E[A-Z]+$/.test(c));

export function isCommandNotFound(e: unknown): boolean {
  const errs = chain(e);
  return (
    codeOf(errs, COMMAND_NOT_FOUND, 'CommandNotFound') ||
    errs.some((d) => /no such (cmd|command)/i.test(d.message ?? ''))
  );
}

/** A failure to connect or to run `test()`, for the person adding the connection. */
export function connectFailure(e: unknown, url: string, where: string): AirlockError {
  const errs = chain(e);
  const secrets = passwordsOf(url);
  const raw = scrub(errs.map((d) => d.message ?? '').find((m) => m) ?? String(e), secrets);
  const net: Record<string, string> = {
    ECONNREFUSED: 'nothing is listening there (is MongoDB running, and on that port?)',
    ENOTFOUND: 'the host name could not be resolved',
    EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
    ETIMEDOUT: 'the server did not answer in time (a firewall, or the wrong address?)',
    EHOSTUNREACH: 'the host is unreachable from this machine',
    ECONNRESET: 'the server closed the connection (does it expect TLS? add tls=true)',
  };
  let reason: string;
  let cause: string;
  const sys = sysCode(errs);
  if (errs.some((d) => d.name === 'MongoParseError' || d.name === 'MongoInvalidArgumentError')) {
    reason = `the MongoDB URL is not valid: ${raw}`;
    cause = 'url';
  } else if (
    codeOf(errs, AUTH_FAILED, 'AuthenticationFailed') ||
    /auth(entication)? failed/i.test(raw)
  ) {
    reason = `${where} rejected the user name or password (check them, and authSource= if the user is defined in another database such as admin)`;
    cause = 'auth';
  } else if (codeOf(errs, UNAUTHORIZED, 'Unauthorized')) {
    reason = `the MongoDB user may not list or read this database's collections; give it the read role on it`;
    cause = 'privileges';
  } else if (sys && net[sys]) {
    reason = `cannot reach ${where}: ${net[sys]}`;
    cause = 'unreachable';
  } else if (/ssl|tls|certificate/i.test(raw)) {
    reason = `TLS with ${where} failed: ${raw} (give the CA with tlsCAFile=/path/ca.pem)`;
    cause = 'tls';
  } else if (
    errs.some((d) => d.name === 'MongoServerSelectionError' || /timed out/i.test(d.message ?? ''))
  ) {
    reason = `no MongoDB server answered at ${where} in time: ${raw}`;
    cause = 'unreachable';
  } else {
    reason = `connecting to ${where} failed: ${raw}`;
    cause = 'other';
  }
  return new AirlockError('CONNECTION_FAILED', scrub(reason, secrets), { cause });
}

/** A failure while running an agent's query. */
export function queryFailure(e: unknown, timeoutMs: number, secrets: string[]): AirlockError {
  if (e instanceof AirlockError) return e;
  const errs = chain(e);
  const raw = scrub(errs.map((d) => d.message ?? '').find((m) => m) ?? String(e), secrets);
  if (codeOf(errs, MAX_TIME_EXPIRED, 'MaxTimeMSExpired')) {
    return new AirlockError(
      'QUERY_TIMEOUT',
      `the query ran longer than ${timeoutMs} ms and the server stopped it (maxTimeMS)`,
      { timeoutMs, layer: 'engine' },
    );
  }
  if (codeOf(errs, UNAUTHORIZED, 'Unauthorized')) {
    return new AirlockError(
      'QUERY_FAILED',
      `the database user Airlock connects as may not run this query: ${raw}`,
      { layer: 'engine' },
    );
  }
  if (codeOf(errs, NAMESPACE_NOT_FOUND, 'NamespaceNotFound')) {
    return new AirlockError('QUERY_FAILED', `the collection does not exist: ${raw}`, {
      layer: 'engine',
    });
  }
  if (errs.some((d) => /Network|ServerSelection|PoolClosed/.test(d.name ?? ''))) {
    return new AirlockError('QUERY_FAILED', `the MongoDB server could not be reached: ${raw}`, {
      layer: 'engine',
      cause: 'unreachable',
    });
  }
  // A failed conversion ($toInt, $dateFromString, …) quotes the value it could not convert.
  return new AirlockError(
    'QUERY_FAILED',
    `the database reported: ${scrubMessage(raw, { numbers: true })}`,
    { layer: 'engine' },
  );
}
