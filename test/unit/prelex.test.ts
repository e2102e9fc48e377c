/**
 * Layer 1 of the guard on its own: each pre-lex rule fires with its name in details.rule, and
 * legitimate SQL — comments, strings and quoted identifiers holding the very characters the
 * rules look for — passes untouched.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/main/guard/dialect';
import { prelex } from '../../src/main/guard/prelex';
import { PRELEX_LIMITS } from '../../src/main/guard/prelex-limits';
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
  ['statement-length', 'sqlite', `SELECT '${'x'.repeat(PRELEX_LIMITS.length)}'`],
  [
    'tokens',
    'sqlite',
    `SELECT a FROM t WHERE a IN (${Array.from({ length: 2600 }, (_, i) => i).join(',')})`,
  ],
  ['nesting-depth', 'sqlite', `SELECT ${'('.repeat(33)}1${')'.repeat(33)}`],
  ['call-depth', 'mysql', `SELECT ${'CAST('.repeat(4)}1${' AS SIGNED)'.repeat(4)}`],
  ['set-operations', 'sqlite', Array.from({ length: 101 }, () => 'SELECT 1').join(' UNION ')],
  ['unbalanced-parentheses', 'postgres', `SELECT ${'('.repeat(18)}1`],
];

describe('pre-lex rules', () => {
  it.each(RULES)('%s (%s): %j', (rule, dialect, sql) => {
    expect(ruleOf(sql, dialect)).toBe(rule);
  });

  it('covers every rule the module defines', () => {
    // The rule names are the string literals passed to invalid(…) in prelex.ts.
    const src = ['prelex.ts', 'prelex-limits.ts']
      .map((f) => readFileSync(new URL(`../../src/main/guard/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const defined = new Set(
      [...src.matchAll(/^\s+'([a-z-]+)',?\s*\)?[,;]?$/gm), ...src.matchAll(/, '([a-z-]+)'\)/g)].map(
        (m) => m[1]!,
      ),
    );
    defined.delete('sqlite');
    defined.delete('postgres');
    defined.delete('mysql');
    expect(defined.size).toBeGreaterThan(10);
    for (const r of defined)
      expect(
        RULES.map(([x]) => x),
        `rule ${r} has no test`,
      ).toContain(r);
  });
});

describe('legitimate SQL passes pre-lex unchanged', () => {
  const OK: [name: string, dialect: Dialect, sql: string, out?: string][] = [
    ['plain select', 'sqlite', 'SELECT id FROM orders'],
    ['trailing semicolon and comment are dropped', 'sqlite', 'SELECT 1; -- done', 'SELECT 1'],
    [
      'leading comments are kept',
      'sqlite',
      '/* why */ -- note\nSELECT 1',
      '/* why */ -- note\nSELECT 1',
    ],
    [
      'comment holding quotes and semicolons',
      'sqlite',
      'SELECT 1 -- it\'s; "odd" [x] #y $$\n',
      'SELECT 1',
    ],
    ['block comment holding rule characters', 'sqlite', "SELECT /* ' \" ; # $$ [ \\' */ 1"],
    [
      'string holding comment markers and semicolons',
      'sqlite',
      "SELECT '-- not; /* a */ comment #1 $$'",
    ],
    ['doubled quote inside a string', 'sqlite', "SELECT 'it''s'"],
    ['backslash not before a quote', 'sqlite', "SELECT 'C:\\temp\\file'"],
    [
      'quoted identifiers with doubled quotes',
      'sqlite',
      'SELECT "we""ird", `back``tick` FROM "my table"',
    ],
    ['non-ASCII letters in names and strings', 'sqlite', "SELECT 'café\u00a0ok', prénom FROM t"],
    ['blob literal', 'sqlite', "SELECT x'4142', X'43'"],
    ['keyword directly before a string', 'sqlite', "SELECT 1 WHERE a LIKE'x%'"],
    [
      'positional and named parameters',
      'sqlite',
      'SELECT ?, :name, @other, $third FROM t WHERE a = ?',
    ],
    ['dollar inside a name', 'sqlite', 'SELECT a$b FROM t'],
    ['MySQL backslash-free string', 'mysql', "SELECT 'plain' FROM t -- c", "SELECT 'plain' FROM t"],
    ['PostgreSQL # operator', 'postgres', 'SELECT 5 # 3'],
    ['PostgreSQL positional parameter', 'postgres', 'SELECT $1::int'],
    [
      'MySQL -- comment before a space, a tab or the end',
      'mysql',
      'SELECT 1 -- c\n, 2 --\t\n, 3 --',
      'SELECT 1 -- c\n, 2 --\t\n, 3',
    ],
    ['MySQL prefixed strings and hex', 'mysql', "SELECT _utf8mb4'x', N'y', X'41', 0x41 FROM t"],
    ['PostgreSQL word ending in e before a string', 'postgres', "SELECT 1 WHERE a LIKE 'x%'"],
    ['tabs, newlines, form feeds', 'sqlite', 'SELECT\t1\r\n,\f2'],
  ];
  it.each(OK)('%s', (_name, dialect, sql, out) => {
    expect(prelex(sql, dialect)).toBe(out ?? sql);
  });
});

/** The size and shape limits: each worst-case family is refused before any parser sees it. */
describe('pre-lex limits', () => {
  const DIALECTS: Dialect[] = ['sqlite', 'postgres', 'mysql'];
  const nest = (open: string, inner: string, close: string, n: number) =>
    open.repeat(n) + inner + close.repeat(n);
  const list = (n: number, f: (i: number) => string, sep: string) =>
    Array.from({ length: n }, (_, i) => f(i)).join(sep);

  function refusal(sql: string, dialect: Dialect): AirlockError {
    try {
      prelex(sql, dialect);
    } catch (e) {
      expect(e).toBeInstanceOf(AirlockError);
      return e as AirlockError;
    }
    throw new Error(`pre-lex accepted: ${sql.slice(0, 120)}`);
  }

  const LIMITED: [limit: string, name: string, sql: string][] = [
    ['statement-length', 'a long string literal', `SELECT '${'x'.repeat(PRELEX_LIMITS.length)}'`],
    ['statement-length', 'padding with spaces', `SELECT 1${' '.repeat(PRELEX_LIMITS.length)}`],
    [
      'statement-length',
      'padding in a comment',
      `SELECT 1 /* ${'c'.repeat(PRELEX_LIMITS.length)} */`,
    ],
    [
      'tokens',
      'a long IN list',
      `SELECT a FROM t WHERE a IN (${list(2600, (i) => String(i), ', ')})`,
    ],
    [
      'tokens',
      'a long IN list of strings',
      `SELECT a FROM t WHERE b IN (${list(2600, (i) => `'v${i}'`, ',')})`,
    ],
    [
      'tokens',
      'a long chain of ANDs',
      `SELECT a FROM t WHERE ${list(1300, () => 'a = 1', ' AND ')}`,
    ],
    [
      'tokens',
      'a long chain of ORs',
      `SELECT a FROM t WHERE ${list(1300, (i) => `a = ${i}`, ' OR ')}`,
    ],
    ['tokens', 'a long sum', `SELECT ${list(2600, () => 'a', ' + ')} FROM t`],
    ['tokens', 'many columns', `SELECT ${list(2600, () => 'a', ', ')} FROM t`],
    [
      'tokens',
      'a long CASE',
      `SELECT CASE ${list(1300, (i) => `WHEN a = ${i} THEN ${i}`, ' ')} END FROM t`,
    ],
    ['tokens', 'many VALUES rows', `SELECT * FROM (VALUES ${list(1700, (i) => `(${i})`, ', ')}) v`],
    [
      'tokens',
      'a long join chain',
      `SELECT t0.a FROM t t0 ${list(500, (i) => `JOIN t t${i + 1} ON t${i + 1}.a = t${i}.a`, ' ')}`,
    ],
    ['nesting-depth', 'plain parentheses', `SELECT ${nest('(', '1', ')', 33)}`],
    ['nesting-depth', 'negations', `SELECT ${nest('-(', '1', ')', 33)}`],
    ['nesting-depth', 'NOT groups', `SELECT 1 WHERE ${nest('NOT (', '1 = 1', ')', 33)}`],
    ['nesting-depth', 'arithmetic', `SELECT ${nest('(1 + ', '1', ')', 33)}`],
    ['nesting-depth', 'derived tables', `SELECT * FROM ${nest('(SELECT * FROM ', 't', ') x', 33)}`],
    ['call-depth', 'nested CAST', `SELECT ${nest('CAST(', '1', ' AS SIGNED)', 4)}`],
    ['call-depth', 'nested CAST with parentheses', `SELECT ${nest('CAST((', '1', ') AS INT)', 4)}`],
    ['call-depth', 'the issue: CAST((, unclosed', 'SELECT CAST((CAST((CAST((CAST((CAST((1'],
    ['call-depth', 'nested TRY_CAST', `SELECT ${nest('TRY_CAST(', '1', ' AS INT)', 4)}`],
    ['call-depth', 'nested CONVERT', `SELECT ${nest('CONVERT(', '1', ', SIGNED)', 4)}`],
    ['call-depth', 'nested TRIM', `SELECT ${nest('TRIM(', 'b', ')', 4)}`],
    ['call-depth', 'CAST around TRIM', `SELECT ${nest('CAST(TRIM(', 'b', ') AS CHAR)', 2)}`],
    ['call-depth', 'nested functions', `SELECT ${nest('abs(', '1', ')', 7)}`],
    ['call-depth', 'nested COALESCE', `SELECT ${nest('COALESCE(', 'a', ', 0)', 7)}`],
    ['call-depth', 'nested lower-case calls', `SELECT ${nest('round(', '1', ', 2)', 7)}`],
    [
      'call-depth',
      'nested window calls',
      `SELECT ${nest('sum(', 'a', ') OVER (PARTITION BY a)', 7)} FROM t`,
    ],
    ['call-depth', 'nested EXISTS', `SELECT ${nest('EXISTS (SELECT ', '1', ')', 4)}`],
    [
      'call-depth',
      'nested IN subqueries',
      `SELECT a FROM t WHERE ${nest('a IN (SELECT ', 'a', ' FROM t)', 4)}`,
    ],
    ['call-depth', 'nested scalar subqueries', `SELECT ${nest('(SELECT ', '1', ')', 7)}`],
    ['call-depth', 'calls inside plain parentheses', `SELECT ${nest('((abs(', '1', ')))', 7)}`],
    ['call-depth', 'mixed calls', `SELECT ${nest('upper(lower(', 'b', '))', 4)}`],
    ['set-operations', 'UNION', list(PRELEX_LIMITS.setArms + 1, () => 'SELECT 1', ' UNION ')],
    [
      'set-operations',
      'UNION ALL',
      list(PRELEX_LIMITS.setArms + 1, (i) => `SELECT ${i}`, ' UNION ALL '),
    ],
    [
      'set-operations',
      'INTERSECT and EXCEPT',
      list(PRELEX_LIMITS.setArms + 1, () => 'SELECT 1', ' INTERSECT SELECT 2 EXCEPT '),
    ],
    [
      'set-operations',
      'UNION in subqueries',
      `SELECT * FROM (${list(60, () => 'SELECT 1', ' UNION ')}) a, (${list(60, () => 'SELECT 1', ' union ')}) b`,
    ],
    ['unbalanced-parentheses', 'unclosed parentheses', `SELECT ${'('.repeat(18)}1`],
    ['unbalanced-parentheses', 'unclosed calls', `SELECT abs(abs(1)`],
    ['unbalanced-parentheses', 'an extra closing parenthesis', 'SELECT (1))'],
    ['unbalanced-parentheses', 'closing before opening', 'SELECT )1('],
    ['unbalanced-parentheses', 'unclosed subquery', 'SELECT * FROM t WHERE a IN (SELECT a FROM t'],
    ['unbalanced-parentheses', 'a parenthesis hidden in a comment', 'SELECT (1 -- )\n'],
    ['unbalanced-parentheses', 'a parenthesis hidden in a string', "SELECT (')'"],
  ];
  const cases = DIALECTS.flatMap((d) =>
    LIMITED.map(([limit, name, sql]) => [limit, d, name, sql] as const),
  );

  it.each(cases)('%s (%s): %s', (limit, dialect, _name, sql) => {
    const e = refusal(sql, dialect);
    expect(e.code).toBe('INVALID_SQL');
    expect(e.details.layer).toBe('pre-lex');
    expect(e.details.rule).toBe(limit);
    if (limit !== 'unbalanced-parentheses') {
      // The error names the limit and its value, so the agent knows what to change.
      expect(e.details.limit).toBe(limit);
      const max =
        PRELEX_LIMITS[
          (
            {
              'statement-length': 'length',
              tokens: 'tokens',
              'nesting-depth': 'depth',
              'call-depth': 'callDepth',
              'set-operations': 'setArms',
            } as const
          )[limit as 'tokens']
        ];
      expect(e.details.max).toBe(max);
      expect(e.message).toContain(`${limit} = ${max}`);
    }
  });

  it('refuses in time linear in the text: the worst statements take milliseconds', () => {
    const worst = cases.map(([, d, , sql]) => [d, sql] as const);
    const started = performance.now();
    for (const [d, sql] of worst) expect(() => prelex(sql, d)).toThrow(AirlockError);
    // Generous: pre-lex is a single pass; the parsers took seconds on some of these.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  const WITHIN: [name: string, sql: string][] = [
    ['parentheses at the depth limit', `SELECT ${nest('(', '1', ')', PRELEX_LIMITS.depth)}`],
    [
      'an everyday expression six calls deep',
      "SELECT ROUND(AVG(COALESCE(CAST(NULLIF(b, '') AS REAL), 0)), 2) FROM t",
    ],
    ['three nested CASTs', 'SELECT CAST(CAST(CAST(a AS TEXT) AS INT) AS TEXT) FROM t'],
    [
      'subqueries in IN, three deep',
      `SELECT a FROM t WHERE ${nest('a IN (SELECT ', 'a', ' FROM t)', 3)}`,
    ],
    ['derived tables, many deep', `SELECT * FROM ${nest('(SELECT * FROM ', 't', ') x', 20)}`],
    [
      'sibling calls do not add up',
      `SELECT ${list(200, () => 'CAST(CAST(a AS TEXT) AS INT)', ', ')} FROM t`,
    ],
    [
      'grouping after keywords',
      `SELECT a FROM t WHERE ${nest('(a = 1 AND (', 'b = 2', ') OR a = 3)', 10)}`,
    ],
    [
      'UNION arms at the limit',
      list(PRELEX_LIMITS.setArms, () => 'SELECT a FROM t', ' UNION ALL '),
    ],
    [
      'an IN list just under the token limit',
      `SELECT a FROM t WHERE a IN (${list(2400, (i) => String(i), ',')})`,
    ],
    [
      'parentheses and set operators inside strings, names and comments',
      `SELECT '((((( UNION', "a(" FROM t -- ) UNION (\n/* ((( */`,
    ],
    ['a long string within the length limit', `SELECT '${'x'.repeat(PRELEX_LIMITS.length - 20)}'`],
  ];
  it.each(DIALECTS.flatMap((d) => WITHIN.map(([name, sql]) => [d, name, sql] as const)))(
    '%s: %s passes',
    (dialect, _name, sql) => {
      // MySQL reads double quotes as strings; that rule is not what this checks.
      const text = dialect === 'mysql' ? sql.replace('"a("', '`a(`') : sql;
      expect(() => prelex(text, dialect)).not.toThrow();
    },
  );
});
