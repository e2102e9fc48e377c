/**
 * One contract, every SQL driver (STYLE.md §7): SQLite on a copy of the demo database, and
 * the same demo rows rebuilt on the real PostgreSQL and MariaDB servers of this machine
 * (database `airlock_demo_contract_<pid>`, created and dropped here). Each driver must connect and
 * explain a failed connection, introspect, read, write, cap rows and bytes, stop a long
 * statement on the server, stream, and report errors the same way.
 *
 * The PostgreSQL and MariaDB suites fail (not skip) when AIRLOCK_REQUIRE_SERVICES=1 and the
 * server is unreachable.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConnector } from '../../src/main/connectors/registry';
import {
  sqlConnector,
  type CheckedStatement,
  type QueryLimits,
  type SqlConnector,
  type SqlParams,
} from '../../src/main/connectors/types';
import { guardSql } from '../../src/main/guard/guard';
import { buildSchemaIndex, type SchemaIndex } from '../../src/main/guard/schema-index';
import type { ConnectionKind } from '../../src/shared/domain';
import { AirlockError } from '../../src/shared/errors';
import { DEMO_DB, demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { tempDir } from '../helpers/harness';
import {
  SERVICE_URL,
  describeWithService,
  serviceUrl,
  type ServiceKind,
} from '../helpers/services';

const DB = demoDbName('contract');
const LIMITS: QueryLimits = { maxRows: 10_000, maxBytes: 10 * 1024 * 1024, timeoutMs: 10_000 };
/** A statement that takes minutes: a three-way cross join of 7,943 rows. */
const LONG =
  '/* airlock-cancel-probe */ SELECT count(*) FROM order_items a, order_items b, order_items c';

interface Driver {
  kind: Exclude<ConnectionKind, 'mongodb'>;
  /** How the driver names the demo tables. */
  t: (table: string) => string;
  setup(): Promise<{ make: (urlOrPath?: string) => SqlConnector; target: string }>;
  teardown(): Promise<void>;
  /** Statements of LONG still running on the server. */
  running?(): Promise<number>;
  /** Money comes back exact (string) from the servers, as a float from SQLite. */
  money: (v: string) => unknown;
  /** Extra setup on the server side (views, type samples), with the admin connection. */
  admin?(sql: string): Promise<void>;
}

const sqlite: Driver = {
  kind: 'sqlite',
  t: (x) => x,
  async setup() {
    const path = join(tempDir('airlock-contract-'), 'demo.db');
    copyFileSync(DEMO_DB, path);
    return {
      make: (p = path) => sqlConnector(createConnector('sqlite', { path: p })),
      target: path,
    };
  },
  async teardown() {},
  money: (v) => Number(v),
};

function serverDriver(kind: ServiceKind): Driver {
  const admin = async (sql: string) => {
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: serviceUrl('postgres', DB) });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    } else {
      const c = await mysql.createConnection({ uri: serviceUrl('mysql', DB) });
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    }
  };
  return {
    kind,
    t: (x) => (kind === 'postgres' ? `public.${x}` : x),
    async setup() {
      const url = await seedDemo(kind, DB);
      return { make: (u = url) => sqlConnector(createConnector(kind, { url: u })), target: url };
    },
    teardown: () => dropDemo(kind, DB),
    admin,
    money: (v) => v,
    async running() {
      if (kind === 'postgres') {
        const c = new pg.Client({ connectionString: serviceUrl('postgres', 'postgres') });
        await c.connect();
        try {
          const r = await c.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%airlock-cancel-probe%' AND state = 'active' AND pid <> pg_backend_pid()",
          );
          return r.rows[0].n as number;
        } finally {
          await c.end();
        }
      }
      const c = await mysql.createConnection({ uri: SERVICE_URL.mysql });
      try {
        const [rows] = await c.query(
          "SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%airlock-cancel-probe%' AND ID <> CONNECTION_ID() AND COMMAND <> 'Sleep'",
        );
        return Number((rows as { n: number }[])[0]!.n);
      } finally {
        await c.end();
      }
    },
  };
}

async function expectAirlockError(p: Promise<unknown>, code: string): Promise<AirlockError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(AirlockError);
    expect((e as AirlockError).code, (e as Error).message).toBe(code);
    return e as AirlockError;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function contract(d: Driver) {
  let c: SqlConnector;
  let make: (u?: string) => SqlConnector;
  let target: string;
  let index: SchemaIndex;
  const stmt = async (sql: string, params?: SqlParams): Promise<CheckedStatement> => {
    const g = await guardSql(sql, c.dialect, index);
    return { sql: g.sql, params, analysis: g.analysis };
  };
  const read = async (sql: string, params?: SqlParams, limits: Partial<QueryLimits> = {}) =>
    c.read(await stmt(sql, params), { ...LIMITS, ...limits });
  const ph = (i: number) => (d.kind === 'postgres' ? `$${i}` : '?');

  beforeAll(async () => {
    ({ make, target } = await d.setup());
    c = make();
    index = buildSchemaIndex(await c.introspect(), c.defaultSchema);
  });
  afterAll(async () => {
    await c?.close();
    await d.teardown();
  });

  // ── connect / test ─────────────────────────────────────────────────────────────────────
  it('connects and answers test()', async () => {
    await expect(c.test()).resolves.toBeUndefined();
  });

  if (d.kind !== 'sqlite') {
    const url = (over: {
      user?: string;
      password?: string;
      host?: string;
      db?: string;
      query?: string;
    }) => {
      const u = new URL(serviceUrl(d.kind as ServiceKind, over.db ?? DB));
      if (over.user) u.username = over.user;
      if (over.password) u.password = over.password;
      if (over.host) u.host = over.host;
      return `${u.toString()}${over.query ? `?${over.query}` : ''}`;
    };
    const failure = async (u: string, says: RegExp) => {
      const x = make(u);
      try {
        const e = await expectAirlockError(x.test(), 'CONNECTION_FAILED');
        expect(e.message).toMatch(says);
        expect(e.message).not.toContain('Wr0ngPass');
        return e;
      } finally {
        await x.close();
      }
    };
    it('phrases a wrong password or unknown user (never echoing the password)', async () => {
      await failure(
        url({ user: 'airlock_nobody', password: 'Wr0ngPass' }),
        /authentication failed|refused user|Access denied/i,
      );
    });
    it('phrases a missing database', async () => {
      await failure(
        url({ db: 'airlock_no_such_db' }),
        /database 'airlock_no_such_db' does not exist/,
      );
    });
    it('phrases an unreachable host', async () => {
      const e = await failure(
        url({ host: '127.0.0.1:1', password: 'Wr0ngPass' }),
        /cannot reach 127\.0\.0\.1:1: nothing is listening/,
      );
      expect(e.details.cause).toBe('unreachable');
    });
    it('phrases a TLS refusal (this server runs without TLS)', async () => {
      const e = await failure(url({ query: 'sslmode=require' }), /TLS/);
      expect(e.details.cause).toMatch(/server|tls/);
    });
    it('refuses an unreadable CA file and unknown options before connecting', async () => {
      expect(() => make(url({ query: 'sslrootcert=/nonexistent/ca.pem' }))).toThrow(
        /cannot read the sslrootcert/,
      );
      expect(() => make(url({ query: 'sslmod=require' }))).toThrow(
        /unknown connection option 'sslmod'/,
      );
    });
    it('fails over to the next endpoint in order', async () => {
      const real = new URL(target);
      const u = new URL(target);
      const x = make(`${u.protocol}//${u.username}@127.0.0.1:1,${real.host}${u.pathname}`);
      try {
        await expect(x.test()).resolves.toBeUndefined();
      } finally {
        await x.close();
      }
      const y = make(`${target}?failover=${real.host}`.replace(real.host, '127.0.0.1:1'));
      try {
        await expect(y.test()).resolves.toBeUndefined();
      } finally {
        await y.close();
      }
    });
  } else {
    it('phrases a missing file', async () => {
      const x = make('/nonexistent/airlock.db');
      await expectAirlockError(x.test(), 'CONNECTION_FAILED');
      await x.close();
    });
  }

  // ── introspect ─────────────────────────────────────────────────────────────────────────
  it('introspects tables, columns, types and keys', async () => {
    const tables = await c.introspect();
    const names = tables.map((t) => t.name);
    for (const t of ['orders', 'order_items', 'employees', 'customers', 'products'])
      expect(names).toContain(d.t(t));
    const orders = tables.find((t) => t.name === d.t('orders'))!;
    expect(orders.columns.map((x) => x.name)).toEqual([
      'id',
      'customer_id',
      'employee_id',
      'order_date',
      'status',
      'total',
      'ship_city',
      'ship_country',
    ]);
    expect(orders.columns.every((x) => x.type.length > 0)).toBe(true);
    expect(orders.primaryKey).toEqual(['id']);
    expect(orders.foreignKeys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          columns: ['customer_id'],
          table: d.t('customers'),
          refColumns: ['id'],
        }),
      ]),
    );
    if (d.kind !== 'sqlite') {
      expect(orders.rowEstimate).toBeGreaterThan(1000);
      expect(orders.kind).toBe('table');
    }
  });

  if (d.admin) {
    it('introspects views, and reads a view without tripping engine truth', async () => {
      await d.admin!('CREATE VIEW staff AS SELECT id, first_name, department_id FROM employees');
      const tables = await c.introspect();
      const staff = tables.find((t) => t.name === d.t('staff'))!;
      expect(staff.kind).toBe('view');
      expect(staff.columns.map((x) => x.name)).toEqual(['id', 'first_name', 'department_id']);
      index = buildSchemaIndex(tables, c.defaultSchema);
      const r = await read('SELECT first_name FROM staff WHERE id = 1');
      expect(r.rows).toEqual([['Thomas']]);
    });
  }

  // ── read ───────────────────────────────────────────────────────────────────────────────
  it('reads with positional parameters and typed columns', async () => {
    const r = await read(
      `SELECT id, status, total, order_date FROM orders WHERE id <= ${ph(1)} ORDER BY id`,
      [2],
    );
    expect(r.rows).toEqual([
      [1, 'delivered', d.money('348.92'), '2023-01-01'],
      [2, 'cancelled', d.money('85.70'), '2023-01-03'],
    ]);
    expect(r.columns.map((x) => x.name)).toEqual(['id', 'status', 'total', 'order_date']);
    expect(r.columns[0]!.type).toBe('integer');
    if (d.kind !== 'sqlite') {
      expect(r.columns[2]!.type).toBe('decimal');
      expect(r.columns[3]!.type).toBe('date');
    }
    expect(r.rowCount).toBe(2);
    expect(r.truncated).toBe(false);
  });

  it('reads joins, aggregates and subqueries alike on every engine', async () => {
    const r = await read(
      'SELECT c.country, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.total > (SELECT avg(total) FROM orders) GROUP BY c.country ORDER BY n DESC, c.country LIMIT 3',
    );
    expect(r.rows).toHaveLength(3);
    expect(Number(r.rows[0]![1])).toBeGreaterThan(0);
  });

  it('reads with a statement that returns no rows', async () => {
    const r = await read('SELECT id FROM orders WHERE id < 0');
    expect(r.rows).toEqual([]);
    expect(r.columns.map((x) => x.name)).toEqual(['id']);
  });

  // ── write ──────────────────────────────────────────────────────────────────────────────
  it('writes in a transaction: UPDATE, INSERT, DELETE', async () => {
    const w = async (sql: string, params?: SqlParams) => c.write(await stmt(sql, params), LIMITS);
    expect(
      (await w(`UPDATE orders SET status = ${ph(1)} WHERE id = ${ph(2)}`, ['returned', 3]))
        .rowCount,
    ).toBe(1);
    expect((await read('SELECT status FROM orders WHERE id = 3')).rows).toEqual([['returned']]);
    const ins = await w(
      `INSERT INTO orders (customer_id, order_date, status, total, ship_city, ship_country) VALUES (${[1, 2, 3, 4, 5, 6].map(ph).join(', ')})`,
      [1, '2025-06-01', 'pending', 12.5, 'Lisbon', 'Portugal'],
    );
    expect(ins.rowCount).toBe(1);
    expect(
      (await read("SELECT count(*) FROM orders WHERE ship_city = 'Lisbon' AND status = 'pending'"))
        .rows[0]![0],
    ).toBe(1);
    expect(
      (await w("DELETE FROM orders WHERE ship_city = 'Lisbon' AND status = 'pending'")).rowCount,
    ).toBe(1);
  });

  it('a read runs read-only: the engine refuses a write smuggled past the parser', async () => {
    // Claim the UPDATE is a read (as a parse differential would): engine truth or the
    // read-only transaction must refuse it.
    const w = await stmt("UPDATE orders SET status = 'x' WHERE id = 1");
    const lying: CheckedStatement = {
      ...w,
      analysis: { ...w.analysis, kind: 'select', action: 'read' },
    };
    await expectAirlockError(c.read(lying, LIMITS), 'STATEMENT_NOT_ALLOWED');
    expect((await read('SELECT status FROM orders WHERE id = 1')).rows).toEqual([['delivered']]);
  });

  it('engine truth refuses a table the parser did not report', async () => {
    const s = await stmt(
      'SELECT o.id FROM orders o JOIN employees e ON e.id = o.employee_id WHERE o.id = 1',
    );
    const hidden: CheckedStatement = {
      ...s,
      analysis: {
        ...s.analysis,
        tables: s.analysis.tables.filter((t) => !t.table.endsWith('employees')),
      },
    };
    const e = await expectAirlockError(c.read(hidden, LIMITS), 'STATEMENT_NOT_ALLOWED');
    expect(e.details.layer).toBe('engine-truth');
  });

  it('engine truth refuses a column the parser did not report', async () => {
    const s = await stmt('SELECT id FROM employees WHERE salary > 100000');
    const hidden: CheckedStatement = {
      ...s,
      analysis: {
        ...s.analysis,
        tables: s.analysis.tables.map((t) => ({
          ...t,
          read: t.read.filter((x) => x !== 'salary'),
        })),
      },
    };
    const e = await expectAirlockError(c.read(hidden, LIMITS), 'STATEMENT_NOT_ALLOWED');
    expect(e.details.layer).toBe('engine-truth');
  });

  // ── limits ─────────────────────────────────────────────────────────────────────────────
  it('caps rows and says truncated', async () => {
    const r = await read('SELECT id, status FROM orders ORDER BY id', undefined, { maxRows: 10 });
    expect(r.rows).toHaveLength(10);
    expect(r.rowCount).toBe(10);
    expect(r.truncated).toBe(true);
    expect(r.rows[9]![0]).toBe(10);
  });

  it('does not say truncated when the result fits the cap exactly', async () => {
    const r = await read('SELECT id FROM orders WHERE id <= 10', undefined, { maxRows: 10 });
    expect(r.rows).toHaveLength(10);
    expect(r.truncated).toBe(false);
  });

  it('caps bytes', async () => {
    const r = await read('SELECT * FROM orders ORDER BY id', undefined, { maxBytes: 2000 });
    expect(r.truncated).toBe(true);
    expect(r.rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.rows).length).toBeLessThanOrEqual(2000);
  });

  it('streams in batches with backpressure, under the same caps', async () => {
    let columns: string[] = [];
    const batches: number[] = [];
    let inFlight = 0;
    const summary = await c.stream!(
      await stmt('SELECT id, order_id, quantity FROM order_items ORDER BY id'),
      { ...LIMITS, maxRows: 7000 },
      {
        columns: (cols) => void (columns = cols.map((x) => x.name)),
        rows: async (b) => {
          expect(inFlight).toBe(0); // the next batch waits for this one
          inFlight++;
          batches.push(b.length);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
        },
      },
    );
    expect(columns).toEqual(['id', 'order_id', 'quantity']);
    expect(summary).toEqual({ rowCount: 7000, truncated: true });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(7000);
    expect(batches.length).toBeGreaterThan(1);
  });

  // ── cancellation ───────────────────────────────────────────────────────────────────────
  it('stops a long statement at the time limit, on the server too, then serves the next', async () => {
    const started = Date.now();
    const e = await expectAirlockError(read(LONG, undefined, { timeoutMs: 700 }), 'QUERY_TIMEOUT');
    expect(e.message).toMatch(/700 ms/);
    expect(Date.now() - started).toBeLessThan(6000);
    if (d.running) expect(await waitFor(async () => (await d.running!()) === 0, 3000)).toBe(true);
    expect((await read('SELECT count(*) FROM order_items')).rows[0]![0]).toBe(7943);
  });

  it('stops a statement whose client went away (abort signal), on the server too', async () => {
    const ac = new AbortController();
    const p = c.stream!(
      await stmt(LONG),
      LIMITS,
      { columns: () => undefined, rows: () => undefined },
      ac.signal,
    );
    if (d.running) expect(await waitFor(async () => (await d.running!()) === 1, 3000)).toBe(true);
    else await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    await expectAirlockError(p, 'QUERY_FAILED');
    if (d.running) expect(await waitFor(async () => (await d.running!()) === 0, 5000)).toBe(true);
    expect((await read('SELECT count(*) FROM orders')).rows[0]![0]).toBe(3000);
  });

  // ── errors ─────────────────────────────────────────────────────────────────────────────
  it('reports a constraint violation as QUERY_FAILED without quoting row values', async () => {
    const e = await expectAirlockError(
      c.write(
        await stmt(
          `INSERT INTO employees (id, first_name, last_name, email, department_id, title, hire_date, salary, national_id) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9].map(ph).join(', ')})`,
          [1000, 'a', 'b', 'x@y', 1, 't', '2020-01-01', 1, '049-51-0623'],
        ),
        LIMITS,
      ),
      'QUERY_FAILED',
    );
    expect(e.message).not.toContain('049-51-0623');
  });

  if (d.kind !== 'sqlite') {
    it('refuses named parameters with a clear message', async () => {
      const e = await expectAirlockError(
        read('SELECT id FROM orders WHERE id = 1', { id: 1 }),
        'VALIDATION_FAILED',
      );
      expect(e.message).toMatch(/positional/);
    });
  }

  it('refuses work after close()', async () => {
    const x = make();
    await x.test();
    await x.close();
    await expectAirlockError(
      x.read(await stmt('SELECT id FROM orders WHERE id = 1'), LIMITS),
      'CONNECTION_FAILED',
    );
  });
}

import { describe } from 'vitest';

describe('connector contract: SQLite', () => contract(sqlite));
await describeWithService('postgres', 'connector contract: PostgreSQL', () =>
  contract(serverDriver('postgres')),
);
await describeWithService('mysql', 'connector contract: MariaDB', () =>
  contract(serverDriver('mysql')),
);
