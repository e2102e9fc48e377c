import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AirlockError, isAirlockError } from '../../shared/errors';
import { publicDetails } from '../query/query-service';

/** How many validation issues an answer (and its audit entry) names, and how long each may be. */
const MAX_ISSUES = 20;
const MAX_ISSUE_TEXT = 200;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Parses with a zod schema; a failure is a 400 naming the offending fields. The answer is
 * bounded whatever the body: at most MAX_ISSUES issues, each clipped, so a large bad body
 * cannot make a larger answer or a larger audit entry.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const all = r.error.issues;
  const issues = all
    .slice(0, MAX_ISSUES)
    .map((i) => ({
      path: clip(i.path.map(String).join('.') || '(root)', 100),
      message: clip(i.message, MAX_ISSUE_TEXT),
    }));
  const more = all.length > MAX_ISSUES ? `; and ${all.length - MAX_ISSUES} more` : '';
  throw new AirlockError(
    'VALIDATION_FAILED',
    clip(
      `the ${what} is not valid: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${more}`,
      1000,
    ),
    { issues, ...(all.length > MAX_ISSUES ? { issueCount: all.length } : {}) },
  );
}

/** Where a parsed JSON value holds text that is not well-formed Unicode (a lone surrogate), or null. */
export function illFormedTextAt(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : path || '(root)';
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = illFormedTextAt(value[i], path ? `${path}.${i}` : String(i));
      if (at) return at;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k.toWellFormed()}` : k.toWellFormed();
    if (!k.isWellFormed()) return here;
    const at = illFormedTextAt(v, here);
    if (at) return at;
  }
  return null;
}

function fromFastify(e: FastifyError): AirlockError {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AirlockError(
        'PAYLOAD_TOO_LARGE',
        'the request body is larger than this route accepts',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AirlockError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AirlockError('VALIDATION_FAILED', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AirlockError(
        'VALIDATION_FAILED',
        'the Content-Length header does not match the body',
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AirlockError(
        'VALIDATION_FAILED',
        'a part of the address is longer than any name Airlock accepts (100 characters)',
      );
    case 'FST_ERR_BAD_URL':
      return new AirlockError(
        'VALIDATION_FAILED',
        'the address is not valid: a part of it is not correctly percent-encoded',
      );
    default:
      if (e.statusCode === 400 && /JSON/i.test(e.message)) {
        return new AirlockError('VALIDATION_FAILED', 'the body is not valid JSON');
      }
      if (e.statusCode && e.statusCode < 500)
        return new AirlockError('VALIDATION_FAILED', clip(e.message, MAX_ISSUE_TEXT));
      return new AirlockError(
        'INTERNAL',
        'Airlock hit an internal error; the request was not completed',
      );
  }
}

declare module 'fastify' {
  interface FastifyReply {
    /** The error code this reply carries, for metrics and logs. */
    airlockCode?: string;
  }
}

/** The one error shape: `{ error: { code, message, …details }, auditId }`. */
export function sendError(
  reply: FastifyReply,
  err: AirlockError,
  headers: Record<string, string> = {},
) {
  reply.airlockCode = err.code;
  const body: Record<string, unknown> = {
    error: { code: err.code, message: err.message, ...publicDetails(err) },
  };
  if (err.auditId !== undefined) body.auditId = err.auditId;
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(err.status).type('application/json').send(body);
}

/**
 * `audit` records a failed request that no layer has audited yet (an authenticated agent's
 * invalid body, say) and returns the entry's id, or undefined when it is no agent request.
 */
export function errorHandler(
  log: (msg: string, fields: Record<string, unknown>) => void,
  audit?: (request: FastifyRequest, err: AirlockError) => Promise<number | undefined>,
) {
  return async (e: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    let err = isAirlockError(e) ? e : fromFastify(e as FastifyError);
    if (err.code === 'INTERNAL')
      log('internal error', { route: request.routeOptions.url, error: (e as Error).message });
    if (audit && err.auditId === undefined) {
      try {
        err.auditId = await audit(request, err);
      } catch (ae) {
        log('audit write failed', {
          route: request.routeOptions.url,
          error: (ae as Error).message,
        });
        err = new AirlockError(
          'AUDIT_UNAVAILABLE',
          'the audit log could not record this request, so it was refused',
        );
      }
    }
    const headers: Record<string, string> = {};
    if (err.code === 'RATE_LIMITED' && typeof err.details.retryAfterSec === 'number') {
      headers['retry-after'] = String(err.details.retryAfterSec);
    }
    return sendError(reply, err, headers);
  };
}
