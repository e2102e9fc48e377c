/**
 * A wrong number of parameters on MariaDB/MySQL (issue: "Driver messages leak through"): a
 * clear VALIDATION_FAILED about the placeholders, never the driver's
 * "Incorrect arguments to mysqld_stmt_execute".
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { describeWithService, serviceUrl } from '../helpers/services';

await describeWithService(
  'mysql',
  'parameters that do not match the placeholders (MariaDB)',
  () => {
    let t: TestAirlock;
    let key: string;
    beforeAll(async () => {
      t = await startTestAirlock();
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'maria',
        kind: 'mysql',
        url: `${serviceUrl('mysql', 'test')}?agent_users=false`,
      });
      expect(r.statusCode, r.body).toBe(201);
      ({ apiKey: key } = await t.createAgent('params-agent', [
        { connection: 'maria', table: 'no_such_table', actions: ['read'] },
      ]));
    });
    afterAll(async () => t?.close());

    it.each([
      ['too few', 'SELECT ? + ? AS s', [1]],
      ['too many', 'SELECT ? AS s', [1, 2, 3]],
      ['none given', 'SELECT ? AS s', []],
    ])('%s: 400 VALIDATION_FAILED naming the placeholders, audited', async (_name, sql, params) => {
      const r = await t.query(key, sql, params, 'maria');
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.code).toBe('VALIDATION_FAILED');
      expect(r.json().error.message).toMatch(/placeholders/);
      expect(r.body).not.toMatch(/mysqld_stmt_execute|Incorrect arguments/);
      expect(typeof r.json().auditId).toBe('number');
    });

    it('the right number still runs', async () => {
      const r = await t.query(key, 'SELECT ? + ? AS s', [1, 2], 'maria');
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().rows).toEqual([[3]]);
    });
  },
);
