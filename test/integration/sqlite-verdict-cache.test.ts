/**
 * The SQLite runner keeps the engine-truth layer's verdict (and the compiled read) per
 * statement, schema version and guard analysis. A kept verdict must never outlive a schema
 * change: the same statement, judged again after the table it names became a view over a
 * table the analysis does not mention, is refused by the engine-truth layer.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteConnector } from '../../src/main/connectors/sqlite/sqlite-connector';
import { guardSql } from '../../src/main/guard/guard';
import { buildSchemaIndex } from '../../src/main/guard/schema-index';
import { AirlockError } from '../../src/shared/errors';
import { tempDir } from '../helpers/harness';

describe('SQLite runner: kept engine-truth verdicts follow the schema', () => {
  let dir: string;
  let file: string;
  let connector: SqliteConnector;
  const limits = { maxRows: 100, maxBytes: 1_000_000, timeoutMs: 10_000 };

  beforeAll(() => {
    dir = tempDir('airlock-verdicts-');
    file = join(dir, 'v.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE pub (a INTEGER, note TEXT);
             INSERT INTO pub VALUES (1, 'one'), (2, 'two');
             CREATE TABLE hidden (secret TEXT);
             INSERT INTO hidden VALUES ('SSN-123-45-6789');`);
    db.close();
    // One read runner: every read below runs in the same process, with its kept verdicts.
    connector = new SqliteConnector(file, 1);
  });
  afterAll(async () => {
    await connector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the same statement again from the kept verdict, and judges it afresh after a schema change', async () => {
    const schema = buildSchemaIndex(await connector.introspect());
    const guarded = await guardSql('SELECT a FROM pub ORDER BY a', 'sqlite', schema);
    const stmt = { ...guarded, params: undefined };
    for (let i = 0; i < 3; i++) {
      expect((await connector.read(stmt, limits)).rows).toEqual([[1], [2]]);
    }

    // Behind Airlock's back, `pub` becomes a view that reads the hidden table.
    const db = new Database(file);
    db.exec(`ALTER TABLE pub RENAME TO pub_old;
             CREATE VIEW pub AS SELECT length(secret) AS a FROM hidden;`);
    db.close();

    // The same statement with the same (now stale) analysis: the engine reads hidden.secret,
    // which the analysis does not account for, so the engine-truth layer refuses it.
    const err = await connector.read(stmt, limits).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('STATEMENT_NOT_ALLOWED');
    expect((err as AirlockError).message).not.toContain('SSN-');
  });

  it('keeps no verdict for a statement the engine refused', async () => {
    const db = new Database(file);
    db.exec(`DROP VIEW IF EXISTS pub2; CREATE TABLE IF NOT EXISTS pub2 (a INTEGER);`);
    db.close();
    const schema = buildSchemaIndex(await connector.introspect());
    const guarded = await guardSql('SELECT a FROM pub2', 'sqlite', schema);
    // An analysis that leaves out the column read: refused every time, not once.
    const wrong = {
      ...guarded,
      params: undefined,
      analysis: {
        ...guarded.analysis,
        tables: guarded.analysis.tables.map((t) => ({ ...t, read: [] })),
      },
    };
    for (let i = 0; i < 2; i++) {
      const err = await connector.read(wrong, limits).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as AirlockError).code).toBe('STATEMENT_NOT_ALLOWED');
    }
  });
});
