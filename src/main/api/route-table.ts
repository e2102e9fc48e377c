import type { z } from 'zod';

export type Auth = 'none' | 'admin' | 'agent';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
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
