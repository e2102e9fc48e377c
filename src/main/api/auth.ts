import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AirlockError } from '../../shared/errors';
import type { Core } from '../core';
import type { Agent } from '../identity/agents';
import { keyPrefix } from '../identity/api-key';

export function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireAdmin(adminToken: string) {
  const expected = digest(adminToken);
  return async (request: FastifyRequest) => {
    const token = bearer(request);
    // Hash both sides so the comparison is constant-time whatever the lengths.
    if (!token || !timingSafeEqual(digest(token), expected)) {
      throw new AirlockError(
        'UNAUTHENTICATED',
        'admin routes need `Authorization: Bearer <admin token>` (the contents of admin.token)',
      );
    }
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    agent?: Agent;
  }
}

/**
 * Identity, then the rate limit. Failed authentications are audited (with the key's public
 * prefix at most), so an officer sees key-guessing and use of revoked keys.
 */
export function requireAgent(core: Core) {
  return async (request: FastifyRequest, reply?: FastifyReply) => {
    const token = bearer(request);
    try {
      if (!token)
        throw new AirlockError(
          'UNAUTHENTICATED',
          'agent routes need `Authorization: Bearer <agent API key>`',
        );
      request.agent = core.agents.authenticate(token);
    } catch (e) {
      if (e instanceof AirlockError) {
        const prefix = token ? keyPrefix(token) : null;
        e.auditId = await core.auditAdmin(
          'auth',
          { route: request.routeOptions.url, ...(prefix ? { keyPrefix: `alk_${prefix}` } : {}) },
          {
            actor: 'unknown',
            status: 'denied',
            decision: 'deny',
            rule: 'identity',
            reason: e.message,
          },
        );
      }
      throw e;
    }
    const agent = request.agent;
    const rate = core.rateLimiter.take(agent.id);
    if (!rate.ok) {
      const err = new AirlockError(
        'RATE_LIMITED',
        `agent '${agent.name}' ${rate.message ?? `exceeded ${rate.limit.max} requests per ${rate.limit.label}; retry in ${rate.retryAfterSec} s`}`,
        { retryAfterSec: rate.retryAfterSec, ...(rate.setting ? { limit: rate.setting } : {}) },
      );
      err.auditId = await core.auditAdmin(
        'rate-limit',
        { agentId: agent.id, route: request.routeOptions.url },
        {
          actor: `agent:${agent.name}`,
          status: 'denied',
          decision: 'deny',
          rule: `rate-limit:${rate.limit.label}`,
          reason: err.message,
        },
      );
      throw err;
    }
    // The bytes of the answer count toward the agent's day.
    if (reply) core.rateLimiter.meter(agent.id, reply.raw);
  };
}
