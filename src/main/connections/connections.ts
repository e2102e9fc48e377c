import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
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
export function redactUrl(url: string): string {
  // Parsed by hand: multi-host URLs (mongodb://a:1,b:2/…, postgres failover lists) are not WHATWG URLs.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?([^?#]*)(\?[^#]*)?/i.exec(url);
  if (!m) return '(unparseable URL)';
  const [, scheme, userinfo, rest, query] = m;
  const user = userinfo === undefined ? '' : `${userinfo.includes(':') ? `${userinfo.slice(0, userinfo.indexOf(':'))}:***` : userinfo}@`;
  const q = (query ?? '').replace(/([?&](?:password|pass|pwd|secret|token|sslpassword|sslkey)=)[^&]*/gi, '$1***');
  return `${scheme}${user}${rest}${q}`;
}

/** Registered connections, their live connectors and cached schemas. */
export class Connections {
  private readonly stmts: {
    insert: Statement;
    all: Statement<[], Row>;
    byName: Statement<[string], Row>;
  };
  private readonly live = new Map<string, Connector>();
  private readonly schemas = new Map<string, Promise<CachedSchema>>();

  constructor(
    db: Database,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO connections (name, kind, target, config, created_at) VALUES (@name, @kind, @target, @config, @createdAt)',
      ),
      all: db.prepare('SELECT * FROM connections ORDER BY name'),
      byName: db.prepare('SELECT * FROM connections WHERE name = ?'),
    };
  }

  list(): ConnectionRecord[] {
    return this.stmts.all.all().map(toRecord);
  }

  get(name: string): ConnectionRecord | null {
    const row = this.stmts.byName.get(name);
    return row ? toRecord(row) : null;
  }

  /** Tests the connection with its driver before saving it; nothing is saved if that fails. */
  async create(input: CreateConnection, baseDir: string): Promise<ConnectionRecord> {
    if (this.stmts.byName.get(input.name)) {
      throw new AirlockError('CONFLICT', `a connection named '${input.name}' already exists`, { name: input.name });
    }
    let config: Config;
    let target: string;
    if (input.kind === 'sqlite') {
      const path = isAbsolute(input.path) ? input.path : resolve(baseDir, input.path);
      config = { path };
      target = path;
    } else {
      config = { url: input.url };
      target = redactUrl(input.url);
    }
    const connector = this.connectorFor(input.kind, config);
    try {
      await connector.test();
    } catch (e) {
      await connector.close();
      if (e instanceof AirlockError) throw new AirlockError('CONNECTION_FAILED', `cannot connect to '${input.name}': ${e.message}`, { name: input.name });
      throw e;
    }
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
    this.live.set(input.name.toLowerCase(), connector);
    return this.get(input.name)!;
  }

  /** Registers the bundled demo database once, as a copy in the data dir (agents may write to it). */
  async ensureDemo(dataDir: string, demoSource: string): Promise<void> {
    if (this.stmts.byName.get('demo')) return;
    const copy = join(dataDir, 'demo.db');
    if (!existsSync(copy)) copyFileSync(demoSource, copy);
    await this.create({ name: 'demo', kind: 'sqlite', path: copy }, dataDir);
  }

  connector(name: string): Connector {
    const key = name.toLowerCase();
    const existing = this.live.get(key);
    if (existing) return existing;
    const row = this.stmts.byName.get(name);
    if (!row) throw new AirlockError('NOT_FOUND', `no connection named '${name}'`, { connection: name });
    const connector = this.connectorFor(row.kind, JSON.parse(this.secrets.open(row.config)) as Config);
    this.live.set(key, connector);
    return connector;
  }

  /** The connection's tables, introspected once and cached until refresh. */
  schema(name: string): Promise<CachedSchema> {
    const key = name.toLowerCase();
    let cached = this.schemas.get(key);
    if (!cached) {
      const connector = this.connector(name);
      cached = connector.introspect().then((tables) => ({ tables, index: buildSchemaIndex(tables, connector.defaultSchema) }));
      cached.catch(() => this.schemas.delete(key));
      this.schemas.set(key, cached);
    }
    return cached;
  }

  refreshSchema(name: string): void {
    this.schemas.delete(name.toLowerCase());
  }

  async close(): Promise<void> {
    await Promise.all([...this.live.values()].map((c) => c.close()));
    this.live.clear();
  }

  private connectorFor(kind: ConnectionKind, config: Config): Connector {
    return createConnector(kind, config);
  }
}

function toRecord(r: Row): ConnectionRecord {
  return { name: r.name, kind: r.kind, target: r.target, createdAt: r.created_at };
}
