/**
 * The shipped evaluation set (resources/eval/demo-questions.jsonl): at least 60 questions from
 * easy to hard, each gold statement accepted by the guard as a read and answered by the bundled
 * demo database with at least one row.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { introspectSqlite } from '../../src/main/connectors/sqlite/sqlite-schema';
import { guardSql } from '../../src/main/guard/guard';
import { buildSchemaIndex } from '../../src/main/guard/schema-index';
import { parseQuestions } from '../../src/main/nl/evaluation';

const text = readFileSync(
  new URL('../../resources/eval/demo-questions.jsonl', import.meta.url),
  'utf8',
);
const questions = parseQuestions(text, 'demo-questions.jsonl');
const db = new Database(new URL('../../resources/demo.db', import.meta.url).pathname, {
  readonly: true,
});
const index = buildSchemaIndex(introspectSqlite(db));

describe('the demo evaluation set', () => {
  it('has at least 60 questions with unique ids, across difficulties', () => {
    expect(questions.length).toBeGreaterThanOrEqual(60);
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
    const by = (d: string) => questions.filter((q) => q.difficulty === d).length;
    expect(by('easy')).toBeGreaterThanOrEqual(15);
    expect(by('medium')).toBeGreaterThanOrEqual(15);
    expect(by('hard')).toBeGreaterThanOrEqual(15);
  });

  it.each(questions.map((q) => [q.id, q] as const))(
    '%s: the gold SQL is a guarded read that returns rows',
    async (_id, q) => {
      expect((await guardSql(q.sql, 'sqlite', index)).analysis.action).toBe('read');
      const rows = db.prepare(q.sql).raw().all();
      expect(rows.length).toBeGreaterThan(0);
    },
  );
});
