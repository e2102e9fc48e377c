import type { FastifyReply, FastifyRequest } from 'fastify';
import { AirlockError } from '../../shared/errors';
import { sendError } from './http-errors';

/**
 * DNS-rebinding and CSRF defences, run before anything else: the Host must be a loopback
 * name with our port, and an Origin, when present, must be our own.
 */
export function loopbackGuard(port: () => number) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const p = port();
    const allowedHosts = [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`];
    const host = (request.headers.host ?? '').toLowerCase();
    if (!allowedHosts.includes(host)) {
      return sendError(
        reply,
        new AirlockError(
          'FORBIDDEN_ORIGIN',
          `requests must be addressed to 127.0.0.1:${p} (Host '${host.slice(0, 100)}' refused)`,
        ),
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined) {
      const allowedOrigins = [
        `http://127.0.0.1:${p}`,
        `http://localhost:${p}`,
        `http://[::1]:${p}`,
      ];
      if (!allowedOrigins.includes(origin.toLowerCase())) {
        return sendError(
          reply,
          new AirlockError('FORBIDDEN_ORIGIN', 'cross-origin requests are refused'),
        );
      }
    }
  };
}
