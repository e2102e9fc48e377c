/**
 * The semantic layer of each connection, kept in the store as one validated document
 * (migration 2). A revision number lets caches built from a layer notice it changed.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import { SemanticLayer } from '../../shared/contract/nl';
import type { Clock } from '../ports';

interface Row {
  document: string;
  revision: number;
}

export interface StoredLayer {
  layer: SemanticLayer;
  /** 0 for a connection that has no layer yet. */
  revision: number;
}

export const EMPTY_LAYER: SemanticLayer = Object.freeze({
  version: 1,
  tables: [],
  relationships: [],
  metrics: [],
  examples: [],
});

export class SemanticStore {
  private readonly stmts: {
    get: Statement<[string], Row>;
    put: Statement;
  };
  private readonly cache = new Map<string, StoredLayer>();

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.stmts = {
      get: db.prepare('SELECT document, revision FROM semantic_layers WHERE connection = ?'),
      put: db.prepare(`INSERT INTO semantic_layers (connection, document, revision, updated_at)
        VALUES (@connection, @document, 1, @updatedAt)
        ON CONFLICT (connection) DO UPDATE SET document = excluded.document, revision = revision + 1, updated_at = excluded.updated_at`),
    };
  }

  get(connection: string): StoredLayer {
    const key = connection.toLowerCase();
    const hit = this.cache.get(key);
    if (hit) return hit;
    const row = this.stmts.get.get(connection);
    // A document that no longer validates (written by another version) reads as empty rather
    // than breaking every question; the editor shows it empty and a save replaces it.
    const parsed = row ? SemanticLayer.safeParse(JSON.parse(row.document)) : null;
    const stored = {
      layer: parsed?.success ? parsed.data : EMPTY_LAYER,
      revision: row?.revision ?? 0,
    };
    this.cache.set(key, stored);
    return stored;
  }

  /** Stores an already validated layer; answers the new revision. */
  put(connection: string, layer: SemanticLayer): StoredLayer {
    this.stmts.put.run({
      connection,
      document: JSON.stringify(layer),
      updatedAt: this.clock.now().toISOString(),
    });
    this.cache.delete(connection.toLowerCase());
    return this.get(connection);
  }
}
