import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/shared/errors';
import { guardSql } from '../../src/main/guard/guard';
import { buildSchemaIndex } from '../../src/main/guard/schema-index';

const table = (cols: string[]) => [{ name: 't', columns: cols.map((name) => ({ name, type: 'text' })) }];

describe('guard verdict cache', () => {
  it('returns the same frozen analysis for a repeated statement', () => {
    const schema = buildSchemaIndex(table(['a', 'b']));
    const first = guardSql('SELECT a FROM t WHERE b = ?', 'sqlite', schema);
    const second = guardSql('SELECT a FROM t WHERE b = ?', 'sqlite', schema);
    expect(second).toBe(first);
    expect(Object.isFrozen(first.analysis.tables[0]!.read)).toBe(true);
  });

  it('keeps verdicts per schema snapshot: a refreshed schema is judged afresh', () => {
    const before = buildSchemaIndex(table(['a']));
    expect(() => guardSql('SELECT b FROM t', 'sqlite', before)).toThrow(AirlockError);
    const after = buildSchemaIndex(table(['a', 'b']));
    expect(guardSql('SELECT b FROM t', 'sqlite', after).analysis.tables[0]!.read).toEqual(['b']);
  });

  it('throws a fresh error for each repeated refusal', () => {
    const schema = buildSchemaIndex(table(['a']));
    const catchIt = () => {
      try {
        guardSql('SELECT 1; SELECT 2', 'sqlite', schema);
      } catch (e) {
        return e as AirlockError;
      }
      throw new Error('expected a refusal');
    };
    const e1 = catchIt();
    e1.auditId = 41;
    const e2 = catchIt();
    expect(e2).not.toBe(e1);
    expect(e2.code).toBe('INVALID_SQL');
    expect(e2.auditId).toBeUndefined();
  });
});
