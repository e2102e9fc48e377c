/**
 * A PostgreSQL table as images need it (columns with their types, generated and identity
 * columns, key), the foreign keys that act on its rows, and whole rows read back by key as text.
 */
import type { PgClient } from './pg-pool';

export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface TableMeta {
  oid: number;
  /** Quoted schema-qualified name. */
  qualified: string;
  columns: { name: string; type: string; generated: boolean; always: boolean }[];
  primaryKey: string[];
}

/** The one table `where` selects (a condition on pg_class `c` and pg_namespace `n`), or null. */
export async function metaOf(
  client: PgClient,
  where: string,
  arg: unknown,
): Promise<TableMeta | null> {
  const rel = await client.query<{ oid: number; nspname: string; relname: string }>(
    `SELECT c.oid::int AS oid, n.nspname, c.relname FROM pg_catalog.pg_class c
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ${where}`,
    [arg],
  );
  if (rel.rows.length !== 1) return null;
  const { oid, nspname, relname } = rel.rows[0]!;
  const cols = await client.query<{
    name: string;
    type: string;
    generated: boolean;
    always: boolean;
  }>(
    `SELECT attname AS name, pg_catalog.format_type(atttypid, atttypmod) AS type,
       attgenerated <> '' AS generated, attidentity = 'a' AS always
     FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
    [oid],
  );
  const pk = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_catalog.pg_index i,
       unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord), pg_catalog.pg_attribute a
     WHERE i.indrelid = $1 AND i.indisprimary AND a.attrelid = i.indrelid AND a.attnum = k.attnum
     ORDER BY k.ord`,
    [oid],
  );
  return {
    oid,
    qualified: `${q(nspname)}.${q(relname)}`,
    columns: cols.rows,
    primaryKey: pk.rows.map((r) => r.name),
  };
}

/** Tables whose foreign keys change rows when rows of `oid` are deleted or updated. */
export async function cascades(
  client: PgClient,
  oid: number,
  on: 'update' | 'delete',
): Promise<string[]> {
  const r = await client.query<{ t: string }>(
    `SELECT DISTINCT conrelid::regclass::text AS t FROM pg_catalog.pg_constraint
     WHERE contype = 'f' AND confrelid = $1 AND ${on === 'update' ? 'confupdtype' : 'confdeltype'} NOT IN ('a', 'r')`,
    [oid],
  );
  return r.rows.map((x) => x.t);
}

/** Rows read back by primary key (text values), with whether this transaction wrote them. */
export async function rowsByKey(
  client: PgClient,
  meta: TableMeta,
  keys: unknown[][],
  lock: boolean,
): Promise<{ rows: unknown[][]; mine: boolean[] }> {
  if (keys.length === 0) return { rows: [], mine: [] };
  const pkCols = meta.primaryKey.map((k) => meta.columns.find((c) => c.name === k)!);
  const u = pkCols.map((_, i) => `u${i}`);
  const r = await client.query({
    text:
      `SELECT ${meta.columns.map((c) => `t.${q(c.name)}::text`).join(', ')}, ` +
      `t.xmin = pg_catalog.pg_current_xact_id()::xid FROM ${meta.qualified} t ` +
      `WHERE (${pkCols.map((c) => `t.${q(c.name)}`).join(', ')}) IN ` +
      `(SELECT ${pkCols.map((c, i) => `u.${u[i]}::${c.type}`).join(', ')} FROM unnest(${pkCols.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${u.join(', ')}))` +
      (lock ? ' FOR UPDATE OF t' : ''),
    values: pkCols.map((_, i) => keys.map((k) => k[i])),
    rowMode: 'array',
  } as never);
  const rows = (r as unknown as { rows: unknown[][] }).rows;
  return { rows: rows.map((x) => x.slice(0, -1)), mine: rows.map((x) => x.at(-1) === true) };
}
