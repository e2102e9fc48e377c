import { z } from 'zod';
import { ErrorBody } from '../../shared/contract/api';
import type { RouteSpec } from './route-table';

const toJson = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;

const SCHEME = { admin: 'adminToken', agent: 'agentKey', session: 'uiSession' } as const;

/** The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with. */
export function openApiDocument(routes: RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const js = toJson(schema, 'input') as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (js.required ?? []).includes(name),
          schema: s,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(r.responses)) {
      responses[status] = {
        description: status.startsWith('2') ? 'success' : 'error',
        content: { 'application/json': { schema: toJson(schema, 'output') } },
      };
    }
    responses.default = {
      description: 'error',
      content: { 'application/json': { schema: toJson(ErrorBody, 'output') } },
    };
    paths[path] ??= {};
    paths[path]![r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.auth === 'none' ? { security: [] } : { security: [{ [SCHEME[r.auth]]: [] }] }),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toJson(r.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Airlock loopback API', version },
    servers: [{ url: 'http://127.0.0.1:7717' }],
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'contents of <data-dir>/admin.token',
        },
        agentKey: { type: 'http', scheme: 'bearer', description: 'an agent API key (alk_…)' },
        uiSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'airlock_session',
          description:
            'the management UI session (from a one-time login link); calls also need the header `x-airlock-ui: 1`',
        },
      },
    },
    paths,
  };
}
