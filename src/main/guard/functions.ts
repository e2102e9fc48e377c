import type { Dialect } from './dialect';

/**
 * Functions an agent's statement may call, per dialect. Anything else — file, network,
 * extension loading, sleep, configuration, locks, large blobs — is refused by name.
 */
const COMMON = [
  // aggregates
  'count', 'sum', 'avg', 'min', 'max', 'total', 'group_concat', 'string_agg',
  // window functions
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value',
  // scalar
  'abs', 'coalesce', 'ifnull', 'nullif', 'iif', 'length', 'lower', 'upper', 'substr',
  'substring', 'trim', 'ltrim', 'rtrim', 'replace', 'instr', 'round', 'sign', 'ceil', 'ceiling',
  'floor', 'trunc', 'mod', 'power', 'pow', 'sqrt', 'exp', 'ln', 'log', 'log10', 'log2', 'pi',
  'char', 'unicode', 'hex', 'quote', 'typeof', 'like', 'glob', 'printf', 'format', 'concat',
  'concat_ws', 'octet_length', 'random', 'likely', 'unlikely', 'likelihood',
  // dates
  'date', 'time', 'datetime', 'julianday', 'strftime', 'unixepoch', 'timediff',
];

const SQLITE_ONLY = [
  'json', 'json_extract', 'json_array', 'json_object', 'json_array_length', 'json_type',
  'json_valid', 'json_quote', 'json_group_array', 'json_group_object',
];

export const FUNCTION_ALLOWLIST: Record<Dialect, ReadonlySet<string>> = {
  sqlite: new Set([...COMMON, ...SQLITE_ONLY]),
  postgres: new Set(COMMON),
  mysql: new Set(COMMON),
};

/**
 * How SQLite's EXPLAIN names the functions it will call (p4 of Function/AggStep opcodes),
 * for the engine-truth check. Includes internal names the planner substitutes.
 */
export const SQLITE_ENGINE_FUNCTION_EXTRAS: ReadonlySet<string> = new Set([
  'count', // count(*) appears as count(0)
]);
