import { afterAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/shared/errors';
import { guardPool, guardSql, shutdownGuard } from '../../src/main/guard/guard';
import { buildSchemaIndex } from '../../src/main/guard/schema-index';

const table = (cols: string[]) => [
  { name: 't', columns: cols.map((name) => ({ name, type: 'text' })) },
];

afterAll(shutdownGuard);

describe('guard verdict cache', () => {
  it('returns the same frozen analysis for a repeated statement', async () => {
    const schema = buildSchemaIndex(table(['a', 'b']));
    const first = await guardSql('SELECT a FROM t WHERE b = ?', 'sqlite', schema);
    const second = await guardSql('SELECT a FROM t WHERE b = ?', 'sqlite', schema);
    expect(second).toBe(first);
    expect(Object.isFrozen(first.analysis.tables[0]!.read)).toBe(true);
  });

  it('keeps verdicts per schema snapshot: a refreshed schema is judged afresh', async () => {
    const before = buildSchemaIndex(table(['a']));
    await expect(guardSql('SELECT b FROM t', 'sqlite', before)).rejects.toThrow(AirlockError);
    const after = buildSchemaIndex(table(['a', 'b']));
    expect((await guardSql('SELECT b FROM t', 'sqlite', after)).analysis.tables[0]!.read).toEqual([
      'b',
    ]);
  });

  it('throws a fresh error for each repeated refusal', async () => {
    const schema = buildSchemaIndex(table(['a']));
    const catchIt = async () => {
      try {
        await guardSql('SELECT 1; SELECT 2', 'sqlite', schema);
      } catch (e) {
        return e as AirlockError;
      }
      throw new Error('expected a refusal');
    };
    const e1 = await catchIt();
    e1.auditId = 41;
    const e2 = await catchIt();
    expect(e2).not.toBe(e1);
    expect(e2.code).toBe('INVALID_SQL');
    expect(e2.auditId).toBeUndefined();
  });

  it('judges a repeated statement on a worker once, and the same text sent at once only once', async () => {
    const schema = buildSchemaIndex(table(['a', 'b']));
    const pool = guardPool();
    const judged: string[] = [];
    const original = pool.judge.bind(pool);
    pool.judge = (sql, ...rest) => {
      judged.push(sql);
      return original(sql, ...rest);
    };
    try {
      const sql = 'SELECT a FROM t WHERE a = 42';
      const all = await Promise.all([
        guardSql(sql, 'sqlite', schema),
        guardSql(sql, 'sqlite', schema),
        guardSql(sql, 'sqlite', schema),
      ]);
      expect(all[1]).toBe(all[0]);
      expect(all[2]).toBe(all[0]);
      await guardSql(sql, 'sqlite', schema);
      expect(judged).toEqual([sql]);
    } finally {
      pool.judge = original;
    }
  });
});
