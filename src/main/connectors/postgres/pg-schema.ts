/**
 * PostgreSQL introspection from the catalog: tables, partitioned tables, views, materialized
 * views and foreign tables of every non-system schema, named `schema.table`, with column
 * types, primary and foreign keys and the planner's row estimate. The same queries feed the
 * engine-truth check: which base tables each view reads, which parents a partition or an
 * inheriting table answers to, and which tables carry user triggers.
 */
import type { ClientBase } from 'pg';
import type { PlanSchema } from '../plan-check';
import type { ConnectorTable } from '../types';

export interface PgEngineSchema extends PlanSchema {
  /** Tables with enabled user triggers: a write there would run code the guard cannot vet. */
  triggerTables: Set<string>;
  /** Tables with rewrite rules (not a view's _RETURN): a write there may write other tables. */
  ruleTables: Set<string>;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

interface RelRow {
  oid: number;
  schema: string;
  name: string;
  relkind: string;
  estimate: string;
  partition: boolean;
}

const qualified = (schema: string, name: string) => `${schema}.${name}`;

export async function introspectPostgres(
  client: ClientBase,
): Promise<{ tables: ConnectorTable[]; engine: PgEngineSchema }> {
  const rels = (
    await client.query<RelRow>(`
      SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
             c.reltuples::bigint::text AS estimate, c.relispartition AS partition
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}
      ORDER BY n.nspname, c.relname`)
  ).rows;
  const byOid = new Map(rels.map((r) => [r.oid, r]));
  const cols = (
    await client.query<{ rel: number; name: string; type: string }>(`
      SELECT a.attrelid::int AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}
      ORDER BY a.attrelid, a.attnum`)
  ).rows;
  const keys = (
    await client.query<{
      rel: number;
      kind: string;
      cols: string[];
      ref: number | null;
      refcols: string[] | null;
    }>(`
      SELECT k.conrelid::int AS rel, k.contype::text AS kind,
             ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS cols,
             NULLIF(k.confrelid, 0)::int AS ref,
             ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                   JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS refcols
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype IN ('p', 'f') AND ${USER_SCHEMAS}`)
  ).rows;

  const name = (oid: number) => {
    const r = byOid.get(oid);
    return r ? qualified(r.schema, r.name) : null;
  };
  const columnsByRel = new Map<number, { name: string; type: string }[]>();
  for (const c of cols) {
    let list = columnsByRel.get(c.rel);
    if (!list) columnsByRel.set(c.rel, (list = []));
    list.push({ name: c.name, type: c.type });
  }

  const tables: ConnectorTable[] = [];
  for (const r of rels) {
    // Partitions are reached through their parent, as the planner does; they are not listed.
    if (r.partition) continue;
    const own = keys.filter((k) => k.rel === r.oid);
    const estimate = Number(r.estimate);
    tables.push({
      name: qualified(r.schema, r.name),
      schema: r.schema,
      kind: r.relkind === 'v' || r.relkind === 'm' ? 'view' : 'table',
      columns: columnsByRel.get(r.oid) ?? [],
      primaryKey: own.find((k) => k.kind === 'p')?.cols ?? [],
      foreignKeys: own
        .filter((k) => k.kind === 'f' && k.ref !== null && name(k.ref))
        .map((k) => ({ columns: k.cols, table: name(k.ref!)!, refColumns: k.refcols ?? [] })),
      // -1: never analysed (PostgreSQL 14+).
      rowEstimate: estimate >= 0 ? estimate : null,
    });
  }
  return { tables, engine: await loadEngineSchema(client, rels, columnsByRel) };
}

async function loadEngineSchema(
  client: ClientBase,
  rels: RelRow[],
  columnsByRel: Map<number, { name: string }[]>,
): Promise<PgEngineSchema> {
  const byOid = new Map(rels.map((r) => [r.oid, qualified(r.schema, r.name)]));
  const closure = (edges: { a: number; b: number }[]) => {
    const direct = new Map<string, Set<string>>();
    for (const { a, b } of edges) {
      const from = byOid.get(a);
      const to = byOid.get(b);
      if (!from || !to) continue;
      if (!direct.has(from)) direct.set(from, new Set());
      direct.get(from)!.add(to);
    }
    const all = new Map<string, Set<string>>();
    for (const start of direct.keys()) {
      const seen = new Set<string>();
      const stack = [...direct.get(start)!];
      while (stack.length) {
        const x = stack.pop()!;
        if (seen.has(x)) continue;
        seen.add(x);
        stack.push(...(direct.get(x) ?? []));
      }
      all.set(start, seen);
    }
    return all;
  };
  // A view's rewrite rule (_RETURN) depends on every relation its query reads. Other rules
  // are not views: a table carrying them is in ruleTables, and writes to it are refused.
  const viewEdges = (
    await client.query<{ a: number; b: number }>(`
      SELECT DISTINCT r.ev_class::int AS a, d.refobjid::int AS b
      FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
      WHERE r.rulename = '_RETURN' AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class`)
  ).rows;
  const inheritEdges = (
    await client.query<{ a: number; b: number }>(
      'SELECT inhrelid::int AS a, inhparent::int AS b FROM pg_inherits',
    )
  ).rows;
  const triggers = (
    await client.query<{ rel: number }>(
      "SELECT DISTINCT tgrelid::int AS rel FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'",
    )
  ).rows;
  const rules = (
    await client.query<{ rel: number }>(
      "SELECT DISTINCT ev_class::int AS rel FROM pg_rewrite WHERE rulename <> '_RETURN'",
    )
  ).rows;
  const columnsByName = new Map<string, string[]>();
  for (const r of rels)
    columnsByName.set(
      qualified(r.schema, r.name),
      (columnsByRel.get(r.oid) ?? []).map((c) => c.name),
    );
  return {
    viewBases: closure(viewEdges),
    ancestors: closure(inheritEdges),
    columnsOf: (table) => columnsByName.get(table),
    triggerTables: new Set(triggers.map((t) => byOid.get(t.rel)).filter((x): x is string => !!x)),
    ruleTables: new Set(rules.map((t) => byOid.get(t.rel)).filter((x): x is string => !!x)),
  };
}
