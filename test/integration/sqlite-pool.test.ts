/**
 * The SQLite connector's runner pool: a statement that runs long occupies one read runner,
 * while other reads and writes go on elsewhere; its timeout stops only that statement.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteConnector } from '../../src/main/connectors/sqlite/sqlite-connector';
import { guardSql } from '../../src/main/guard/guard';
import { buildSchemaIndex, type SchemaIndex } from '../../src/main/guard/schema-index';
import { AirlockError } from '../../src/shared/errors';
import { tempDir } from '../helpers/harness';

const LONG = 'SELECT count(*) FROM order_items a, order_items b, order_items c';

describe('SQLite runner pool', () => {
  let dir: string;
  let connector: SqliteConnector;
  let schema: SchemaIndex;
  const limits = (timeoutMs: number) => ({ maxRows: 100, maxBytes: 1_000_000, timeoutMs });
  const stmt = async (sql: string, params?: (string | number)[]) => ({
    ...(await guardSql(sql, 'sqlite', schema)),
    params,
  });

  beforeAll(async () => {
    dir = tempDir('airlock-pool-');
    copyFileSync(new URL('../../resources/demo.db', import.meta.url), join(dir, 'demo.db'));
    // As Airlock sets up its own demo copy: in WAL mode readers and the writer do not block each other.
    const db = new Database(join(dir, 'demo.db'));
    db.pragma('journal_mode = WAL');
    db.close();
    connector = new SqliteConnector(join(dir, 'demo.db'), 2);
    schema = buildSchemaIndex(await connector.introspect());
  });
  afterAll(async () => {
    await connector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves short reads and a write while a long read occupies one runner, then stops only the long one', async () => {
    // Guarded first (the guard's workers may still be starting): this measures the runners alone.
    const [longStmt, shortStmt, writeStmt] = await Promise.all([
      stmt(LONG),
      stmt('SELECT id, status FROM orders WHERE id = ?', [7]),
      stmt('UPDATE orders SET status = ? WHERE id = ?', ['paid', 8]),
    ]);
    const long = connector.read(longStmt, limits(4000));
    const settled = { long: false };
    void long.catch(() => {}).finally(() => (settled.long = true));
    // Give the long statement time to start on its runner.
    await new Promise((r) => setTimeout(r, 300));

    const short = await connector.read(shortStmt, limits(4000));
    expect(short.rows).toEqual([[7, expect.any(String)]]);
    const written = await connector.write(writeStmt, limits(4000));
    expect(written.rowCount).toBe(1);
    expect(settled.long).toBe(false); // both answered while the long read was still running

    const err = await long.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('QUERY_TIMEOUT');
    const after = await connector.read(
      await stmt('SELECT status FROM orders WHERE id = ?', [8]),
      limits(4000),
    );
    expect(after.rows).toEqual([['paid']]);
  });
});
