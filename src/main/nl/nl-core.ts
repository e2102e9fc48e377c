/**
 * The natural-language capability, wired once by the core: the Ollama client (address and
 * model from settings, read on every call), the semantic layer, value hints and the ask path.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditRecord } from '../../shared/domain';
import type { AuditLog } from '../audit/audit-log';
import type { Connections } from '../connections/connections';
import type { Clock } from '../ports';
import type { Pipeline } from '../query/pipeline';
import type { SettingsRepo } from '../settings/settings';
import { AskService, type NlOptions } from './ask-service';
import { OllamaClient, DEFAULT_OLLAMA_TIMEOUTS, type OllamaTimeouts } from './ollama-client';
import { SemanticService } from './semantic-service';
import { SemanticStore } from './semantic-store';
import { ValueSampler } from './value-hints';

export interface NlCore {
  ollama: OllamaClient;
  semantic: SemanticService;
  asks: AskService;
}

export interface NlConfig {
  ollamaTimeouts?: Partial<OllamaTimeouts>;
  /** Overrides the stored settings' Ollama address or model without saving them (the eval command). */
  ollama?: { url?: string; model?: string };
  options?: Partial<NlOptions>;
}

export interface NlCoreDeps {
  db: Database;
  clock: Clock;
  audit: AuditLog;
  connections: Connections;
  settings: SettingsRepo;
  auditAdmin: (
    action: string,
    details: Record<string, unknown>,
    extra?: Partial<AuditRecord>,
  ) => Promise<number>;
  /** The one query pipeline (core.queries): every asker's statements run through it. */
  queries: Pipeline;
  config?: NlConfig;
}

export function createNlCore(deps: NlCoreDeps): NlCore {
  const ollama = new OllamaClient(
    () => ({ ...deps.settings.get().ollama, ...deps.config?.ollama }),
    { ...DEFAULT_OLLAMA_TIMEOUTS, ...deps.config?.ollamaTimeouts },
  );
  const store = new SemanticStore(deps.db, deps.clock);
  const semantic = new SemanticService({
    store,
    connections: deps.connections,
    auditAdmin: deps.auditAdmin,
    clock: deps.clock,
  });
  const sampler = new ValueSampler(() => deps.clock.now().getTime());
  const asks = new AskService({
    connections: deps.connections,
    semantic: store,
    ollama,
    audit: deps.audit,
    clock: deps.clock,
    sampler,
    queries: deps.queries,
    ...(deps.config?.options ? { options: deps.config.options } : {}),
  });
  return { ollama, semantic, asks };
}
