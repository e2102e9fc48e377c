/**
 * The adversarial guard table for the server engines (PostgreSQL, MariaDB), end to end
 * through POST /v1/query: a seeded demo database with a canary planted in the sensitive
 * columns (one employee's national_id and salary), agents with the same grants as the SQLite
 * table, and the checks every case must pass — denied with the expected code, nothing shaped
 * like the canary or a national id in any response, the database unchanged afterwards.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Grant } from '../../src/shared/domain';
import { ERROR_STATUS } from '../../src/shared/errors';
import { demoDbName, demoDigest, dropDemo, seedDemo, type Canary } from './demo-seed';
import { startTestAirlock, type TestAirlock } from './harness';
import type { ServiceKind } from './services';

export const CANARY: Canary = { employeeId: 7, nationalId: 'CANARY-NID-7731', salary: 987654321 };
const NATIONAL_ID_SHAPE = /\d{3}-\d{2}-\d{4}/;

export type Who = 'analyst' | 'writer' | 'clerk';
export type DenyCode = 'INVALID_SQL' | 'STATEMENT_NOT_ALLOWED' | 'PERMISSION_DENIED';
export const I = 'INVALID_SQL' as const;
export const S = 'STATEMENT_NOT_ALLOWED' as const;
export const P = 'PERMISSION_DENIED' as const;

export interface DenyCase {
  name: string;
  sql: string;
  /** One code, or the codes that are each an acceptable refusal (different layers may catch it). */
  code: DenyCode | DenyCode[];
  who?: Who;
  params?: unknown;
  rule?: string;
  says?: string;
  /** the guard layer expected to refuse it (details.layer) */
  layer?: string;
}

export const deny = (
  name: string,
  code: DenyCode | DenyCode[],
  sql: string,
  more: Omit<DenyCase, 'name' | 'code' | 'sql'> = {},
): DenyCase => ({
  name,
  code,
  sql,
  ...more,
});

export interface AllowCase {
  name: string;
  sql: string;
  who?: Who;
  params?: unknown;
  rows?: unknown[][] | ((rows: unknown[][]) => void);
}
export const allow = (
  name: string,
  sql: string,
  more: Omit<AllowCase, 'name' | 'sql'> = {},
): AllowCase => ({ name, sql, ...more });
export const oneRow = (rows: unknown[][]) => expect(rows).toHaveLength(1);

export function grantsFor(connection: string): Record<Who, Grant[]> {
  const read = (table: string, columns?: string[]): Grant => ({
    connection,
    table,
    actions: ['read'],
    ...(columns ? { columns } : {}),
  });
  return {
    analyst: [
      ...['orders', 'order_items', 'products', 'categories', 'customers'].map((t) => read(t)),
      read('employees', [
        'id',
        'first_name',
        'last_name',
        'title',
        'department_id',
        'manager_id',
        'hire_date',
      ]),
    ],
    writer: ['orders', 'order_items'].map((table): Grant => ({
      connection,
      table,
      actions: ['read', 'write'],
      approval: 'none',
    })),
    clerk: [
      read('orders', ['id', 'status', 'order_date']),
      { connection, table: 'orders', actions: ['write'], approval: 'none', columns: ['status'] },
    ],
  };
}

export function leaks(body: string): string | null {
  if (body.includes(CANARY.nationalId)) return 'the canary national_id';
  if (body.includes(String(CANARY.salary))) return 'the canary salary';
  const m = NATIONAL_ID_SHAPE.exec(body);
  return m ? `a national id (${m[0]})` : null;
}

/**
 * Registers the table's tests: the deny cases, the digest check, the allow cases, the digest
 * again. `extraUrl` adds URL options (agent_roles=true, say) to the connection; `prepare` may
 * connect as another account.
 */
export function guardTable(
  kind: ServiceKind,
  suffix: string,
  denyCases: DenyCase[],
  allowCases: AllowCase[],
  extraUrl = '',
  /** After seeding: returns the URL to connect with (another account, say); the seeded URL by default. */
  prepare?: (url: string, db: string) => Promise<string>,
) {
  const db = demoDbName(suffix);
  const connection = `${kind}demo`;
  let t: TestAirlock;
  const keys = {} as Record<Who, string>;
  let before: string;

  beforeAll(async () => {
    const seeded = await seedDemo(kind, db, CANARY);
    const url = prepare ? await prepare(seeded, db) : seeded;
    t = await startTestAirlock();
    const r = await t.admin('POST', '/v1/admin/connections', {
      name: connection,
      kind,
      url: `${url}${extraUrl}`,
    });
    if (r.statusCode !== 201) throw new Error(`connection: ${r.statusCode} ${r.body}`);
    const grants = grantsFor(connection);
    for (const who of Object.keys(grants) as Who[])
      keys[who] = (await t.createAgent(who, grants[who])).apiKey;
    before = await demoDigest(kind, db);
  });
  afterAll(async () => {
    await t?.close();
    await dropDemo(kind, db);
  });

  it('has the canary in place and enough cases', async () => {
    expect(denyCases.length + allowCases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(denyCases.map((c) => c.name)).size).toBe(denyCases.length);
    expect(new Set(allowCases.map((c) => c.name)).size).toBe(allowCases.length);
    expect(leaks(JSON.stringify({ n: CANARY.nationalId }))).toBe('the canary national_id');
  });

  it.each(denyCases)('denies: $name', async (c) => {
    const r = await t.query(keys[c.who ?? 'analyst'], c.sql, c.params, connection);
    const leak = leaks(r.body);
    expect(leak, `response leaked ${leak}: ${r.body}`).toBeNull();
    const body = r.json() as {
      error?: { code: string; message: string; rule?: string; layer?: string };
      auditId?: number;
    };
    const codes = Array.isArray(c.code) ? c.code : [c.code];
    expect(codes, r.body).toContain(body.error?.code);
    expect(r.statusCode).toBe(ERROR_STATUS[body.error!.code as DenyCode]);
    expect(body.auditId).toBeGreaterThan(0);
    expect(body.error!.message.length).toBeGreaterThan(10);
    if (c.rule) expect(body.error?.rule, r.body).toBe(c.rule);
    if (c.says) expect(body.error?.message, r.body).toContain(c.says);
    if (c.layer) expect(body.error?.layer, r.body).toBe(c.layer);
  });

  it('left the database exactly as it was after the deny table', async () => {
    expect(await demoDigest(kind, db)).toBe(before);
  });

  it.each(allowCases)('allows: $name', async (c) => {
    const r = await t.query(keys[c.who ?? 'analyst'], c.sql, c.params, connection);
    expect(r.statusCode, r.body).toBe(200);
    const leak = leaks(r.body);
    expect(leak, `response leaked ${leak}: ${r.body}`).toBeNull();
    const body = r.json() as {
      rows: unknown[][];
      rowCount: number;
      truncated: boolean;
      auditId: number;
    };
    expect(body.rowCount).toBe(body.rows.length);
    expect(body.truncated).toBe(false);
    expect(body.auditId).toBeGreaterThan(0);
    if (Array.isArray(c.rows)) expect(body.rows).toEqual(c.rows);
    else if (c.rows) c.rows(body.rows);
    else expect(body.rows.length).toBeGreaterThan(0);
  });

  it('still has not changed the database after the allowed reads', async () => {
    expect(await demoDigest(kind, db)).toBe(before);
  });

  return { connection, db, keys: () => keys, airlock: () => t };
}
