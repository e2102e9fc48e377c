import Database from 'better-sqlite3-multiple-ciphers';
import type { Database as Db, Statement } from 'better-sqlite3-multiple-ciphers';
import { copyFileSync, existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { CreateConnection } from '../../shared/contract/api';
import type { ConnectionKind } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import { buildSchemaIndex, type SchemaIndex } from '../guard/schema-index';
import type { Clock } from '../ports';
import type { SecretBox } from '../store/secret-box';
import { createConnector, type ConnectorConfig } from '../connectors/registry';
import type { Connector, ConnectorTable } from '../connectors/types';
import { hasPrincipals, type PrincipalStatus } from '../connectors/agent-principals';

export interface ConnectionRecord {
  name: string;
  kind: ConnectionKind;
  target: string;
  createdAt: string;
}

interface Row {
  name: string;
  kind: ConnectionKind;
  target: string;
  config: Buffer;
  created_at: string;
}

type Config = ConnectorConfig;

interface CachedSchema {
  tables: ConnectorTable[];
  index: SchemaIndex;
}

/** Shows where a URL points without its password. */
// Parsed by hand: multi-host URLs (mongodb://a:1,b:2/…, postgres failover lists) are not WHATWG URLs.
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?([^?#]*)(\?[^#]*)?/i;
const SECRET_PARAM = /([?&](password|pass|pwd|secret|token|sslpassword|sslkey)=)([^&]*)/gi;

export function redactUrl(url: string): string {
  const m = URL_PARTS.exec(url);
  if (!m) return '(unparseable URL)';
  const [, scheme, userinfo, rest, query] = m;
  const user =
    userinfo === undefined
      ? ''
      : `${userinfo.includes(':') ? `${userinfo.slice(0, userinfo.indexOf(':'))}:***` : userinfo}@`;
  const q = (query ?? '').replace(SECRET_PARAM, '$1***');
  return `${scheme}${user}${rest}${q}`;
}

/**
 * The inverse of redactUrl for an edited URL: each secret still shown as `***` (the password,
 * a password-like query parameter) takes its value from the stored URL.
 */
export function withStoredSecrets(url: string, storedUrl: string | undefined): string {
  const next = URL_PARTS.exec(url);
  const stored = storedUrl === undefined ? null : URL_PARTS.exec(storedUrl);
  if (!next || !stored) return url;
  const [, scheme, userinfo, rest, query] = next;
  const storedInfo = stored[2];
  let user = userinfo === undefined ? '' : `${userinfo}@`;
  if (userinfo?.endsWith(':***') && storedInfo?.includes(':')) {
    user = `${userinfo.slice(0, -3)}${storedInfo.slice(storedInfo.indexOf(':') + 1)}@`;
  }
  const storedParams = new Map(
    [...(stored[4] ?? '').matchAll(SECRET_PARAM)].map((p) => [p[2]!.toLowerCase(), p[3]!]),
  );
  const q = (query ?? '').replace(
    SECRET_PARAM,
    (whole, prefix: string, name: string, value: string) => {
      const kept = storedParams.get(name.toLowerCase());
      return value === '***' && kept !== undefined ? `${prefix}${kept}` : whole;
    },
  );
  return `${scheme}${user}${rest}${q}`;
}

/** Registered connections, their live connectors and cached schemas. */
export class Connections {
  private readonly stmts: {
    insert: Statement;
    all: Statement<[], Row>;
    byName: Statement<[string], Row>;
    update: Statement;
    remove: Statement<[string]>;
    referrers: Statement<[], { tbl: string; col: string }>;
  };
  private readonly live = new Map<string, Connector>();
  private readonly schemas = new Map<string, Promise<CachedSchema>>();
  private readonly records = new Map<string, ConnectionRecord>();
  /** Changes (create, update, remove) run one at a time, each reading the store afresh. */
  private changing: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO connections (name, kind, target, config, created_at) VALUES (@name, @kind, @target, @config, @createdAt)',
      ),
      all: db.prepare('SELECT * FROM connections ORDER BY name'),
      byName: db.prepare('SELECT * FROM connections WHERE name = ?'),
      update: db.prepare(
        'UPDATE connections SET name = @name, kind = @kind, target = @target, config = @config WHERE name = @old',
      ),
      remove: db.prepare('DELETE FROM connections WHERE name = ?'),
      // Tables that reference a connection by name (the semantic layer, and any added later).
      referrers: db.prepare(`SELECT m.name AS tbl, f."from" AS col FROM sqlite_schema m
        JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f."table" = 'connections'`),
    };
  }

  list(): ConnectionRecord[] {
    return this.stmts.all.all().map(toRecord);
  }

  /**
   * A connection by name. Found records are kept (frozen) until any connection changes; every
   * change swaps the live connectors (swapLive), which forgets them in the same turn as the write.
   */
  get(name: string): ConnectionRecord | null {
    const key = name.toLowerCase();
    const kept = this.records.get(key);
    if (kept) return kept;
    const row = this.stmts.byName.get(name);
    if (!row) return null;
    const record = Object.freeze(toRecord(row));
    this.records.set(key, record);
    return record;
  }

  /**
   * What is stored for an input: a relative path resolved against baseDir; a URL whose
   * password is `***` (the redacted form the UI shows) keeps the password of `keepSecretOf`.
   */
  private resolveInput(
    input: CreateConnection,
    baseDir: string,
    keepSecretOf?: Row,
  ): { config: Config; target: string } {
    if (input.kind === 'sqlite') {
      const path = isAbsolute(input.path) ? input.path : resolve(baseDir, input.path);
      return { config: { path }, target: path };
    }
    let url = input.url;
    if (keepSecretOf && keepSecretOf.kind !== 'sqlite') {
      const stored = JSON.parse(this.secrets.open(keepSecretOf.config)) as { url?: string };
      url = withStoredSecrets(url, stored.url);
    }
    return { config: { url }, target: redactUrl(url) };
  }

  /** A connector for the input, proven by its driver's test; closed again if the test fails. */
  private async tested(input: CreateConnection, config: Config): Promise<Connector> {
    const connector = this.connectorFor(input.kind, config);
    try {
      await connector.test();
    } catch (e) {
      await connector.close();
      if (e instanceof AirlockError)
        throw new AirlockError(
          'CONNECTION_FAILED',
          `cannot connect to '${input.name}': ${e.message}`,
          { name: input.name },
        );
      throw e;
    }
    return connector;
  }

  /**
   * Connects and lists the tables without saving anything ("Test connection" in a form).
   * When a connection of that name exists, a `***` password stands for its stored one.
   */
  async probe(
    input: CreateConnection,
    baseDir: string,
  ): Promise<{ tables: number; agentPrincipals?: PrincipalStatus }> {
    const { config } = this.resolveInput(input, baseDir, this.stmts.byName.get(input.name));
    const connector = await this.tested(input, config);
    try {
      const tables = (await connector.introspect()).length;
      // Whether agents would run as their own database roles/users through this connection.
      return hasPrincipals(connector)
        ? { tables, agentPrincipals: await connector.principalStatus() }
        : { tables };
    } finally {
      await connector.close();
    }
  }

  /** Runs a change after the ones before it, so two at once cannot interleave their checks and writes. */
  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changing.then(() => {
      if (this.closed)
        throw new AirlockError('SHUTTING_DOWN', 'Airlock is stopping; the change was not made');
      return change();
    });
    this.changing = run.catch(() => undefined);
    return run;
  }

  /** Tests the connection with its driver before saving it; nothing is saved if that fails. */
  create(input: CreateConnection, baseDir: string): Promise<ConnectionRecord> {
    return this.serially(() => this.createNow(input, baseDir));
  }

  private async createNow(input: CreateConnection, baseDir: string): Promise<ConnectionRecord> {
    if (this.stmts.byName.get(input.name)) {
      throw new AirlockError('CONFLICT', `a connection named '${input.name}' already exists`, {
        name: input.name,
      });
    }
    const { config, target } = this.resolveInput(input, baseDir);
    const connector = await this.tested(input, config);
    try {
      this.stmts.insert.run({
        name: input.name,
        kind: input.kind,
        target,
        config: this.secrets.seal(JSON.stringify(config)),
        createdAt: this.clock.now().toISOString(),
      });
    } catch (e) {
      await connector.close();
      throw e;
    }
    await this.swapLive(input.name, input.name, connector);
    return this.get(input.name)!;
  }

  /**
   * Points a connection elsewhere and/or renames it, tested before anything is saved. `also`
   * runs in the same transaction (the caller renames what refers to the connection by name).
   */
  update(
    name: string,
    input: CreateConnection,
    baseDir: string,
    also?: (oldName: string, newName: string) => void,
  ): Promise<ConnectionRecord> {
    return this.serially(() => this.updateNow(name, input, baseDir, also));
  }

  private async updateNow(
    name: string,
    input: CreateConnection,
    baseDir: string,
    also?: (oldName: string, newName: string) => void,
  ): Promise<ConnectionRecord> {
    const row = this.stmts.byName.get(name);
    if (!row)
      throw new AirlockError('NOT_FOUND', `no connection named '${name}'`, { connection: name });
    const renamed = input.name.toLowerCase() !== row.name.toLowerCase();
    if (renamed && this.stmts.byName.get(input.name)) {
      throw new AirlockError('CONFLICT', `a connection named '${input.name}' already exists`, {
        name: input.name,
      });
    }
    const { config, target } = this.resolveInput(input, baseDir, row);
    const connector = await this.tested(input, config);
    try {
      this.db.transaction(() => {
        // Rows that name the connection are renamed in the same transaction; the check of their
        // foreign keys waits for the commit, when parent and children agree again.
        this.db.pragma('defer_foreign_keys = ON');
        this.stmts.update.run({
          old: row.name,
          name: input.name,
          kind: input.kind,
          target,
          config: this.secrets.seal(JSON.stringify(config)),
        });
        if (input.name !== row.name) {
          for (const r of this.stmts.referrers.all()) {
            this.db
              .prepare(
                `UPDATE ${quoteId(r.tbl)} SET ${quoteId(r.col)} = ? WHERE ${quoteId(r.col)} = ?`,
              )
              .run(input.name, row.name);
          }
        }
        also?.(row.name, input.name);
      })();
    } catch (e) {
      await connector.close();
      throw e;
    }
    await this.swapLive(row.name, input.name, connector);
    return this.get(input.name)!;
  }

  /** Removes a connection (its semantic layer goes with it); `also` runs in the same transaction. */
  remove(name: string, also?: (name: string) => void): Promise<ConnectionRecord> {
    return this.serially(() => this.removeNow(name, also));
  }

  private async removeNow(name: string, also?: (name: string) => void): Promise<ConnectionRecord> {
    const row = this.stmts.byName.get(name);
    if (!row)
      throw new AirlockError('NOT_FOUND', `no connection named '${name}'`, { connection: name });
    this.db.transaction(() => {
      this.stmts.remove.run(row.name);
      also?.(row.name);
    })();
    await this.swapLive(row.name, row.name, null);
    return toRecord(row);
  }

  /**
   * Replaces the live connectors of a connection that changed or went away, and drops their
   * cached schemas. The map changes before anything is awaited, so a request arriving while
   * the old connectors close gets the new one, and no connector is dropped without being closed.
   */
  private async swapLive(oldName: string, newName: string, next: Connector | null): Promise<void> {
    this.records.clear();
    const gone: Connector[] = [];
    for (const key of new Set([oldName.toLowerCase(), newName.toLowerCase()])) {
      const live = this.live.get(key);
      if (live && live !== next) gone.push(live);
      this.live.delete(key);
      this.schemas.delete(key);
    }
    if (next) this.live.set(newName.toLowerCase(), next);
    await Promise.all(gone.map((c) => c.close()));
  }

  /** Registers the bundled demo database once, as a copy in the data dir (agents may write to it). */
  async ensureDemo(dataDir: string, demoSource: string): Promise<void> {
    if (this.stmts.byName.get('demo')) return;
    const copy = join(dataDir, 'demo.db');
    if (!existsSync(copy)) {
      copyFileSync(demoSource, copy);
      // WAL, so that agents' writes to the copy do not wait for long reads (and vice versa).
      const db = new Database(copy);
      db.pragma('journal_mode = WAL');
      db.close();
    }
    await this.create({ name: 'demo', kind: 'sqlite', path: copy }, dataDir);
  }

  connector(name: string): Connector {
    const key = name.toLowerCase();
    const existing = this.live.get(key);
    if (existing) return existing;
    if (this.closed)
      throw new AirlockError(
        'SHUTTING_DOWN',
        'Airlock is stopping; no new database work is started',
      );
    const row = this.stmts.byName.get(name);
    if (!row)
      throw new AirlockError('NOT_FOUND', `no connection named '${name}'`, { connection: name });
    const connector = this.connectorFor(
      row.kind,
      JSON.parse(this.secrets.open(row.config)) as Config,
    );
    this.live.set(key, connector);
    return connector;
  }

  /** The connection's tables, introspected once and cached until refresh. */
  schema(name: string): Promise<CachedSchema> {
    const key = name.toLowerCase();
    let cached = this.schemas.get(key);
    if (!cached) {
      const connector = this.connector(name);
      cached = connector
        .introspect()
        .then((tables) => ({ tables, index: buildSchemaIndex(tables, connector.defaultSchema) }));
      cached.catch(() => this.schemas.delete(key));
      this.schemas.set(key, cached);
    }
    return cached;
  }

  /** How busy each live SQLite connection's runners are (for metrics); other kinds report none. */
  runnerUse(): [string, { running: number; queued: number }][] {
    const out: [string, { running: number; queued: number }][] = [];
    for (const [name, c] of this.live) {
      const use = (c as { runnerUse?: () => { running: number; queued: number } }).runnerUse?.();
      if (use) out.push([name, use]);
    }
    return out;
  }

  refreshSchema(name: string): void {
    this.schemas.delete(name.toLowerCase());
  }

  /** Closes every live connector; changes still queued are refused, and none starts after. */
  async close(): Promise<void> {
    this.closed = true;
    await this.changing;
    const all = [...this.live.values()];
    this.live.clear();
    this.schemas.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  protected connectorFor(kind: ConnectionKind, config: Config): Connector {
    return createConnector(kind, config);
  }
}

const quoteId = (id: string) => `"${id.replace(/"/g, '""')}"`;

function toRecord(r: Row): ConnectionRecord {
  return { name: r.name, kind: r.kind, target: r.target, createdAt: r.created_at };
}
