/**
 * MySQL/MariaDB introspection of the connection's database from information_schema: tables
 * and views (named without the database, as agents write them), column types (MariaDB's JSON
 * columns recognised by their json_valid check), primary and foreign keys, the row estimate.
 * The same queries feed the engine-truth check: the databases a plan may name, the base
 * tables each view reads, and the tables that carry triggers.
 */
import type { PoolConnection } from 'mysql2/promise';
import type { PlanSchema } from '../plan-check';
import type { ConnectorTable } from '../types';

export interface MysqlEngineSchema extends PlanSchema {
  database: string;
  /** Databases the server shows this user: a `db`.`x` pair in a plan is a table when db is one. */
  databases: Set<string>;
  triggerTables: Set<string>;
}

type Row = Record<string, unknown>;

async function rows(conn: PoolConnection, sql: string): Promise<Row[]> {
  const [r] = await conn.query({ sql, rowsAsArray: false });
  return r as Row[];
}

/** `db`.`table` pairs in a view definition as the server stores it (fully qualified). */
export function qualifiedTables(definition: string): { db: string; table: string }[] {
  const out: { db: string; table: string }[] = [];
  const re = /`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`(?!\s*\.)/g;
  for (const m of definition.replace(/'(?:[^'\\]|\\.|'')*'/g, "''").matchAll(re)) {
    out.push({ db: m[1]!.replace(/``/g, '`'), table: m[2]!.replace(/``/g, '`') });
  }
  return out;
}

export async function introspectMysql(
  conn: PoolConnection,
): Promise<{ tables: ConnectorTable[]; engine: MysqlEngineSchema }> {
  const [dbRow] = await rows(conn, 'SELECT DATABASE() AS db');
  const database = String(dbRow?.db ?? '');
  const tables = await rows(
    conn,
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS estimate
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`,
  );
  const cols = await rows(
    conn,
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS name, COLUMN_TYPE AS type
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  const keys = await rows(
    conn,
    `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS k, COLUMN_NAME AS c,
      REFERENCED_TABLE_SCHEMA AS rs, REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc
    FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()
    ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
  );
  let jsonChecks: Row[] = [];
  try {
    jsonChecks = await rows(
      conn,
      `SELECT TABLE_NAME AS t, CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() AND CHECK_CLAUSE LIKE 'json\\_valid(%'`,
    );
  } catch {
    // MySQL before 8.0.16 has no CHECK_CONSTRAINTS; its JSON type is reported as json anyway.
  }
  const views = await rows(
    conn,
    'SELECT TABLE_NAME AS name, VIEW_DEFINITION AS def FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()',
  );
  const triggers = await rows(
    conn,
    'SELECT DISTINCT EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE()',
  );
  const dbs = await rows(conn, 'SHOW DATABASES');

  const jsonCols = new Set(
    jsonChecks.map((r) => {
      const m = /json_valid\(`((?:[^`]|``)+)`\)/.exec(String(r.c));
      return m ? `${String(r.t).toLowerCase()}.${m[1]!.toLowerCase()}` : '';
    }),
  );
  const out: ConnectorTable[] = tables.map((t) => {
    const name = String(t.name);
    const own = keys.filter((k) => k.t === name);
    const fks = new Map<string, { columns: string[]; table: string; refColumns: string[] }>();
    for (const k of own.filter((x) => x.rt !== null && x.rs === database)) {
      const key = String(k.k);
      if (!fks.has(key)) fks.set(key, { columns: [], table: String(k.rt), refColumns: [] });
      fks.get(key)!.columns.push(String(k.c));
      fks.get(key)!.refColumns.push(String(k.rc));
    }
    return {
      name,
      schema: database,
      kind: String(t.type) === 'VIEW' ? ('view' as const) : ('table' as const),
      columns: cols
        .filter((c) => c.t === name)
        .map((c) => ({
          name: String(c.name),
          type: jsonCols.has(`${name.toLowerCase()}.${String(c.name).toLowerCase()}`)
            ? 'json'
            : String(c.type).toLowerCase(),
        })),
      primaryKey: own.filter((k) => k.k === 'PRIMARY').map((k) => String(k.c)),
      foreignKeys: [...fks.values()],
      rowEstimate: t.estimate === null || t.estimate === undefined ? null : Number(t.estimate),
    };
  });

  const columnsByName = new Map(out.map((t) => [t.name, t.columns.map((c) => c.name)]));
  const direct = new Map<string, Set<string>>();
  for (const v of views) {
    const bases = qualifiedTables(String(v.def ?? ''))
      .filter((q) => q.db === database)
      .map((q) => q.table);
    direct.set(String(v.name), new Set(bases));
  }
  const viewBases = new Map<string, Set<string>>();
  for (const [view, bases] of direct) {
    const seen = new Set<string>();
    const stack = [...bases];
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...(direct.get(x) ?? []));
    }
    viewBases.set(view, seen);
  }
  return {
    tables: out,
    engine: {
      database,
      databases: new Set(dbs.map((d) => String(Object.values(d)[0]))),
      viewBases,
      ancestors: new Map(),
      columnsOf: (table) => columnsByName.get(table),
      triggerTables: new Set(triggers.map((t) => String(t.t))),
    },
  };
}
