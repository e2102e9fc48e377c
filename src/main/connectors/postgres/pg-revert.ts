/** Revert on PostgreSQL: the compensating write from a write's images, values as text. */
import type { WriteImages } from '../types';
import { checkImages, revertConflict, rowKey, sameRow, tableAsWritten } from '../write-images';
import type { PgClient } from './pg-pool';
import { metaOf, q, rowsByKey } from './pg-table-meta';

/**
 * Undoes a write from its images in one transaction (the caller's), as the connection's
 * account: every row must still be as the write left it, else REVERT_CONFLICT and nothing is
 * restored.
 */
export async function revertPg(
  client: PgClient,
  images: WriteImages,
): Promise<{ rowCount: number }> {
  checkImages(images);
  const { table, columns, primaryKey } = images;
  const meta = tableAsWritten(
    images,
    await metaOf(client, "n.nspname || '.' || c.relname = $1 AND c.relkind IN ('r', 'p')", table),
  );
  const pkIdx = primaryKey.map((k) => columns.indexOf(k));
  const expected = images.kind === 'delete' ? images.before : images.after;
  const now = await rowsByKey(
    client,
    meta,
    expected.map((row) => pkIdx.map((i) => row[i])),
    true,
  );
  const present = new Map(now.rows.map((row) => [rowKey(row, pkIdx), row]));
  let changed = 0;
  for (const row of expected) {
    const cur = present.get(rowKey(row, pkIdx));
    if (images.kind === 'delete' ? cur !== undefined : !cur || !sameRow(cur, row)) changed += 1;
  }
  if (changed > 0) throw revertConflict(table, changed, expected.length);

  const byKey = primaryKey.map((k, i) => `${q(k)} = $${i + 1}`).join(' AND ');
  const writable = meta.columns.flatMap((c, i) => (c.generated ? [] : [i]));
  let rowCount = 0;
  const run = async (text: string, values: unknown[]) => {
    const r = await client.query(text, values);
    rowCount += r.rowCount ?? 0;
  };
  if (images.kind === 'insert') {
    for (const row of images.after)
      await run(
        `DELETE FROM ${meta.qualified} WHERE ${byKey}`,
        pkIdx.map((i) => row[i]),
      );
  } else if (images.kind === 'delete') {
    const overriding = meta.columns.some((c) => c.always) ? ' OVERRIDING SYSTEM VALUE' : '';
    const text =
      `INSERT INTO ${meta.qualified} (${writable.map((i) => q(columns[i]!)).join(', ')})${overriding} ` +
      `VALUES (${writable.map((_, j) => `$${j + 1}`).join(', ')})`;
    for (const row of images.before)
      await run(
        text,
        writable.map((i) => row[i]),
      );
  } else {
    const set = writable.filter((i) => !pkIdx.includes(i) && !meta.columns[i]!.always);
    if (set.length > 0) {
      const text =
        `UPDATE ${meta.qualified} SET ${set.map((i, j) => `${q(columns[i]!)} = $${j + 1 + pkIdx.length}`).join(', ')} ` +
        `WHERE ${byKey}`;
      for (const row of images.before)
        await run(text, [...pkIdx.map((i) => row[i]), ...set.map((i) => row[i])]);
    }
  }
  return { rowCount };
}
