/**
 * The UI's HTTP transport: `POST /v1/ui/<op>` for every operation of the contract, derived
 * from OPS in one loop (so the OpenAPI document lists them too), plus sign-out and the admin
 * route that issues login links.
 */
import { z } from 'zod';
import { OPS, OP_NAMES } from '../../../shared/contract/ops';
import type { OpsHandlers } from '../../ui/ops-types';
import { dispatch } from '../../ui/dispatch';
import type { RouteSpec } from '../route-table';
import { sessionCookie, type UiSessions } from '../ui-sessions';
import type { Handler } from './handler';

export const LoginLink = z.object({ url: z.string(), expiresAt: z.string() });

export function uiRoutes(
  handlers: OpsHandlers,
  sessions: UiSessions,
  loginUrl: (token: string) => string,
): [RouteSpec, Handler][] {
  const ops = OP_NAMES.map((name): [RouteSpec, Handler] => [
    {
      method: 'POST',
      url: `/v1/ui/${name}`,
      auth: 'session',
      summary: `UI operation ${name}`,
      body: OPS[name].input,
      responses: { 200: OPS[name].output },
    },
    // The server parsed the body with the same schema already; dispatch parses again, which
    // is cheap and keeps one code path for HTTP and IPC.
    async ({ body }) => ({ body: await dispatch(handlers, name, body) }),
  ]);
  return [
    ...ops,
    [
      {
        method: 'POST',
        url: '/v1/ui/logout',
        auth: 'session',
        summary: 'Sign out of the UI: the session ends at once',
        responses: { 200: z.object({}) },
      },
      async ({ request }) => {
        if (request.uiSession) sessions.end(request.uiSession);
        await sessions.recorded();
        return { body: {}, headers: { 'set-cookie': sessionCookie(null) } };
      },
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/login-links',
        auth: 'admin',
        summary: 'A one-time login link for the UI in a browser (single use, valid 10 minutes)',
        responses: { 201: LoginLink },
      },
      async () => {
        const { token, expiresAt } = sessions.issueLoginToken();
        return { status: 201, body: { url: loginUrl(token), expiresAt: expiresAt.toISOString() } };
      },
    ],
  ];
}
