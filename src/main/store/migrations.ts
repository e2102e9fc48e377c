import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { StoreError } from './store-error';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Numbered migrations. An applied migration is checksummed: editing one after release is
 * refused at start, because the database would no longer match the code that reads it.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE agents (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
        key_prefix   TEXT NOT NULL UNIQUE,
        key_hash     BLOB NOT NULL,
        created_at   TEXT NOT NULL,
        expires_at   TEXT,
        last_used_at TEXT,
        revoked_at   TEXT
      ) STRICT;

      CREATE TABLE connections (
        name       TEXT PRIMARY KEY COLLATE NOCASE,
        kind       TEXT NOT NULL,
        target     TEXT NOT NULL,
        config     BLOB NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE grants (
        agent_id   TEXT NOT NULL REFERENCES agents(id),
        position   INTEGER NOT NULL,
        connection TEXT NOT NULL,
        table_name TEXT NOT NULL,
        actions    TEXT NOT NULL,
        columns    TEXT,
        effect     TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
        PRIMARY KEY (agent_id, position)
      ) STRICT;

      CREATE TABLE audit_log (
        id          INTEGER PRIMARY KEY,
        time        TEXT NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        connection  TEXT,
        statement   TEXT,
        params_hash TEXT,
        decision    TEXT,
        rule        TEXT,
        reason      TEXT,
        status      TEXT NOT NULL,
        row_count   INTEGER,
        latency_ms  REAL,
        details     TEXT,
        leaf_hash   TEXT NOT NULL,
        chain_hash  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_time ON audit_log(time);
      CREATE INDEX audit_log_actor ON audit_log(actor, id);
      CREATE INDEX audit_log_status ON audit_log(status, id);

      -- The audit log is append-only: the engine itself refuses edits.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'semantic-layer',
    // One validated JSON document per connection (src/shared/contract/nl.ts): it is read and
    // written whole (YAML import/export, the editor), and filtered per asker in code.
    sql: `
      CREATE TABLE semantic_layers (
        connection TEXT PRIMARY KEY COLLATE NOCASE REFERENCES connections(name) ON DELETE CASCADE,
        document   TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'audit-search',
    // The UI's audit search pages newest first with a keyset cursor over millions of entries:
    // one (filter, time) index per equality filter serves both the filter and the order, and
    // a full-text index (the words of the actor, action, statement, reason, rule and details,
    // kept by a trigger) serves the text search. The connection index folds case, as
    // connection names do.
    sql: `
      CREATE INDEX audit_log_actor_time ON audit_log(actor, time);
      CREATE INDEX audit_log_status_time ON audit_log(status, time);
      CREATE INDEX audit_log_connection_time ON audit_log(connection COLLATE NOCASE, time);

      CREATE VIRTUAL TABLE audit_search USING fts5(
        actor, action, statement, reason, rule, details, content = 'audit_log', content_rowid = 'id'
      );
      CREATE TRIGGER audit_log_search AFTER INSERT ON audit_log BEGIN
        INSERT INTO audit_search (rowid, actor, action, statement, reason, rule, details)
          VALUES (new.id, new.actor, new.action, new.statement, new.reason, new.rule, new.details);
      END;
      INSERT INTO audit_search (audit_search) VALUES ('rebuild');
    `,
  },
  {
    version: 4,
    name: 'audit-search-covering',
    // The search's indexes also carry the other filter columns, so a search that combines
    // filters (an agent's denials in a week) and the counts are answered from the index alone,
    // without reading each candidate entry (measured: 260 ms → a few ms at 1,000,000 entries).
    sql: `
      DROP INDEX audit_log_actor_time;
      DROP INDEX audit_log_status_time;
      DROP INDEX audit_log_connection_time;
      CREATE INDEX audit_log_actor_time ON audit_log(actor, time, status, connection);
      CREATE INDEX audit_log_status_time ON audit_log(status, time, actor, connection);
      CREATE INDEX audit_log_connection_time ON audit_log(connection COLLATE NOCASE, time, actor, status);
    `,
  },
  {
    version: 5,
    name: 'grant-export-limits',
    // An export is its own action on a grant, with the caps the officer sets for it (JSON).
    sql: `ALTER TABLE grants ADD COLUMN export_limits TEXT;`,
  },
  {
    version: 6,
    name: 'audit-signing',
    // The audit's Ed25519 signing key lives only here, inside the encrypted store. A signed
    // checkpoint commits to the chain head and to the Merkle root of the entries up to seq;
    // the tree's right edge (frontier) is kept with it so the next start need not rehash the log.
    sql: `
      CREATE TABLE audit_signing_key (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        private_key TEXT NOT NULL,
        public_key  TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE TABLE audit_checkpoints (
        seq            INTEGER PRIMARY KEY,
        head_hash      TEXT NOT NULL,
        time           TEXT NOT NULL,
        signature      TEXT NOT NULL,
        tree_root      TEXT NOT NULL,
        tree_signature TEXT NOT NULL,
        frontier       TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
      CREATE TRIGGER audit_signing_key_no_update BEFORE UPDATE ON audit_signing_key
        BEGIN SELECT RAISE(ABORT, 'the audit signing key is never replaced'); END;
    `,
  },
  {
    version: 7,
    name: 'audit-retention',
    // Leaf format 2 (src/main/audit/chain.ts): leaf_fields holds each entry's per-field salts
    // and, once anonymized, the commitments of its redacted fields (NULL: format 1). A purge
    // leaves a signed anchor (the seq, chain head and Merkle root it cut at, and the tree's
    // right edge there). The log stays append-only but for exactly these two: an update may
    // only replace redactable fields together with leaf_fields, hashes and all else unchanged;
    // a delete only reaches entries under an anchor. The full-text index follows both.
    sql: `
      ALTER TABLE audit_log ADD COLUMN leaf_fields TEXT;
      CREATE TABLE audit_anchors (
        seq       INTEGER PRIMARY KEY,
        head_hash TEXT NOT NULL,
        tree_root TEXT NOT NULL,
        time      TEXT NOT NULL,
        frontier  TEXT NOT NULL,
        signature TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
        BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
      CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
        BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
      DROP TRIGGER audit_log_no_update;
      DROP TRIGGER audit_log_no_delete;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        WHEN old.leaf_fields IS NULL OR new.leaf_fields IS NULL
          OR new.leaf_fields IS old.leaf_fields OR new.id IS NOT old.id
          OR new.time IS NOT old.time OR new.action IS NOT old.action
          OR new.connection IS NOT old.connection OR new.decision IS NOT old.decision
          OR new.rule IS NOT old.rule OR new.status IS NOT old.status
          OR new.row_count IS NOT old.row_count OR new.latency_ms IS NOT old.latency_ms
          OR new.leaf_hash IS NOT old.leaf_hash OR new.chain_hash IS NOT old.chain_hash
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (anonymization alone may replace a field by its commitment)'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        WHEN old.id > (SELECT coalesce(max(seq), 0) FROM audit_anchors)
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (a purge deletes only entries under its signed anchor)'); END;
      CREATE TRIGGER audit_log_search_delete AFTER DELETE ON audit_log BEGIN
        INSERT INTO audit_search (audit_search, rowid, actor, action, statement, reason, rule, details)
          VALUES ('delete', old.id, old.actor, old.action, old.statement, old.reason, old.rule, old.details);
      END;
      CREATE TRIGGER audit_log_search_update AFTER UPDATE ON audit_log BEGIN
        INSERT INTO audit_search (audit_search, rowid, actor, action, statement, reason, rule, details)
          VALUES ('delete', old.id, old.actor, old.action, old.statement, old.reason, old.rule, old.details);
        INSERT INTO audit_search (rowid, actor, action, statement, reason, rule, details)
          VALUES (new.id, new.actor, new.action, new.statement, new.reason, new.rule, new.details);
      END;
    `,
  },
  {
    version: 8,
    name: 'agent-limits',
    // Per-agent limits (src/main/ratelimit/agent-limiter.ts): an agent's own maxima (JSON; a
    // field absent means the global setting), and its usage — the rate windows' counts and the
    // day's rows and bytes — so a restart does not hand out a fresh allowance.
    sql: `
      CREATE TABLE agent_limits (
        agent_id   TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
        limits     TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE agent_usage (
        agent_id TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
        state    TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 9,
    name: 'approvals',
    // Approvals for agent writes (src/main/approvals/): the request an approval is bound to
    // (binding = SHA-256 of agent, connection, statement and parameters), its decision, its one
    // execution and revert, the dry run's preview, and the images revert needs (officer-only).
    sql: `
      CREATE TABLE approvals (
        id                 TEXT PRIMARY KEY,
        agent_id           TEXT NOT NULL,
        agent_name         TEXT NOT NULL,
        connection         TEXT NOT NULL,
        statement          TEXT NOT NULL,
        params             TEXT,
        binding            TEXT NOT NULL,
        status             TEXT NOT NULL CHECK (status IN
                             ('pending', 'approved', 'denied', 'expired', 'executed', 'reverted')),
        created_at         TEXT NOT NULL,
        expires_at         TEXT NOT NULL,
        decided_at         TEXT,
        decided_by         TEXT,
        reason             TEXT,
        note               TEXT,
        executed_at        TEXT,
        reverted_at        TEXT,
        preview            TEXT NOT NULL,
        images             TEXT,
        request_audit_id   INTEGER,
        execution_audit_id INTEGER
      ) STRICT;
      CREATE INDEX approvals_by_time ON approvals (created_at);
      CREATE INDEX approvals_by_status ON approvals (status, expires_at);
    `,
  },
  {
    version: 10,
    name: 'grant-approval',
    // A write grant's `approval`: 'none' runs writes at once; NULL ('required') holds each one.
    sql: `
      ALTER TABLE grants ADD COLUMN approval TEXT CHECK (approval IN ('required', 'none'));
    `,
  },
];

export function checksum(m: Migration): string {
  return createHash('sha256').update(`${m.version}\n${m.name}\n${m.sql}`).digest('hex');
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

export function migrate(db: Database, migrations: Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = db
    .prepare<[], AppliedRow>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    )
    .all();
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m) {
      throw new StoreError(
        `The store was written by a newer Airlock (migration ${row.version} "${row.name}" is unknown to this version). Upgrade Airlock to open it.`,
      );
    }
    if (checksum(m) !== row.checksum) {
      throw new StoreError(
        `Migration ${row.version} "${row.name}" differs from the one applied to this store; refusing to continue.`,
      );
    }
  }
  const done = new Set(applied.map((r) => r.version));
  const insert = db.prepare(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      insert.run(m.version, m.name, checksum(m), new Date().toISOString());
    })();
    ran.push(m.version);
  }
  return ran;
}
