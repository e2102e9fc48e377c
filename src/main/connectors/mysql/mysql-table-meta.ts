/**
 * A MySQL/MariaDB table as images need it (columns, key, storage engine, foreign keys that act
 * on its rows), and whole rows read as image values.
 */
import type { PoolConnection } from 'mysql2/promise';
import { encodeImageValue } from '../write-images';

export const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;

export interface MysqlTableMeta {
  engine: string;
  columns: { name: string; generated: boolean; autoIncrement: boolean }[];
  primaryKey: string[];
  /** Tables whose foreign keys change rows when rows here are deleted / updated. */
  cascadesOnDelete: string[];
  cascadesOnUpdate: string[];
}

/** The table's shape, read on the connection's own account (`conn`). */
export async function mysqlTableMeta(
  conn: PoolConnection,
  table: string,
): Promise<MysqlTableMeta | null> {
  const [t] = await conn.execute(
    'SELECT ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND TABLE_TYPE = ?',
    [table, 'BASE TABLE'],
  );
  const tables = t as { e: string | null }[];
  if (tables.length !== 1) return null;
  const [cols] = await conn.execute(
    'SELECT COLUMN_NAME AS n, EXTRA AS x FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [table],
  );
  const [pk] = await conn.execute(
    "SELECT COLUMN_NAME AS n FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
    [table],
  );
  const [fks] = await conn.execute(
    'SELECT TABLE_NAME AS t, DELETE_RULE AS d, UPDATE_RULE AS u FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = ?',
    [table],
  );
  const acts = (rule: string) => !['RESTRICT', 'NO ACTION'].includes(rule.toUpperCase());
  const refs = fks as { t: string; d: string; u: string }[];
  return {
    engine: String(tables[0]!.e ?? ''),
    columns: (cols as { n: string; x: string | null }[]).map((c) => ({
      name: c.n,
      generated: /GENERATED/i.test(c.x ?? ''),
      autoIncrement: /auto_increment/i.test(c.x ?? ''),
    })),
    primaryKey: (pk as { n: string }[]).map((r) => r.n),
    cascadesOnDelete: [...new Set(refs.filter((r) => acts(r.d)).map((r) => r.t))],
    cascadesOnUpdate: [...new Set(refs.filter((r) => acts(r.u)).map((r) => r.t))],
  };
}

export const transactional = (meta: MysqlTableMeta): boolean =>
  meta.engine.toLowerCase() === 'innodb';

/** Rows of an Airlock statement, as image values. */
export async function selectRows(
  conn: PoolConnection,
  sql: string,
  values: unknown[],
): Promise<unknown[][]> {
  const [rows] = await conn.execute({ sql, values: values as never, rowsAsArray: true });
  return (rows as unknown[][]).map((r) => r.map(encodeImageValue));
}
