/**
 * A test Airlock whose settings point at a fresh Ollama test double, plus helpers to ask
 * questions and read the audit trail.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { CoreOptions } from '../../src/main/core';
import type { AuditEntry } from '../../src/shared/domain';
import { startOllamaDouble, type OllamaDouble } from '../doubles/ollama-double';
import { startTestAirlock, type TestAirlock } from './harness';

export const MODEL = 'qwen2.5-coder:7b';

export interface NlTestbed {
  t: TestAirlock;
  ollama: OllamaDouble;
  ask(
    apiKey: string,
    body: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Audit entries after `afterId`, oldest first. */
  auditSince(afterId: number): AuditEntry[];
  lastAuditId(): number;
  close(): Promise<void>;
}

export async function startNlTestbed(nl: CoreOptions['nl'] = {}): Promise<NlTestbed> {
  const ollama = await startOllamaDouble({ models: [MODEL] });
  const t = await startTestAirlock({ nl });
  const s = t.core.settings.get();
  t.core.settings.put({ ...s, ollama: { url: ollama.url, model: MODEL } });
  const rows = () => t.core.audit.list({ limit: 1000, offset: 0 }).entries as AuditEntry[];
  return {
    t,
    ollama,
    ask: (apiKey, body, headers = {}) =>
      t.request({ method: 'POST', url: '/v1/ask', token: apiKey, payload: body, headers }),
    auditSince: (afterId) =>
      rows()
        .filter((e) => e.id > afterId)
        .sort((a, b) => a.id - b.id),
    lastAuditId: () => Math.max(0, ...rows().map((e) => e.id)),
    async close() {
      await t.close();
      await ollama.close();
    },
  };
}

/** The user message of a recorded chat request (the schema, examples and question). */
export function userMessage(body: { messages: { role: string; content: string }[] }): string {
  return body.messages.find((m) => m.role === 'user')!.content;
}
