/**
 * Layer 1 of the guard on its own: each pre-lex rule fires with its name in details.rule, and
 * legitimate SQL — comments, strings and quoted identifiers holding the very characters the
 * rules look for — passes untouched.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/main/guard/dialect';
import { prelex } from '../../src/main/guard/prelex';
import { AirlockError } from '../../src/shared/errors';

function ruleOf(sql: string, dialect: Dialect): string {
  try {
    prelex(sql, dialect);
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    const err = e as AirlockError;
    expect(err.code).toBe('INVALID_SQL');
    expect(err.details.layer).toBe('pre-lex');
    expect(err.message.length).toBeGreaterThan(10);
    return String(err.details.rule);
  }
  throw new Error(`pre-lex accepted: ${JSON.stringify(sql)}`);
}

const RULES: [rule: string, dialect: Dialect, sql: string][] = [
  ['nul-byte', 'sqlite', 'SELECT 1\u0000'],
  ['nul-byte', 'postgres', "SELECT 'a\u0000b'"],
  ['empty', 'sqlite', ''],
  ['empty', 'sqlite', '  -- only a comment\n /* and another */ ;'],
  ['multiple-statements', 'sqlite', 'SELECT 1; SELECT 2'],
  ['multiple-statements', 'sqlite', 'SELECT 1; -- c\nDROP TABLE t'],
  ['multiple-statements', 'postgres', 'SELECT 1;/**/SELECT 2;'],
  ['unterminated-string', 'sqlite', "SELECT 'abc"],
  ['unterminated-string', 'sqlite', "SELECT 'it''s"],
  ['unterminated-comment', 'sqlite', 'SELECT 1 /* open'],
  ['unterminated-identifier', 'sqlite', 'SELECT "abc'],
  ['unterminated-identifier', 'mysql', 'SELECT `abc'],
  ['unterminated-identifier', 'sqlite', 'SELECT [abc'],
  ['executable-comment', 'sqlite', 'SELECT 1 /*! , salary */'],
  ['executable-comment', 'mysql', 'SELECT 1 /*!50000 , salary */'],
  ['executable-comment', 'mysql', 'SELECT /*+ MAX_EXECUTION_TIME(1) */ 1'],
  ['nested-comment', 'sqlite', 'SELECT 1 /* a /* b */ , salary -- */'],
  ['nested-comment', 'postgres', 'SELECT 1 /* a /* b */ */'],
  ['hash-comment', 'sqlite', 'SELECT id, #a, salary\nid FROM employees'],
  ['hash-comment', 'mysql', 'SELECT 1 # comment'],
  ['backslash-quote', 'sqlite', "SELECT 'x\\' UNION SELECT 1 --'"],
  ['backslash-quote', 'sqlite', "SELECT 'a\\'' || b, ' , c , ' FROM t --' FROM t"],
  ['backslash-quote', 'postgres', "SELECT 'x\\'"],
  ['backslash-quote', 'sqlite', 'SELECT a AS "x\\", b AS " --"\nFROM t'],
  ['backslash-quote', 'mysql', 'SELECT `x\\` FROM t'],
  ['backslash-escape', 'mysql', "SELECT 'a\\nb'"],
  ['dollar-quote', 'postgres', 'SELECT $$ x $$'],
  ['dollar-quote', 'postgres', 'SELECT $tag$ x $tag$'],
  ['dollar-quote', 'sqlite', 'SELECT a, $t$, b, $t$ FROM t'],
  ['unicode-escape', 'postgres', "SELECT U&'\\0073'"],
  ['unicode-escape', 'sqlite', 'SELECT u&"\\0073alary" FROM t'],
  ['bracket-identifier', 'sqlite', 'SELECT [salary] FROM employees'],
  ['bracket-identifier', 'sqlite', "SELECT a['], b, '] --'\nFROM t"],
  ['string-prefix', 'sqlite', "SELECT b'01'"],
  ['string-prefix', 'sqlite', "SELECT E'x'"],
  ['string-prefix', 'sqlite', "SELECT N'x'"],
  ['string-prefix', 'sqlite', "SELECT _utf8'x'"],
  ['non-ascii-space', 'sqlite', 'SELECT\u00a01'],
  ['non-ascii-space', 'sqlite', 'SELECT a FROM t WHERE\u2028b = 1'],
  ['non-ascii-space', 'postgres', '\ufeffSELECT 1'],
  ['executable-comment', 'mysql', 'SELECT 1 /*M!100000 , salary */'],
  ['nested-comment', 'mysql', 'SELECT first_name /* /* */ , salary -- */ FROM employees'],
  ['dash-comment', 'mysql', 'SELECT id--1\n, salary FROM employees'],
  ['dash-comment', 'mysql', "SELECT 1--'\n, salary FROM employees -- '"],
  ['double-quote', 'mysql', 'SELECT "salary" FROM employees'],
  ['escape-string', 'postgres', "SELECT E'\\x27' FROM t"],
  ['escape-string', 'postgres', "SELECT e'plain'"],
];

describe('pre-lex rules', () => {
  it.each(RULES)('%s (%s): %j', (rule, dialect, sql) => {
    expect(ruleOf(sql, dialect)).toBe(rule);
  });

  it('covers every rule the module defines', () => {
    // The rule names are the string literals passed to invalid(…) in prelex.ts.
    const src = readFileSync(new URL('../../src/main/guard/prelex.ts', import.meta.url), 'utf8');
    const defined = new Set([...src.matchAll(/^\s+'([a-z-]+)',?\s*\)?[,;]?$/gm), ...src.matchAll(/, '([a-z-]+)'\)/g)].map((m) => m[1]!));
    defined.delete('sqlite');
    defined.delete('postgres');
    defined.delete('mysql');
    expect(defined.size).toBeGreaterThan(10);
    for (const r of defined) expect(RULES.map(([x]) => x), `rule ${r} has no test`).toContain(r);
  });
});

describe('legitimate SQL passes pre-lex unchanged', () => {
  const OK: [name: string, dialect: Dialect, sql: string, out?: string][] = [
    ['plain select', 'sqlite', 'SELECT id FROM orders'],
    ['trailing semicolon and comment are dropped', 'sqlite', 'SELECT 1; -- done', 'SELECT 1'],
    ['leading comments are kept', 'sqlite', '/* why */ -- note\nSELECT 1', '/* why */ -- note\nSELECT 1'],
    ['comment holding quotes and semicolons', 'sqlite', "SELECT 1 -- it's; \"odd\" [x] #y $$\n", 'SELECT 1'],
    ['block comment holding rule characters', 'sqlite', "SELECT /* ' \" ; # $$ [ \\' */ 1"],
    ['string holding comment markers and semicolons', 'sqlite', "SELECT '-- not; /* a */ comment #1 $$'"],
    ['doubled quote inside a string', 'sqlite', "SELECT 'it''s'"],
    ['backslash not before a quote', 'sqlite', "SELECT 'C:\\temp\\file'"],
    ['quoted identifiers with doubled quotes', 'sqlite', 'SELECT "we""ird", `back``tick` FROM "my table"'],
    ['non-ASCII letters in names and strings', 'sqlite', "SELECT 'café\u00a0ok', prénom FROM t"],
    ['blob literal', 'sqlite', "SELECT x'4142', X'43'"],
    ['keyword directly before a string', 'sqlite', "SELECT 1 WHERE a LIKE'x%'"],
    ['positional and named parameters', 'sqlite', 'SELECT ?, :name, @other, $third FROM t WHERE a = ?'],
    ['dollar inside a name', 'sqlite', 'SELECT a$b FROM t'],
    ['MySQL backslash-free string', 'mysql', "SELECT 'plain' FROM t -- c", "SELECT 'plain' FROM t"],
    ['PostgreSQL # operator', 'postgres', 'SELECT 5 # 3'],
    ['PostgreSQL positional parameter', 'postgres', 'SELECT $1::int'],
    ['MySQL -- comment before a space, a tab or the end', 'mysql', 'SELECT 1 -- c\n, 2 --\t\n, 3 --', 'SELECT 1 -- c\n, 2 --\t\n, 3'],
    ['MySQL prefixed strings and hex', 'mysql', "SELECT _utf8mb4'x', N'y', X'41', 0x41 FROM t"],
    ['PostgreSQL word ending in e before a string', 'postgres', "SELECT 1 WHERE a LIKE 'x%'"],
    ['tabs, newlines, form feeds', 'sqlite', 'SELECT\t1\r\n,\f2'],
  ];
  it.each(OK)('%s', (_name, dialect, sql, out) => {
    expect(prelex(sql, dialect)).toBe(out ?? sql);
  });
});
