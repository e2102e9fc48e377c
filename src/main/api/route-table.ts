import type { z } from 'zod';

/** `session`: the UI's session cookie plus the `x-airlock-ui: 1` header (ui-sessions.ts). */
export type Auth = 'none' | 'admin' | 'agent' | 'session';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  auth: Auth;
  summary: string;
  /** Audit action of an agent route (failed requests are audited under it too). */
  action?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** status → response schema */
  responses: Record<number, z.ZodType>;
}
