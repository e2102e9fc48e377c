import type { FastifyRequest } from 'fastify';

export interface HandlerInput {
  body: unknown;
  params: unknown;
  query: unknown;
  request: FastifyRequest;
}

export type Handler = (
  input: HandlerInput,
) => Promise<{ status?: number; body: unknown; headers?: Record<string, string> }>;
