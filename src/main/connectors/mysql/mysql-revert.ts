/** Revert on MySQL/MariaDB: the compensating write from a write's images. */
import type { PoolConnection } from 'mysql2/promise';
import { AirlockError } from '../../../shared/errors';
import type { WriteImages } from '../types';
import {
  checkImages,
  decodeImageValue,
  revertConflict,
  sameRow,
  tableAsWritten,
} from '../write-images';
import { mysqlTableMeta, q, selectRows, transactional } from './mysql-table-meta';

/**
 * Undoes a write from its images in the caller's transaction on `conn` (the connection's own
 * account): REVERT_CONFLICT, nothing restored, when any row is no longer as the write left it.
 */
export async function revertMysql(
  conn: PoolConnection,
  images: WriteImages,
): Promise<{ rowCount: number }> {
  checkImages(images);
  const { table, columns, primaryKey } = images;
  const meta = tableAsWritten(images, await mysqlTableMeta(conn, table));
  if (!transactional(meta)) {
    throw new AirlockError(
      'STATEMENT_NOT_ALLOWED',
      `table ${table} is not transactional, so revert cannot restore it in one transaction`,
      { table },
    );
  }
  const t = q(table);
  const pkIdx = primaryKey.map((k) => columns.indexOf(k));
  const byKey = primaryKey.map((k) => `${q(k)} = ?`).join(' AND ');
  const keyOf = (row: unknown[]) => pkIdx.map((i) => decodeImageValue(row[i]));
  const expected = images.kind === 'delete' ? images.before : images.after;
  let changed = 0;
  for (const row of expected) {
    const now = await selectRows(
      conn,
      `SELECT ${columns.map(q).join(', ')} FROM ${t} WHERE ${byKey} FOR UPDATE`,
      keyOf(row),
    );
    const cur = now[0];
    if (images.kind === 'delete' ? cur !== undefined : !cur || !sameRow(cur, row)) changed += 1;
  }
  if (changed > 0) throw revertConflict(table, changed, expected.length);

  const writable = meta.columns.flatMap((c, i) => (c.generated ? [] : [i]));
  let rowCount = 0;
  const run = async (sql: string, values: unknown[]) => {
    const [r] = await conn.execute({ sql, values: values as never });
    rowCount += (r as { affectedRows?: number }).affectedRows ?? 0;
  };
  if (images.kind === 'insert') {
    for (const row of images.after) await run(`DELETE FROM ${t} WHERE ${byKey}`, keyOf(row));
  } else if (images.kind === 'delete') {
    const sql = `INSERT INTO ${t} (${writable.map((i) => q(columns[i]!)).join(', ')}) VALUES (${writable.map(() => '?').join(', ')})`;
    for (const row of images.before)
      await run(
        sql,
        writable.map((i) => decodeImageValue(row[i])),
      );
  } else {
    const set = writable.filter((i) => !pkIdx.includes(i));
    if (set.length > 0) {
      const sql = `UPDATE ${t} SET ${set.map((i) => `${q(columns[i]!)} = ?`).join(', ')} WHERE ${byKey}`;
      for (const row of images.before)
        await run(sql, [...set.map((i) => decodeImageValue(row[i])), ...keyOf(row)]);
    }
  }
  // Rows equal to their before-image already count as not changed (affected rows): the
  // restore counts the rows it put back, changed or not.
  return { rowCount: images.kind === 'update' ? images.before.length : rowCount };
}
