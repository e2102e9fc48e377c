/**
 * Dry runs, before/after images and revert in the SQL connectors, on SQLite and on the real
 * PostgreSQL and MariaDB servers of this machine (database `airlock_images_<pid>`, created and
 * dropped here). A dry run gives the engine's count and the rows as they were and leaves the
 * table as it was; a real write keeps the images, and revert puts the table back exactly, or
 * refuses with REVERT_CONFLICT (restoring nothing) when the rows changed since. Shapes that
 * cannot be attributed exactly (no primary key, more rows than the cap) say why instead.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/main/connectors/registry';
import {
  sqlConnector,
  type CheckedStatement,
  type QueryLimits,
  type SqlConnector,
  type SqlParams,
  type AgentContext,
  type WriteImages,
} from '../../src/main/connectors/types';
import { displayImageValue } from '../../src/main/connectors/write-images';
import { guardSql } from '../../src/main/guard/guard';
import { buildSchemaIndex, type SchemaIndex } from '../../src/main/guard/schema-index';
import { AirlockError } from '../../src/shared/errors';
import { dropDemo } from '../helpers/demo-seed';
import { tempDir } from '../helpers/harness';
import { SERVICE_URL, describeWithService, serviceUrl } from '../helpers/services';

const DB = `airlock_images_${process.pid}`;
const LIMITS: QueryLimits = { maxRows: 10_000, maxBytes: 10 * 1024 * 1024, timeoutMs: 20_000 };

interface Driver {
  kind: 'sqlite' | 'postgres' | 'mysql';
  /** How the connector names a table. */
  t: (table: string) => string;
  /** Runs Airlock-independent SQL as the test's own admin account (placeholders `?`). */
  admin(sql: string, params?: unknown[]): Promise<unknown[][]>;
  setup(): Promise<SqlConnector>;
  teardown(): Promise<void>;
  /** A table of the engine's own types: its DDL and rows, a snapshot exact to the byte, an update of every column. */
  typed: { ddl: string[]; snapshot: string; update: string };
  /** Table `logged` (id, qty) and a trigger on its updates, in the engine's own DDL. */
  trigger: string[];
}

const TABLES = [
  'CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INTEGER)',
  'CREATE TABLE nopk (a INTEGER, b VARCHAR(20))',
];
const SEED = [
  "INSERT INTO items (id, name, qty) VALUES (1, 'bolt', 10), (2, 'nut', 20), (3, 'gear', 30), (4, 'cog', NULL), (5, 'pin', 50)",
  "INSERT INTO nopk (a, b) VALUES (1, 'x'), (2, 'y')",
];

/** The table each engine puts a trigger on: writes to it are refused. */
const LOGGED = [
  'CREATE TABLE logged (id INTEGER PRIMARY KEY, qty INTEGER)',
  'INSERT INTO logged (id, qty) VALUES (1, 10)',
];

/** A parent whose rows' deletion deletes rows of another table (servers: SQLite refuses such writes). */
const CASCADE = [
  'CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(20))',
  'CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE)',
  "INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b')",
  'INSERT INTO child (id, parent_id) VALUES (10, 1), (20, 2)',
];

function sqliteDriver(): Driver {
  const path = join(tempDir('airlock-images-'), 'images.db');
  const admin = async (sql: string, params: unknown[] = []) => {
    const db = new Database(path);
    try {
      const s = db.prepare(sql);
      return s.reader ? (s.raw(true).all(...params) as unknown[][]) : (s.run(...params), []);
    } finally {
      db.close();
    }
  };
  return {
    kind: 'sqlite',
    t: (x) => x,
    admin,
    async setup() {
      for (const s of [...TABLES, ...SEED, ...this.typed.ddl, ...this.trigger]) await admin(s);
      return sqlConnector(createConnector('sqlite', { path }));
    },
    async teardown() {},
    typed: {
      ddl: [
        'CREATE TABLE typed (id INTEGER PRIMARY KEY, b BLOB, r REAL, big INTEGER, t TEXT, anything)',
        "INSERT INTO typed VALUES (1, x'00ff10', 2.0, 9007199254740993, 'héllo', 5), (2, NULL, 0.1, -1, '', 'text'), (3, x'', 1e300, 0, NULL, 2.5)",
      ],
      snapshot:
        'SELECT id, typeof(b), quote(b), typeof(r), quote(r), typeof(big), quote(big), quote(t), typeof(anything), quote(anything) FROM typed ORDER BY id',
      update: "UPDATE typed SET b = x'01', r = 1.5, big = 1, t = 'x', anything = NULL WHERE id > 0",
    },
    trigger: [
      ...LOGGED,
      'CREATE TRIGGER bump AFTER UPDATE ON logged BEGIN UPDATE logged SET qty = qty + 1 WHERE id = NEW.id AND 0; END',
    ],
  };
}

function pgDriver(): Driver {
  const admin = async (sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: serviceUrl('postgres', DB) });
    await c.connect();
    try {
      let i = 0;
      const r = await c.query({
        text: sql.replace(/\?/g, () => `$${++i}`),
        values: params,
        rowMode: 'array',
      });
      return r.rows as unknown[][];
    } finally {
      await c.end();
    }
  };
  const root = async (sql: string) => {
    const c = new pg.Client({ connectionString: serviceUrl('postgres', 'postgres') });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    kind: 'postgres',
    t: (x) => `public.${x}`,
    admin,
    async setup() {
      await root(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await root(`CREATE DATABASE ${DB}`);
      for (const s of [...TABLES, ...SEED, ...this.typed.ddl, ...CASCADE, ...this.trigger])
        await admin(s);
      return sqlConnector(createConnector('postgres', { url: serviceUrl('postgres', DB) }));
    },
    // The agent roles go with the database.
    teardown: () => dropDemo('postgres', DB),
    typed: {
      ddl: [
        'CREATE TABLE typed (id integer PRIMARY KEY, b bytea, r double precision, big bigint, t timestamptz, j jsonb, a integer[], n numeric(12,2), g integer GENERATED ALWAYS AS (id * 2) STORED, k integer GENERATED ALWAYS AS IDENTITY)',
        `INSERT INTO typed (id, b, r, big, t, j, a, n) VALUES
          (1, '\\x00ff10', 0.1, 9007199254740993, '2024-01-02 03:04:05.123456+00', '{"k": [1, "é"]}', '{1,NULL,3}', 12.30),
          (2, NULL, 1e300, -1, NULL, 'null', '{}', 0),
          (3, '\\x', 'NaN', 0, '-infinity', '[]', NULL, -5.5)`,
      ],
      snapshot: 'SELECT x::text FROM typed x ORDER BY id',
      update:
        "UPDATE typed SET b = NULL, r = 1.5, big = 1, t = '2020-01-01 00:00:00+00', j = '{}', a = '{9}', n = 1 WHERE id > 0",
    },
    trigger: [
      ...LOGGED,
      'CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.qty := NEW.qty + 1; RETURN NEW; END $$',
      'CREATE TRIGGER bump BEFORE UPDATE ON logged FOR EACH ROW EXECUTE FUNCTION bump()',
    ],
  };
}

function mysqlDriver(): Driver {
  const admin = async (sql: string, params: unknown[] = []) => {
    const c = await mysql.createConnection({ uri: serviceUrl('mysql', DB) });
    try {
      const [rows] = await c.query({ sql, values: params, rowsAsArray: true });
      return Array.isArray(rows) ? (rows as unknown[][]) : [];
    } finally {
      await c.end();
    }
  };
  const root = async (sql: string) => {
    const c = await mysql.createConnection({ uri: SERVICE_URL.mysql });
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    kind: 'mysql',
    t: (x) => x,
    admin,
    async setup() {
      await root(`DROP DATABASE IF EXISTS ${DB}`);
      await root(`CREATE DATABASE ${DB}`);
      for (const s of [...TABLES, ...SEED]) await admin(s);
      await admin('CREATE TABLE flat (id INTEGER PRIMARY KEY, qty INTEGER) ENGINE=MyISAM');
      await admin('INSERT INTO flat (id, qty) VALUES (1, 10), (2, 20), (3, 30)');
      for (const s of [...this.typed.ddl, ...CASCADE, ...this.trigger]) await admin(s);
      return sqlConnector(createConnector('mysql', { url: serviceUrl('mysql', DB) }));
    },
    // The agent users go with the database.
    teardown: () => dropDemo('mysql', DB),
    typed: {
      ddl: [
        'CREATE TABLE typed (id INT PRIMARY KEY, b VARBINARY(20), r DOUBLE, big BIGINT, t DATETIME(3), n DECIMAL(12,2), j JSON, s VARCHAR(20) CHARACTER SET utf8mb4, g INT AS (id * 2) STORED)',
        `INSERT INTO typed (id, b, r, big, t, n, j, s) VALUES
          (1, X'00FF10', 0.1, 9007199254740993, '2024-01-02 03:04:05.123', 12.30, '{"k": [1, "é"]}', 'héllo'),
          (2, NULL, 1e300, -1, NULL, 0, NULL, ''),
          (3, X'', -0.5, 0, '1000-01-01 00:00:00', -5.5, '[]', NULL)`,
      ],
      snapshot: 'SELECT id, HEX(b), b IS NULL, r, big, t, n, j, s, g FROM typed ORDER BY id',
      update:
        "UPDATE typed SET b = NULL, r = 1.5, big = 1, t = '2020-01-01 00:00:00', n = 1, j = '{}', s = 'x' WHERE id > 0",
    },
    trigger: [
      ...LOGGED,
      'CREATE TRIGGER bump BEFORE UPDATE ON logged FOR EACH ROW SET NEW.qty = NEW.qty + 1',
    ],
  };
}

async function refusal(p: Promise<unknown>, code: string): Promise<AirlockError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(AirlockError);
    expect((e as AirlockError).code, (e as Error).message).toBe(code);
    return e as AirlockError;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

/** Values as text, so the engines' types compare alike (SQLite integers, server strings). */
const text = (rows: unknown[][]) =>
  rows.map((r) => r.map(displayImageValue).map((v) => (v === null ? null : String(v))));

function suite(d: Driver) {
  let c: SqlConnector;
  let index: SchemaIndex;
  const ph = (i: number) => (d.kind === 'postgres' ? `$${i}` : '?');
  const stmt = async (sql: string, params?: SqlParams): Promise<CheckedStatement> => {
    const g = await guardSql(sql, c.dialect, index);
    return { sql: g.sql, params, analysis: g.analysis };
  };
  const items = async () =>
    text(await d.admin('SELECT id, name, qty FROM items ORDER BY id')) as (string | null)[][];
  const ORIGINAL = [
    ['1', 'bolt', '10'],
    ['2', 'nut', '20'],
    ['3', 'gear', '30'],
    ['4', 'cog', null],
    ['5', 'pin', '50'],
  ];
  const reseed = async () => {
    await d.admin('DELETE FROM items');
    await d.admin(SEED[0]!);
  };

  beforeAll(async () => {
    c = await d.setup();
    index = buildSchemaIndex(await c.introspect(), c.defaultSchema);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await d.teardown();
  });

  describe('dry run', () => {
    it('UPDATE: the engine count and the rows as they were; the table is unchanged', async () => {
      const r = await c.write(
        await stmt(`UPDATE items SET qty = qty + ${ph(1)} WHERE id <= ${ph(2)}`, [5, 2]),
        LIMITS,
        { dryRun: true, captureCap: 100 },
      );
      expect(r.rowCount).toBe(2);
      expect(r.preview?.rowsAffected).toBe(2);
      expect(r.preview?.before?.columns).toEqual(['id', 'name', 'qty']);
      expect(text(r.preview!.before!.rows)).toEqual(ORIGINAL.slice(0, 2));
      expect(r.preview?.revertable).toEqual({ ok: true });
      expect(r.preview?.images).toBeUndefined();
      expect(await items()).toEqual(ORIGINAL);
    });

    it('DELETE: the engine count and the row as it was; nothing is deleted', async () => {
      const r = await c.write(await stmt("DELETE FROM items WHERE name = 'gear'"), LIMITS, {
        dryRun: true,
      });
      expect(r.preview?.rowsAffected).toBe(1);
      expect(text(r.preview!.before!.rows)).toEqual([ORIGINAL[2]]);
      expect(await items()).toEqual(ORIGINAL);
    });

    it('DELETE of every row: every row counted, none deleted', async () => {
      const r = await c.write(await stmt('DELETE FROM items WHERE id > 0'), LIMITS, {
        dryRun: true,
      });
      expect(r.preview?.rowsAffected).toBe(5);
      expect(text(r.preview!.before!.rows)).toEqual(ORIGINAL);
      expect(await items()).toEqual(ORIGINAL);
    });

    it('INSERT: the engine count; no row persists', async () => {
      const r = await c.write(
        await stmt("INSERT INTO items (id, name, qty) VALUES (6, 'axle', 1), (7, 'hub', 2)"),
        LIMITS,
        { dryRun: true },
      );
      expect(r.preview?.rowsAffected).toBe(2);
      expect(r.preview?.before).toBeUndefined();
      expect(await items()).toEqual(ORIGINAL);
    });

    it('a write that matches nothing counts zero', async () => {
      const r = await c.write(await stmt('UPDATE items SET qty = 0 WHERE id > 100'), LIMITS, {
        dryRun: true,
      });
      expect(r.preview?.rowsAffected).toBe(0);
      expect(r.preview?.before?.rows).toEqual([]);
    });
  });

  describe('write and revert', () => {
    it('UPDATE then revert restores the rows exactly', async () => {
      await reseed();
      const r = await c.write(
        await stmt("UPDATE items SET qty = 99, name = 'x' WHERE id IN (1, 4)"),
        LIMITS,
        { captureCap: 100 },
      );
      expect(r.rowCount).toBe(2);
      const images = r.preview!.images!;
      expect(images).toMatchObject({
        table: d.t('items'),
        primaryKey: ['id'],
        columns: ['id', 'name', 'qty'],
        kind: 'update',
      });
      expect(text(images.before)).toEqual([ORIGINAL[0], ORIGINAL[3]]);
      expect(text(images.after)).toEqual([
        ['1', 'x', '99'],
        ['4', 'x', '99'],
      ]);
      expect((await items())[0]).toEqual(['1', 'x', '99']);
      // The images are kept in the store as JSON: revert works from that form.
      const kept = JSON.parse(JSON.stringify(images)) as WriteImages;
      expect(await c.revert(kept)).toEqual({ rowCount: 2 });
      expect(await items()).toEqual(ORIGINAL);
    });

    it('DELETE then revert puts the rows back', async () => {
      await reseed();
      const r = await c.write(
        await stmt('DELETE FROM items WHERE qty >= 30 OR qty IS NULL'),
        LIMITS,
        {
          captureCap: 100,
        },
      );
      expect(r.rowCount).toBe(3);
      expect(r.preview?.images?.kind).toBe('delete');
      expect(await items()).toEqual([ORIGINAL[0], ORIGINAL[1]]);
      expect(await c.revert(JSON.parse(JSON.stringify(r.preview!.images)))).toEqual({
        rowCount: 3,
      });
      expect(await items()).toEqual(ORIGINAL);
    });

    it('INSERT then revert removes the inserted rows', async () => {
      await reseed();
      const r = await c.write(
        await stmt(`INSERT INTO items (id, name, qty) VALUES (6, ${ph(1)}, 1), (7, 'hub', 2)`, [
          'axle',
        ]),
        LIMITS,
        { captureCap: 100 },
      );
      expect(r.rowCount).toBe(2);
      const images = r.preview!.images!;
      expect(images.kind).toBe('insert');
      expect(text(images.after)).toEqual([
        ['6', 'axle', '1'],
        ['7', 'hub', '2'],
      ]);
      expect((await items()).length).toBe(7);
      expect(await c.revert(JSON.parse(JSON.stringify(images)))).toEqual({ rowCount: 2 });
      expect(await items()).toEqual(ORIGINAL);
    });

    it('revert after a change to a written row: REVERT_CONFLICT, nothing restored', async () => {
      await reseed();
      const r = await c.write(await stmt('UPDATE items SET qty = 0 WHERE id <= 3'), LIMITS, {
        captureCap: 100,
      });
      const images = r.preview!.images!;
      await d.admin('UPDATE items SET qty = 7 WHERE id = 2');
      const e = await refusal(c.revert(images), 'REVERT_CONFLICT');
      expect(e.message).toContain('items');
      expect(e.message).toMatch(/1 of the 3 rows/);
      expect(await items()).toEqual([
        ['1', 'bolt', '0'],
        ['2', 'nut', '7'],
        ['3', 'gear', '0'],
        ORIGINAL[3],
        ORIGINAL[4],
      ]);
    });

    it('revert of a delete after the key came back: REVERT_CONFLICT', async () => {
      await reseed();
      const r = await c.write(await stmt('DELETE FROM items WHERE id = 5'), LIMITS, {
        captureCap: 100,
      });
      await d.admin("INSERT INTO items (id, name, qty) VALUES (5, 'other', 1)");
      await refusal(c.revert(r.preview!.images!), 'REVERT_CONFLICT');
      expect((await items())[4]).toEqual(['5', 'other', '1']);
    });

    it('revert of an insert after the row was edited: REVERT_CONFLICT, the row stays', async () => {
      await reseed();
      const r = await c.write(
        await stmt("INSERT INTO items (id, name, qty) VALUES (8, 'new', 1)"),
        LIMITS,
        { captureCap: 100 },
      );
      await d.admin('UPDATE items SET qty = 2 WHERE id = 8');
      await refusal(c.revert(r.preview!.images!), 'REVERT_CONFLICT');
      expect((await items())[5]).toEqual(['8', 'new', '2']);
    });

    it('revert after a column was added to the table: REVERT_CONFLICT, nothing restored', async () => {
      await reseed();
      const r = await c.write(await stmt('UPDATE items SET qty = 0 WHERE id = 1'), LIMITS, {
        captureCap: 100,
      });
      await d.admin('ALTER TABLE items ADD COLUMN note VARCHAR(10)');
      try {
        const e = await refusal(c.revert(r.preview!.images!), 'REVERT_CONFLICT');
        expect(e.message).toBe(
          `table ${d.t('items')} is not as it was when written (its columns or key changed), so revert cannot restore its rows; nothing was restored`,
        );
      } finally {
        await d.admin('ALTER TABLE items DROP COLUMN note');
      }
      expect((await items())[0]).toEqual(['1', 'bolt', '0']);
    });

    it('a write to a table with a trigger: refused, nothing written', async () => {
      const e = await refusal(
        c.write(await stmt('UPDATE logged SET qty = 11 WHERE id = 1'), LIMITS),
        'STATEMENT_NOT_ALLOWED',
      );
      expect(e.message).toMatch(
        d.kind === 'sqlite'
          ? /would fire triggers/
          : /^table (public\.)?logged has triggers, which the guard cannot vet; writes to it are refused$/,
      );
      expect(text(await d.admin('SELECT qty FROM logged'))).toEqual([['10']]);
    });
  });

  it('a WHERE after a SET parameter, with non-ASCII text, a comment and an alias', async () => {
    await reseed();
    const sql =
      d.kind === 'postgres'
        ? "UPDATE items AS x SET qty = $1 WHERE x.name IN ($3, 'é–ü') /* where */ AND x.id < $2 RETURNING x.id"
        : d.kind === 'sqlite'
          ? "UPDATE items SET qty = ? WHERE name IN (?, 'é–ü') /* where */ AND id < ? RETURNING id"
          : "UPDATE items AS x SET qty = ? WHERE x.name IN (?, 'é–ü') /* where */ AND x.id < ?";
    const params = d.kind === 'postgres' ? [7, 10, 'nut'] : [7, 'nut', 10];
    const r = await c.write(await stmt(sql, params), LIMITS, { captureCap: 100 });
    expect(r.rowCount).toBe(1);
    expect(r.preview?.revertable).toEqual({ ok: true });
    expect(text(r.preview!.images!.before)).toEqual([ORIGINAL[1]]);
    expect(text(r.preview!.images!.after)).toEqual([['2', 'nut', '7']]);
    await c.revert(r.preview!.images!);
    expect(await items()).toEqual(ORIGINAL);
  });

  if (d.kind === 'postgres') {
    it('the words WHERE and RETURNING in strings and comments do not mislead the capture', async () => {
      await reseed();
      await d.admin("UPDATE items SET name = 'returning' WHERE id = 3");
      const r = await c.write(
        await stmt(
          "UPDATE items /* where */ SET name = 'where' WHERE name = 'returning' -- returning\n AND qty > $1 RETURNING id",
          [0],
        ),
        LIMITS,
        { captureCap: 100 },
      );
      expect(r.rows).toEqual([[3]]);
      expect(r.preview?.revertable).toEqual({ ok: true });
      expect(text(r.preview!.images!.before)).toEqual([['3', 'returning', '30']]);
      expect(text(r.preview!.images!.after)).toEqual([['3', 'where', '30']]);
      await c.revert(r.preview!.images!);
      expect((await items())[2]).toEqual(['3', 'returning', '30']);
    });

    it('UPDATE … FROM another table: not revertable, and says why', async () => {
      await reseed();
      const r = await c.write(
        await stmt('UPDATE items SET qty = 1 FROM nopk WHERE items.id = nopk.a'),
        LIMITS,
        { captureCap: 100 },
      );
      expect(r.rowCount).toBe(2);
      expect(r.preview?.images).toBeUndefined();
      expect(JSON.stringify(r.preview?.revertable)).toMatch(/joins other tables/);
    });
  }

  it('an update that leaves one matched row as it was: the matched rows, revertable', async () => {
    await reseed();
    const r = await c.write(await stmt('UPDATE items SET qty = 20 WHERE id IN (1, 2)'), LIMITS, {
      captureCap: 100,
    });
    expect(r.rowCount).toBe(2);
    expect(r.preview?.revertable).toEqual({ ok: true });
    await c.revert(r.preview!.images!);
    expect(await items()).toEqual(ORIGINAL);
  });

  describe('not revertable, with the reason', () => {
    it('a table without a primary key', async () => {
      const r = await c.write(await stmt("UPDATE nopk SET b = 'z' WHERE a = 1"), LIMITS, {
        captureCap: 100,
      });
      expect(r.rowCount).toBe(1);
      expect(r.preview?.images).toBeUndefined();
      expect(r.preview?.before).toBeUndefined();
      expect(r.preview?.revertable.ok).toBe(false);
      expect(JSON.stringify(r.preview?.revertable)).toMatch(/no primary key/);
    });

    it('more rows than the cap: no images and no before rows', async () => {
      await reseed();
      const r = await c.write(await stmt('UPDATE items SET qty = 1 WHERE id <= 3'), LIMITS, {
        captureCap: 2,
      });
      expect(r.rowCount).toBe(3);
      expect(r.preview?.rowsAffected).toBe(3);
      expect(r.preview?.beforeTruncated).toBe(true);
      expect(r.preview?.before).toBeUndefined();
      expect(r.preview?.images).toBeUndefined();
      expect(JSON.stringify(r.preview?.revertable)).toMatch(/more than 2 rows/);
    });

    if (d.kind === 'mysql') {
      it('an UPDATE whose WHERE has a subquery or a volatile function', async () => {
        await reseed();
        for (const where of ['id IN (SELECT a FROM nopk)', 'id < YEAR(NOW())']) {
          const r = await c.write(await stmt(`UPDATE items SET qty = 1 WHERE ${where}`), LIMITS, {
            captureCap: 100,
          });
          expect(r.rowCount).toBeGreaterThan(0);
          expect(r.preview?.images).toBeUndefined();
          expect(JSON.stringify(r.preview?.revertable)).toMatch(/other tables or volatile/);
        }
      });
    }

    if (d.kind !== 'sqlite') {
      it('a delete that cascades to another table through a foreign key', async () => {
        const dry = await c.write(await stmt('DELETE FROM parent WHERE id = 1'), LIMITS, {
          dryRun: true,
        });
        expect(text(dry.preview!.before!.rows)).toEqual([['1', 'a']]);
        expect(JSON.stringify(dry.preview?.revertable)).toMatch(/child.*foreign key/);
        const r = await c.write(await stmt('DELETE FROM parent WHERE id = 1'), LIMITS, {
          captureCap: 100,
        });
        expect(r.rowCount).toBe(1);
        expect(r.preview?.images).toBeUndefined();
        expect(JSON.stringify(r.preview?.revertable)).toMatch(/child.*foreign key/);
      });
    }

    it('a primary-key change', async () => {
      await reseed();
      const r = await c.write(await stmt('UPDATE items SET id = 9 WHERE id = 5'), LIMITS, {
        captureCap: 100,
      });
      expect(r.rowCount).toBe(1);
      expect(r.preview?.images).toBeUndefined();
      expect(JSON.stringify(r.preview?.revertable)).toMatch(/primary[- ]key/);
    });
  });

  describe("the engine's own types come back exactly", () => {
    const snapshot = async () => text(await d.admin(d.typed.snapshot));
    it('UPDATE of every column, then revert', async () => {
      const original = await snapshot();
      const r = await c.write(await stmt(d.typed.update), LIMITS, { captureCap: 100 });
      expect(r.rowCount).toBe(3);
      expect(await snapshot()).not.toEqual(original);
      await c.revert(JSON.parse(JSON.stringify(r.preview!.images)));
      expect(await snapshot()).toEqual(original);
    });
    it('DELETE of every row, then revert', async () => {
      const original = await snapshot();
      const r = await c.write(await stmt('DELETE FROM typed WHERE id > 0'), LIMITS, {
        captureCap: 100,
      });
      expect(r.rowCount).toBe(3);
      expect(await snapshot()).toEqual([]);
      await c.revert(JSON.parse(JSON.stringify(r.preview!.images)));
      expect(await snapshot()).toEqual(original);
    });
  });

  it('a write without options answers as before (no preview)', async () => {
    await reseed();
    const r = await c.write(await stmt('UPDATE items SET qty = 11 WHERE id = 1'), LIMITS);
    expect(r).toEqual({ rowCount: 1 });
  });

  it('forged images are refused', async () => {
    await refusal(
      c.revert({
        table: d.t('items'),
        primaryKey: [],
        columns: [],
        kind: 'update',
        before: [],
        after: [],
      }),
      'VALIDATION_FAILED',
    );
  });

  if (d.kind !== 'sqlite') {
    // The agent may not see `name`; its own database principal holds only id and qty.
    const agent: AgentContext = {
      id: 'agent-images-1',
      name: 'images',
      connection: 'images',
      grants: [
        {
          connection: 'images',
          table: 'items',
          actions: ['read', 'write'],
          columns: ['id', 'qty'],
        },
      ],
    };
    it('an agent under its own database principal: the dry run runs as the agent', async () => {
      await reseed();
      const s = { ...(await stmt('UPDATE items SET qty = 3 WHERE id = 2')), agent };
      const r = await c.write(s, LIMITS, { dryRun: true, captureCap: 100 });
      expect(r.preview?.rowsAffected).toBe(1);
      // The whole row as it was, hidden column included (for the officer only).
      expect(text(r.preview!.before!.rows)).toEqual([ORIGINAL[1]]);
      expect(await items()).toEqual(ORIGINAL);
      // The principal is the backstop: a column outside its grant is refused by the server.
      await refusal(
        c.write({ ...(await stmt("UPDATE items SET name = 'z' WHERE id = 2")), agent }, LIMITS, {
          dryRun: true,
        }),
        'PERMISSION_DENIED',
      );
      expect(await items()).toEqual(ORIGINAL);
    });

    if (d.kind === 'postgres') {
      it("the agent's write keeps whole rows (read as the connection's account) and reverts", async () => {
        await reseed();
        const s = { ...(await stmt('UPDATE items SET qty = 3 WHERE id = 2')), agent };
        const r = await c.write(s, LIMITS, { captureCap: 100 });
        expect(text(r.preview!.images!.before)).toEqual([ORIGINAL[1]]);
        expect(text(r.preview!.images!.after)).toEqual([['2', 'nut', '3']]);
        await c.revert(r.preview!.images!);
        expect(await items()).toEqual(ORIGINAL);
      });
    } else {
      it("the agent's own user cannot read the whole row: not revertable, and says why", async () => {
        await reseed();
        const s = { ...(await stmt('UPDATE items SET qty = 3 WHERE id = 2')), agent };
        const r = await c.write(s, LIMITS, { captureCap: 100 });
        expect(r.rowCount).toBe(1);
        expect(r.preview?.images).toBeUndefined();
        expect(JSON.stringify(r.preview?.revertable)).toMatch(/own database user/);
        // The officer still sees the rows as they were (read on the connection's account).
        expect(text(r.preview!.before!.rows)).toEqual([ORIGINAL[1]]);
        expect((await items())[1]).toEqual(['2', 'nut', '3']);
      });
    }
  }

  if (d.kind === 'mysql') {
    it('a MyISAM table is never written by a dry run', async () => {
      const flat = async () => text(await d.admin('SELECT id, qty FROM flat ORDER BY id'));
      const before = await flat();
      // UPDATE and DELETE: counted and read with a SELECT of their WHERE, never executed.
      const u = await c.write(await stmt('UPDATE flat SET qty = 0 WHERE id >= 2'), LIMITS, {
        dryRun: true,
      });
      expect(u.preview?.rowsAffected).toBe(2);
      expect(text(u.preview!.before!.rows)).toEqual(before.slice(1));
      expect(JSON.stringify(u.preview?.revertable)).toMatch(/not transactional/);
      const del = await c.write(await stmt('DELETE FROM flat WHERE id = 1'), LIMITS, {
        dryRun: true,
      });
      expect(del.preview?.rowsAffected).toBe(1);
      expect(text(del.preview!.before!.rows)).toEqual([before[0]]);
      // INSERT: nothing to count it with, so no preview at all.
      const e = await refusal(
        c.write(await stmt('INSERT INTO flat (id, qty) VALUES (9, 9)'), LIMITS, { dryRun: true }),
        'STATEMENT_NOT_ALLOWED',
      );
      expect(e.message).toMatch(/not transactional.*cannot roll back/);
      expect(await flat()).toEqual(before);
    });

    it('a real write to a MyISAM table is not revertable', async () => {
      const r = await c.write(await stmt('UPDATE flat SET qty = 5 WHERE id = 3'), LIMITS, {
        captureCap: 100,
      });
      expect(r.rowCount).toBe(1);
      expect(r.preview?.images).toBeUndefined();
      expect(JSON.stringify(r.preview?.revertable)).toMatch(/transaction/);
    });
  }
}

describe('SQLite', () => suite(sqliteDriver()));
await describeWithService('postgres', 'PostgreSQL', () => suite(pgDriver()));
await describeWithService('mysql', 'MariaDB', () => suite(mysqlDriver()));
