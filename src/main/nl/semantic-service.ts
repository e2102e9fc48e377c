/**
 * Reading and changing a connection's semantic layer: validated in shape and against the
 * schema, stored, audited as an administrative change, and served per asker, filtered.
 */
import type { SemanticLayer } from '../../shared/contract/nl';
import type { AuditRecord } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import type { Connections } from '../connections/connections';
import { accessView, type Asker } from './access';
import { checkLayer } from './semantic-check';
import { sqlConnector } from '../connectors/types';
import { filterLayer } from './semantic-filter';
import type { SemanticStore, StoredLayer } from './semantic-store';
import { invalidLayer, layerFromYaml, layerToYaml, parseLayer } from './semantic-yaml';

type AuditAdmin = (
  action: string,
  details: Record<string, unknown>,
  extra?: Partial<AuditRecord>,
) => Promise<number>;

export class SemanticService {
  constructor(
    private readonly deps: {
      store: SemanticStore;
      connections: Connections;
      auditAdmin: AuditAdmin;
      clock: { now(): Date };
    },
  ) {}

  private connectionName(connection: string): string {
    const rec = this.deps.connections.get(connection);
    if (!rec)
      throw new AirlockError('NOT_FOUND', `no connection named '${connection}'`, { connection });
    return rec.name;
  }

  get(connection: string): StoredLayer {
    return this.deps.store.get(this.connectionName(connection));
  }

  /** Replaces the layer. `value` is unvalidated input (JSON body, parsed YAML). */
  async put(
    connection: string,
    value: unknown,
    actor = 'admin',
    how = 'put',
  ): Promise<StoredLayer> {
    const name = this.connectionName(connection);
    const layer = parseLayer(value);
    await this.check(name, layer);
    const stored = this.deps.store.put(name, layer);
    await this.deps.auditAdmin(
      'semantic.replace',
      { connection: name, how, revision: stored.revision, ...counts(layer) },
      { actor, connection: name },
    );
    return stored;
  }

  async importYaml(connection: string, yaml: string, actor = 'admin'): Promise<StoredLayer> {
    return this.put(connection, layerFromYaml(yaml), actor, 'yaml-import');
  }

  exportYaml(connection: string): string {
    const name = this.connectionName(connection);
    return layerToYaml(this.deps.store.get(name).layer, name);
  }

  /** "Save as verified example": the pair must be a read the guard accepts. */
  async addExample(
    connection: string,
    question: string,
    sql: string,
    addedBy: string,
  ): Promise<StoredLayer> {
    const name = this.connectionName(connection);
    const { layer } = this.deps.store.get(name);
    const kept = layer.examples.filter(
      (e) => e.question.trim().toLowerCase() !== question.trim().toLowerCase(),
    );
    const next = {
      ...layer,
      examples: [...kept, { question, sql, addedBy, addedAt: this.deps.clock.now().toISOString() }],
    };
    return this.put(name, next, addedBy, 'add-example');
  }

  /** What this asker may see of the layer (agents read it through the API; the model sees it). */
  async forAsker(connection: string, asker: Asker): Promise<SemanticLayer> {
    const name = this.connectionName(connection);
    const view = await accessView(this.deps.connections, name, asker);
    return filterLayer(this.deps.store.get(name).layer, view);
  }

  private async check(connection: string, layer: SemanticLayer): Promise<void> {
    const connector = this.deps.connections.connector(connection);
    const { index } = await this.deps.connections.schema(connection);
    const issues = await checkLayer(layer, index, sqlConnector(connector).dialect);
    if (issues.length) throw invalidLayer(`semantic layer for '${connection}'`, issues);
  }
}

function counts(l: SemanticLayer) {
  return {
    tables: l.tables.length,
    relationships: l.relationships.length,
    metrics: l.metrics.length,
    examples: l.examples.length,
  };
}
