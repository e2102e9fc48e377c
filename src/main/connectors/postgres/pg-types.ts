/**
 * PostgreSQL values as JSON that round-trips, with the column type an agent can rely on:
 *
 *   smallint, integer               → number                       'integer'
 *   bigint                          → number, or string beyond 2^53 'bigint'
 *   numeric, money                  → string (exact)               'decimal'
 *   real, double precision          → number ('NaN'/'Infinity' as strings) 'real'
 *   boolean                         → true / false                 'boolean'
 *   date                            → 'YYYY-MM-DD'                 'date'
 *   timestamp                       → 'YYYY-MM-DDTHH:MM:SS[.ffffff]'  'timestamp'
 *   timestamptz                     → '…Z' (the session runs in UTC) 'timestamp'
 *   time, timetz, interval          → string as the server prints it 'time' / 'interval'
 *   bytea                           → base64                       'binary'
 *   json, jsonb                     → the parsed JSON value        'json'
 *   arrays of any of these          → JSON arrays of the same      '<element type>[]'
 *   uuid, text, varchar, enums, …   → string                       'uuid' / 'text'
 *
 * The driver hands every value over as text (our type parsers replace pg's), so nothing is
 * lost in a JavaScript Date or float on the way.
 */
import { parseArrayLiteral } from './pg-array';

type Parser = (text: string) => unknown;

const ident: Parser = (t) => t;
const int: Parser = (t) => Number(t);
const bigint: Parser = (t) => {
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : t;
};
const float: Parser = (t) => {
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
};
const bool: Parser = (t) => t === 't' || t === 'true';
/** '2024-01-02 03:04:05.123456' → '2024-01-02T03:04:05.123456'; '…+00' → '…Z'. */
const timestamp: Parser = (t) => {
  if (!/^\d{4,}-\d\d-\d\d \d/.test(t)) return t; // infinity, BC dates: as printed
  const iso = t.replace(' ', 'T');
  return iso.endsWith('+00') ? `${iso.slice(0, -3)}Z` : iso;
};
const bytea: Parser = (t) =>
  t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex').toString('base64') : t;
const json: Parser = (t) => JSON.parse(t) as unknown;

interface TypeInfo {
  type: string;
  parse: Parser;
}

/** Built-in scalar types by OID. */
const SCALARS: Record<number, TypeInfo> = {
  16: { type: 'boolean', parse: bool },
  17: { type: 'binary', parse: bytea },
  18: { type: 'text', parse: ident },
  19: { type: 'text', parse: ident },
  20: { type: 'bigint', parse: bigint },
  21: { type: 'integer', parse: int },
  23: { type: 'integer', parse: int },
  25: { type: 'text', parse: ident },
  26: { type: 'integer', parse: int },
  114: { type: 'json', parse: json },
  700: { type: 'real', parse: float },
  701: { type: 'real', parse: float },
  790: { type: 'decimal', parse: ident },
  1042: { type: 'text', parse: ident },
  1043: { type: 'text', parse: ident },
  1082: { type: 'date', parse: ident },
  1083: { type: 'time', parse: ident },
  1114: { type: 'timestamp', parse: timestamp },
  1184: { type: 'timestamp', parse: timestamp },
  1186: { type: 'interval', parse: ident },
  1266: { type: 'time', parse: ident },
  1700: { type: 'decimal', parse: ident },
  2950: { type: 'uuid', parse: ident },
  3802: { type: 'json', parse: json },
};

/** Array OID → element OID for the built-in types above. */
const ARRAYS: Record<number, number> = {
  1000: 16,
  1001: 17,
  1002: 18,
  1003: 19,
  1016: 20,
  1005: 21,
  1007: 23,
  1009: 25,
  1028: 26,
  199: 114,
  1021: 700,
  1022: 701,
  791: 790,
  1014: 1042,
  1015: 1043,
  1182: 1082,
  1183: 1083,
  1115: 1114,
  1185: 1184,
  1187: 1186,
  1270: 1266,
  1231: 1700,
  2951: 2950,
  3807: 3802,
};

const TEXT: TypeInfo = { type: 'text', parse: ident };

export function typeInfo(oid: number): TypeInfo {
  const scalar = SCALARS[oid];
  if (scalar) return scalar;
  const element = ARRAYS[oid];
  if (element !== undefined) {
    const e = SCALARS[element]!;
    return { type: `${e.type}[]`, parse: (t) => parseArrayLiteral(t, e.parse) };
  }
  // Enums, domains, ranges, geometry, …: the server's text form.
  return TEXT;
}

/** What pg's `types` option expects: every value is parsed by our table, from text. */
export const PG_TYPES = {
  getTypeParser: (oid: number) => typeInfo(oid).parse,
};

/** The session settings the parsers above rely on (sent in the startup packet). */
export const SESSION_OPTIONS = [
  'TimeZone=UTC',
  'DateStyle=ISO,YMD',
  'IntervalStyle=iso_8601',
  'bytea_output=hex',
  'extra_float_digits=1',
  // Backslashes in '…' are plain characters, as the guard's lexer assumes.
  'standard_conforming_strings=on',
  'client_encoding=UTF8',
]
  .map((o) => `-c ${o}`)
  .join(' ');
