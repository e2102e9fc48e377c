import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AirlockError, isAirlockError } from '../../shared/errors';
import { publicDetails } from '../query/query-service';

/** Parses with a zod schema; a failure is a 400 naming each offending field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  throw new AirlockError(
    'VALIDATION_FAILED',
    `the ${what} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

function fromFastify(e: FastifyError): AirlockError {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AirlockError('PAYLOAD_TOO_LARGE', 'the request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AirlockError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AirlockError('VALIDATION_FAILED', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AirlockError('VALIDATION_FAILED', 'the Content-Length header does not match the body');
    default:
      if (e.statusCode === 400 && /JSON/i.test(e.message)) {
        return new AirlockError('VALIDATION_FAILED', 'the body is not valid JSON');
      }
      if (e.statusCode && e.statusCode < 500) return new AirlockError('VALIDATION_FAILED', e.message);
      return new AirlockError('INTERNAL', 'Airlock hit an internal error; the request was not completed');
  }
}

/** The one error shape: `{ error: { code, message, …details }, auditId }`. */
export function sendError(reply: FastifyReply, err: AirlockError, headers: Record<string, string> = {}) {
  const body: Record<string, unknown> = { error: { code: err.code, message: err.message, ...publicDetails(err) } };
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
    if (err.code === 'INTERNAL') log('internal error', { route: request.routeOptions.url, error: (e as Error).message });
    if (audit && err.auditId === undefined) {
      try {
        err.auditId = await audit(request, err);
      } catch (ae) {
        log('audit write failed', { route: request.routeOptions.url, error: (ae as Error).message });
        err = new AirlockError('AUDIT_UNAVAILABLE', 'the audit log could not record this request, so it was refused');
      }
    }
    const headers: Record<string, string> = {};
    if (err.code === 'RATE_LIMITED' && typeof err.details.retryAfterSec === 'number') {
      headers['retry-after'] = String(err.details.retryAfterSec);
    }
    return sendError(reply, err, headers);
  };
}
