import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import {
  EngineTruthError,
  engineTouches,
  type ExplainRow,
} from '../../src/main/connectors/sqlite/engine-truth';
import { introspectSqlite, loadEngineSchema } from '../../src/main/connectors/sqlite/sqlite-schema';

describe('SQLite schema for engine truth', () => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE plain (id INTEGER PRIMARY KEY, a TEXT, b TEXT);
           CREATE TABLE keyed (k TEXT PRIMARY KEY, secret TEXT, note TEXT) WITHOUT ROWID;
           CREATE TABLE gen (id INTEGER PRIMARY KEY, a INT, twice INT GENERATED ALWAYS AS (a * 2) VIRTUAL);
           INSERT INTO keyed VALUES ('x', 's', 'n');`);
  const schema = loadEngineSchema(db);
  const touches = (sql: string) =>
    engineTouches(db.prepare(`EXPLAIN ${sql}`).all() as ExplainRow[], schema);

  it('maps the columns of an ordinary rowid table', () => {
    expect(schema.columns.get('plain')).toEqual(['id', 'a', 'b']);
    expect([...(touches('SELECT b FROM plain').reads.get('plain') ?? [])]).toEqual(['b']);
  });

  it('refuses to guess the record layout of WITHOUT ROWID and generated-column tables', () => {
    expect(schema.columns.has('keyed')).toBe(false);
    expect(schema.columns.has('gen')).toBe(false);
    expect(() => touches('SELECT note FROM keyed')).toThrow(EngineTruthError);
    expect(() => touches('SELECT a FROM gen')).toThrow(EngineTruthError);
  });

  it('introspects the rowid alias only for a single INTEGER PRIMARY KEY', () => {
    const tables = new Map(introspectSqlite(db).map((t) => [t.name, t]));
    expect(tables.get('plain')?.rowidAlias).toBe('id');
    expect(tables.get('keyed')?.rowidAlias).toBeNull();
  });
});
