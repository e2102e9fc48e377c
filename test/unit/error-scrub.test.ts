/**
 * Engine error messages without the data in them, by engine and class: the messages the
 * servers really produce (PostgreSQL 15, MariaDB 10.11, SQLite, MongoDB), each with a value
 * taken from a row in it. The value goes; the code, the message's sense, the names the
 * statement wrote and constraint names stay.
 */
import { describe, expect, it } from 'vitest';
import { queryFailure } from '../../src/main/connectors/mongodb/mongo-errors';
import { mysqlMessage, mysqlQueryError } from '../../src/main/connectors/mysql/mysql-errors';
import { pgMessage, pgQueryError } from '../../src/main/connectors/postgres/pg-errors';
import { sqliteMessage } from '../../src/main/connectors/sqlite/sqlite-errors';

const SECRET = 'SSN-078-05-1120';
const NUMBER = '987654321';

describe('PostgreSQL', () => {
  const hides: [code: string, message: string][] = [
    ['22P02', `invalid input syntax for type integer: "${SECRET}"`],
    ['22P02', `invalid input syntax for type numeric: "${SECRET}"`],
    ['22P02', `invalid input syntax for type boolean: "${SECRET}"`],
    ['22P02', `invalid input syntax for type uuid: "${SECRET}"`],
    ['22P02', `invalid input value for enum mood: "${SECRET}"`],
    ['22P02', `malformed array literal: "{${SECRET}}"`],
    ['22P02', `invalid input syntax for type json: "${SECRET}"`],
    ['22007', `invalid input syntax for type date: "${SECRET}"`],
    ['22007', `invalid value "${SECRET.slice(0, 4)}" for "YYYY"`],
    ['22008', `date/time field value out of range: "${SECRET}"`],
    ['22008', `date field value out of range: ${NUMBER}-01-01`],
    ['22008', `time field value out of range: ${NUMBER}:00:00`],
    ['22003', `value "${NUMBER}1" is out of range for type integer`],
    ['22023', `requested character too large for encoding: ${NUMBER}`],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x9f8e'],
    ['22023', `unrecognized format() type specifier "${SECRET}"`],
    ['22023', `time zone "${SECRET}" not recognized`],
    ['42P01', `relation "${SECRET}" does not exist`],
    ['42704', `type "${SECRET}" does not exist`],
    ['42704', `role "${SECRET}" does not exist`],
    ['3F000', `schema "${SECRET}" does not exist`],
    ['P0001', `raised by a function: ${SECRET}`],
    ['XX000', `internal error on "${SECRET}"`],
  ];
  it.each(hides)('%s hides the value: %s', (code, message) => {
    const out = pgMessage(code, message, 'SELECT national_id::int FROM employees');
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('SSN-');
    expect(out).not.toContain(NUMBER);
    expect(out).not.toContain('0x9f8e');
    expect(out.length).toBeGreaterThan(10);
  });

  it('keeps names the statement wrote and constraint names', () => {
    expect(pgMessage('42703', 'column "salry" does not exist', 'SELECT salry FROM t')).toBe(
      'column "salry" does not exist',
    );
    expect(pgMessage('42P01', 'relation "ordrs" does not exist', 'SELECT 1 FROM ordrs')).toBe(
      'relation "ordrs" does not exist',
    );
    expect(pgMessage('42883', 'operator does not exist: integer = text', 'SELECT 1 = $1')).toBe(
      'operator does not exist: integer = text',
    );
    expect(
      pgMessage(
        '23505',
        'duplicate key value violates unique constraint "employees_email_key"',
        '',
      ),
    ).toBe('duplicate key value violates unique constraint "employees_email_key"');
    expect(
      pgMessage(
        '23502',
        'null value in column "status" of relation "orders" violates not-null constraint',
        '',
      ),
    ).toBe('null value in column "status" of relation "orders" violates not-null constraint');
    expect(
      pgMessage(
        '23514',
        'new row for relation "orders" violates check constraint "total_positive"',
        '',
      ),
    ).toBe('new row for relation "orders" violates check constraint "total_positive"');
    expect(pgMessage('22001', 'value too long for type character varying(20)', '')).toBe(
      'value too long for type character varying(20)',
    );
    expect(pgMessage('22012', 'division by zero', '')).toBe('division by zero');
  });

  it('a name the statement spells only inside a string literal is not a name', () => {
    expect(
      pgMessage('42P01', `relation "${SECRET}" does not exist`, `SELECT '${SECRET}'::regclass`),
    ).not.toContain(SECRET);
    expect(
      pgMessage('42P01', `relation "${SECRET}" does not exist`, `SELECT $$${SECRET}$$::regclass`),
    ).not.toContain(SECRET);
  });

  it('keeps the code and drops DETAIL, HINT and WHERE', () => {
    const e = pgQueryError(
      {
        code: '23505',
        message: 'duplicate key value violates unique constraint "k"',
        detail: `Key (national_id)=(${SECRET}) already exists.`,
        hint: SECRET,
        where: SECRET,
      },
      5000,
      '',
    );
    expect(e.code).toBe('QUERY_FAILED');
    expect(e.details.sqlstate).toBe('23505');
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain(SECRET);
  });
});

describe('MySQL / MariaDB', () => {
  const hides: [errno: number, message: string][] = [
    [1292, `Truncated incorrect DECIMAL value: '${SECRET}'`],
    [1292, `Truncated incorrect DOUBLE value: '${SECRET}'`],
    [1292, `Truncated incorrect INTEGER value: '${SECRET}'`],
    [
      1292,
      `Incorrect date value: '${SECRET}' for column \`db\`.\`employees\`.\`hire_date\` at row 1`,
    ],
    [1292, `Incorrect datetime value: '${SECRET}'`],
    [
      1366,
      `Incorrect integer value: '${SECRET}' for column \`db\`.\`employees\`.\`salary\` at row 1`,
    ],
    [1366, `Incorrect decimal value: '${SECRET}' for column \`db\`.\`orders\`.\`total\` at row 1`],
    [1411, `Incorrect datetime value: '${SECRET}' for function str_to_date`],
    [1367, `Illegal double '${NUMBER}e999' value found during parsing`],
    [1690, `BIGINT UNSIGNED value is out of range in '${NUMBER} - 987654322'`],
    [1690, `DOUBLE value is out of range in 'exp(${NUMBER})'`],
    [1918, `Encountered illegal value '${SECRET}' when converting to DECIMAL`],
    [
      3140,
      `Invalid JSON text: "Invalid value." at position 0 in value for column 'e.doc': '${SECRET}'`,
    ],
    [1644, `SIGNAL from a trigger: ${SECRET}`],
  ];
  it.each(hides)('%s hides the value: %s', (errno, message) => {
    const out = mysqlMessage(errno, message);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(NUMBER);
    expect(out.length).toBeGreaterThan(10);
  });

  it('keeps column, key and constraint names, and name errors whole', () => {
    expect(
      mysqlMessage(
        1366,
        `Incorrect integer value: '${SECRET}' for column \`db\`.\`employees\`.\`salary\` at row 1`,
      ),
    ).toContain('`db`.`employees`.`salary` at row 1');
    expect(mysqlMessage(1406, "Data too long for column 'status' at row 1")).toBe(
      "Data too long for column 'status' at row 1",
    );
    expect(mysqlMessage(1048, "Column 'status' cannot be null")).toBe(
      "Column 'status' cannot be null",
    );
    expect(mysqlMessage(3819, "Check constraint 'total_positive' is violated.")).toBe(
      "Check constraint 'total_positive' is violated.",
    );
    expect(mysqlMessage(4025, 'CONSTRAINT `total_positive` failed for `db`.`orders`')).toBe(
      'CONSTRAINT `total_positive` failed for `db`.`orders`',
    );
    expect(mysqlMessage(1054, "Unknown column 'salry' in 'field list'")).toBe(
      "Unknown column 'salry' in 'field list'",
    );
    expect(
      mysqlMessage(
        1064,
        "You have an error in your SQL syntax; check the manual near 'FORM orders' at line 1",
      ),
    ).toContain("'FORM orders'");
    expect(mysqlMessage(1365, 'Division by 0')).toBe('Division by 0');
  });

  it('a duplicate entry keeps its key and loses its value', () => {
    const e = mysqlQueryError(
      { errno: 1062, sqlMessage: `Duplicate entry '${SECRET}' for key 'national_id'` },
      5000,
    );
    expect(e.message).toContain('national_id');
    expect(e.message).not.toContain(SECRET);
  });
});

describe('SQLite', () => {
  it.each([
    [`bad JSON path: '${SECRET}'`, `SELECT json_extract('{}', national_id) FROM employees`],
    [`bad JSON path: '${SECRET}'`, `SELECT json_extract('{}', '${SECRET}') FROM employees`],
    [`no such table: "${SECRET}"`, 'SELECT 1'],
  ])('hides a value it quotes: %s', (message, sql) => {
    expect(sqliteMessage(message, sql)).not.toContain(SECRET);
  });

  it('keeps constraint messages and names the statement wrote', () => {
    expect(
      sqliteMessage('UNIQUE constraint failed: employees.email', 'UPDATE employees SET email = 1'),
    ).toBe('UNIQUE constraint failed: employees.email');
    expect(sqliteMessage('no such column: salry', 'SELECT salry FROM employees')).toBe(
      'no such column: salry',
    );
    expect(sqliteMessage('near "FORM": syntax error', 'SELECT 1 FORM t')).toBe(
      'near "FORM": syntax error',
    );
  });
});

describe('MongoDB', () => {
  it('hides the value a failed conversion quotes', () => {
    const e = queryFailure(
      {
        name: 'MongoServerError',
        code: 241,
        message: `PlanExecutor error during aggregation :: caused by :: Failed to parse number '${SECRET}' in $convert with no onError value: Did not consume whole string.`,
      },
      5000,
      [],
    );
    expect(e.code).toBe('QUERY_FAILED');
    expect(e.message).not.toContain(SECRET);
    expect(e.message).toContain('Failed to parse number');
  });
});
