import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AirlockError, isAirlockError, publicDetails } from '../../shared/errors';
import { clip, MAX_ISSUE_TEXT } from '../../shared/parse-with';

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
    // A key is quoted back in the path: a long one is shortened, so the path stays small.
    const key = clip(k.toWellFormed(), 60);
    const here = path ? `${path}.${key}` : key;
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
