import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';

describe('query path smoke', () => {
  let t: TestAirlock;
  let key: string;
  beforeAll(async () => {
    t = await startTestAirlock();
    ({ apiKey: key } = await t.createAgent('smoke', [
      { connection: 'demo', table: 'orders', actions: ['read'] },
    ]));
  });
  afterAll(() => t.close());

  it('answers a granted read with typed columns and an audit id', async () => {
    const r = await t.query(key, 'SELECT id, total FROM orders WHERE id = ?', [1]);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.columns).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'total', type: 'real' },
    ]);
    expect(body.rows).toHaveLength(1);
    expect(body.rows[0][0]).toBe(1);
    expect(typeof body.auditId).toBe('number');
  });

  it('denies a table without a grant, naming the rule and the audit entry', async () => {
    const r = await t.query(key, 'SELECT salary FROM employees');
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('PERMISSION_DENIED');
    expect(r.json().auditId).toBeGreaterThan(0);
  });
});
