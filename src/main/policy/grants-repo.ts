import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { Action, ExportLimits, Grant } from '../../shared/domain';

interface GrantRow {
  connection: string;
  table_name: string;
  actions: string;
  columns: string | null;
  effect: 'allow' | 'deny';
  export_limits: string | null;
  /** `none`: writes run at once; NULL (or anything else): each write needs approval. */
  approval: string | null;
}

const deepFreeze = <T>(v: T): T => {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
};

export class GrantsRepo {
  private readonly cache = new Map<string, Grant[]>();
  private readonly stmts: {
    list: Statement<[string], GrantRow>;
    clear: Statement<[string]>;
    insert: Statement;
    renameConnection: Statement;
    dropConnection: Statement<[string]>;
  };

  constructor(private readonly db: Database) {
    this.stmts = {
      list: db.prepare(
        'SELECT connection, table_name, actions, columns, effect, export_limits, approval FROM grants WHERE agent_id = ? ORDER BY position',
      ),
      clear: db.prepare('DELETE FROM grants WHERE agent_id = ?'),
      insert:
        db.prepare(`INSERT INTO grants (agent_id, position, connection, table_name, actions, columns, effect, export_limits, approval)
        VALUES (@agentId, @position, @connection, @table, @actions, @columns, @effect, @exportLimits, @approval)`),
      // Connection names compare without case everywhere (the connections table is NOCASE).
      renameConnection: db.prepare(
        'UPDATE grants SET connection = @to WHERE connection = @from COLLATE NOCASE',
      ),
      dropConnection: db.prepare('DELETE FROM grants WHERE connection = ? COLLATE NOCASE'),
    };
  }

  /**
   * An agent's grants, read from the store once and then kept until any change of grants
   * (every write goes through this class, which forgets them all). Frozen: no caller can
   * change what the next request is judged by.
   */
  list(agentId: string): Grant[] {
    let grants = this.cache.get(agentId);
    if (!grants) {
      grants = deepFreeze(this.read(agentId));
      this.cache.set(agentId, grants);
    }
    return grants;
  }

  private read(agentId: string): Grant[] {
    return this.stmts.list.all(agentId).map((r) => {
      const g: Grant = {
        connection: r.connection,
        table: r.table_name,
        actions: JSON.parse(r.actions) as Action[],
      };
      if (r.columns !== null) g.columns = JSON.parse(r.columns) as string[];
      if (r.effect === 'deny') g.effect = 'deny';
      if (r.export_limits !== null) g.exportLimits = JSON.parse(r.export_limits) as ExportLimits;
      if (r.approval === 'none' || r.approval === 'required') g.approval = r.approval;
      return g;
    });
  }

  /** A connection was renamed: every agent's grants follow it. */
  renameConnection(from: string, to: string): void {
    this.cache.clear();
    this.stmts.renameConnection.run({ from, to });
  }

  /**
   * A connection was removed: grants naming it go too, so a new connection that reuses the
   * name does not inherit them.
   */
  removeConnection(name: string): number {
    this.cache.clear();
    return this.stmts.dropConnection.run(name).changes;
  }

  /** Replaces all of an agent's grants atomically. */
  replace(agentId: string, grants: Grant[]): void {
    this.cache.clear();
    this.db.transaction(() => {
      this.stmts.clear.run(agentId);
      grants.forEach((g, position) =>
        this.stmts.insert.run({
          agentId,
          position,
          connection: g.connection,
          table: g.table,
          actions: JSON.stringify(g.actions),
          columns: g.columns ? JSON.stringify(g.columns) : null,
          effect: g.effect ?? 'allow',
          exportLimits: g.exportLimits ? JSON.stringify(g.exportLimits) : null,
          approval: g.approval ?? null,
        }),
      );
    })();
  }
}
