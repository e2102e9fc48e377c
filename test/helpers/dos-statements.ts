/**
 * The worst statements we know for the guard's parser, by family, for the parse-DoS tests and
 * `npm run bench:guard`. node-sql-parser's grammars backtrack without memoising: nesting
 * (CAST, TRIM, EXISTS, IN subqueries, window calls, unclosed parentheses) costs time
 * exponential in depth, and long lists cost far more per token than one would think. Each
 * statement reads `employees.id` of the demo schema where it reads anything.
 */
import type { Dialect } from '../../src/main/guard/dialect';
import { PRELEX_LIMITS } from '../../src/main/guard/prelex-limits';

export interface DosStatement {
  family: string;
  sql: string;
  /** Pre-lex rules that may refuse it (the first limit reached wins), or null: within the limits. */
  rules: string[] | null;
}

const nest = (open: string, inner: string, close: string, n: number) =>
  open.repeat(n) + inner + close.repeat(n);
const list = (n: number, f: (i: number) => string, sep: string) =>
  Array.from({ length: n }, (_, i) => f(i)).join(sep);

/** Statements the pre-lex layer refuses before any parser sees them. */
export function refusedStatements(dialect: Dialect): DosStatement[] {
  const castType = dialect === 'mysql' ? 'SIGNED' : 'INT';
  const str = (s: string) => `'${s}'`;
  const r = (family: string, sql: string, ...rules: string[]): DosStatement => ({
    family,
    sql,
    rules,
  });
  return [
    r(
      'issue: CAST((, unclosed',
      'SELECT CAST((CAST((CAST((CAST((CAST((1',
      'call-depth',
      'unbalanced-parentheses',
    ),
    r('18 unclosed (', `SELECT ${'('.repeat(18)}1`, 'unbalanced-parentheses'),
    r(
      '40 unclosed ( around a call',
      `SELECT ${'('.repeat(40)}abs(1`,
      'nesting-depth',
      'unbalanced-parentheses',
    ),
    r('unclosed calls', `SELECT ${'abs('.repeat(6)}1`, 'unbalanced-parentheses'),
    r(
      'unclosed subquery',
      'SELECT id FROM employees WHERE id IN (SELECT id FROM employees',
      'unbalanced-parentheses',
    ),
    r('extra )', 'SELECT (id)) FROM employees', 'unbalanced-parentheses'),
    r('33 nested (', `SELECT ${nest('(', 'id', ')', 33)} FROM employees`, 'nesting-depth'),
    r('1,000 nested (', `SELECT ${nest('(', 'id', ')', 1000)} FROM employees`, 'nesting-depth'),
    r('nested -(', `SELECT ${nest('-(', 'id', ')', 40)} FROM employees`, 'nesting-depth'),
    r(
      'nested CAST',
      `SELECT ${nest('CAST(', 'id', ` AS ${castType})`, 4)} FROM employees`,
      'call-depth',
    ),
    r(
      'nested CAST((',
      `SELECT ${nest('CAST((', 'id', `) AS ${castType})`, 8)} FROM employees`,
      'call-depth',
    ),
    r('nested TRIM', `SELECT ${nest('TRIM(', str('x'), ')', 4)}`, 'call-depth'),
    r(
      'CAST around TRIM',
      `SELECT ${nest('CAST(TRIM(', str('1'), `) AS ${castType})`, 2)}`,
      'call-depth',
    ),
    r('nested EXISTS', `SELECT ${nest('EXISTS (SELECT ', '1', ')', 4)}`, 'call-depth'),
    r(
      'nested IN subqueries',
      `SELECT id FROM employees WHERE ${nest('id IN (SELECT ', 'id', ' FROM employees)', 4)}`,
      'call-depth',
    ),
    r('nested scalar subqueries', `SELECT ${nest('(SELECT ', '1', ')', 7)}`, 'call-depth'),
    r(
      'nested window calls',
      `SELECT ${nest('sum(', 'id', ') OVER (PARTITION BY id)', 7)} FROM employees`,
      'call-depth',
    ),
    r('nested functions', `SELECT ${nest('abs(', 'id', ')', 12)} FROM employees`, 'call-depth'),
    r(
      'CASE inside calls',
      `SELECT ${nest('COALESCE(CASE WHEN id = 1 THEN ', 'id', ' END, 0)', 7)} FROM employees`,
      'call-depth',
    ),
    r(
      'IN list of 3,000',
      `SELECT id FROM employees WHERE id IN (${list(3000, (i) => String(i), ',')})`,
      'tokens',
    ),
    r(
      'IN list of 30,000',
      `SELECT id FROM employees WHERE id IN (${list(30_000, (i) => String(i), ',')})`,
      'statement-length',
    ),
    r(
      '2,000 ANDs',
      `SELECT id FROM employees WHERE ${list(2000, () => 'id = 1', ' AND ')}`,
      'tokens',
    ),
    r('3,000 columns', `SELECT ${list(3000, () => 'id', ', ')} FROM employees`, 'tokens'),
    r(
      'CASE with 2,000 arms',
      `SELECT CASE ${list(2000, (i) => `WHEN id = ${i} THEN ${i}`, ' ')} END FROM employees`,
      'tokens',
    ),
    r(
      '101 UNIONs',
      list(PRELEX_LIMITS.setArms + 1, () => 'SELECT id FROM employees', ' UNION '),
      'set-operations',
    ),
    r(
      '1,000 UNION ALLs',
      list(1000, (i) => `SELECT ${i}`, ' UNION ALL '),
      'set-operations',
    ),
    r('200 KB literal', `SELECT ${str('x'.repeat(200_000))}`, 'statement-length'),
  ];
}

/**
 * Statements within the limits that still cost the grammars the most we found (at the limits,
 * and the worst of random nestings under them): judged, or refused at the deadline.
 */
export function heavyStatements(dialect: Dialect): DosStatement[] {
  const failingType = dialect === 'mysql' ? 'REAL' : 'BINARY';
  const h = (family: string, sql: string): DosStatement => ({ family, sql, rules: null });
  return [
    h(
      '3 nested CASTs the grammar cannot read',
      `SELECT ${nest('CAST(', 'id', ` AS ${failingType})`, 3)} FROM employees`,
    ),
    h('1,200 ANDs', `SELECT id FROM employees WHERE ${list(1200, () => 'id = 1', ' AND ')}`),
    h(
      'IN list of 2,400',
      `SELECT id FROM employees WHERE id IN (${list(2400, (i) => String(i), ',')})`,
    ),
    h(
      '100 UNIONs',
      list(PRELEX_LIMITS.setArms, (i) => `SELECT id FROM employees WHERE id = ${i}`, ' UNION '),
    ),
    h(
      '400 joins',
      `SELECT e0.id FROM employees e0 ${list(400, (i) => `JOIN employees e${i + 1} ON e${i + 1}.id = e${i}.id`, ' ')}`,
    ),
    h(
      'grouping around a CAST the grammar cannot read',
      `SELECT (((CASE WHEN id = 1 THEN count(DISTINCT (CAST(GROUP_CONCAT(id SEPARATOR ',') AS ${failingType}))) END))) FROM employees`,
    ),
    h('32 nested (', `SELECT ${nest('(', 'id', ')', 32)} FROM employees`),
    h('99 KB literal', `SELECT '${'x'.repeat(99_000)}'`),
  ];
}
