/**
 * MySQL/MariaDB values as JSON that round-trips, with their column types:
 *
 *   TINYINT…INT, YEAR           → number                            'integer'
 *   BIGINT                      → number, or string beyond 2^53      'bigint'
 *   DECIMAL                     → string (exact)                    'decimal'
 *   FLOAT, DOUBLE               → number                            'real'
 *   DATE                        → 'YYYY-MM-DD'                      'date'
 *   DATETIME                    → 'YYYY-MM-DDTHH:MM:SS[.ffffff]'     'timestamp'
 *   TIMESTAMP                   → the same with 'Z' (session in UTC) 'timestamp'
 *   TIME                        → 'HH:MM:SS'                        'time'
 *   JSON (MariaDB's too)        → the parsed JSON value             'json'
 *   BLOB, BINARY, BIT, GEOMETRY → base64                            'binary'
 *   CHAR, VARCHAR, TEXT, ENUM   → string                            'text'
 *
 * The driver is asked for dates and big numbers as strings (dateStrings, bigNumberStrings),
 * so no value passes through a JavaScript Date or a rounded float.
 */
import type { FieldPacket } from 'mysql2';

const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const BINARY_CHARSET = 63;

type Convert = (v: unknown) => unknown;

export interface MysqlColumn {
  name: string;
  type: string;
  convert: Convert;
}

const same: Convert = (v) => v;
const bigint: Convert = (v) => {
  if (typeof v !== 'string') return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
};
const toNumber: Convert = (v) => (typeof v === 'string' ? Number(v) : v);
const base64: Convert = (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v);
const datetime =
  (utc: boolean): Convert =>
  (v) => {
    if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\d \d/.test(v)) return v;
    return `${v.replace(' ', 'T')}${utc ? 'Z' : ''}`;
  };
const json: Convert = (v) => {
  if (typeof v === 'string') return JSON.parse(v) as unknown;
  if (Buffer.isBuffer(v)) return JSON.parse(v.toString('utf8')) as unknown;
  return v;
};
const text: Convert = (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v);

export function mysqlColumn(f: FieldPacket): MysqlColumn {
  const ext = (f as FieldPacket & { extendedFormat?: string }).extendedFormat;
  const binary = f.characterSet === BINARY_CHARSET;
  const col = (type: string, convert: Convert) => ({ name: f.name, type, convert });
  if (ext === 'json') return col('json', json);
  switch (f.columnType) {
    case T.TINY:
    case T.SHORT:
    case T.LONG:
    case T.INT24:
    case T.YEAR:
      return col('integer', toNumber);
    case T.LONGLONG:
      return col('bigint', bigint);
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return col('decimal', (v) => (typeof v === 'number' ? String(v) : v));
    case T.FLOAT:
    case T.DOUBLE:
      return col('real', toNumber);
    case T.DATE:
    case T.NEWDATE:
      return col('date', same);
    case T.DATETIME:
      return col('timestamp', datetime(false));
    case T.TIMESTAMP:
      return col('timestamp', datetime(true));
    case T.TIME:
      return col('time', same);
    case T.JSON:
      return col('json', json);
    case T.BIT:
    case T.GEOMETRY:
      return col('binary', base64);
    case T.NULL:
      return col('null', same);
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
    case T.VAR_STRING:
    case T.STRING:
    case T.VARCHAR:
      return binary ? col('binary', base64) : col('text', text);
    default:
      return col('text', (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v));
  }
}

export function convertRow(row: unknown[], cols: MysqlColumn[]): unknown[] {
  const out = new Array<unknown>(row.length);
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    out[i] = v === null || v === undefined ? null : cols[i]!.convert(v);
  }
  return out;
}
