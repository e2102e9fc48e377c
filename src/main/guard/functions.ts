import type { Dialect } from './dialect';

/**
 * Functions an agent's statement may call, per dialect. Anything else — file and program
 * access, large objects, network and federation (dblink, postgres_fdw), sleep and benchmark,
 * configuration (set_config, current_setting), locks (pg_advisory_*, GET_LOCK), sequences,
 * transaction ids, server information, query-running functions (query_to_xml, ts_stat) and
 * every user-defined function — is refused because it is not on the list.
 */
const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max'];
const WINDOWS = [
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value',
];
const SCALAR = [
  'abs', 'coalesce', 'nullif', 'length', 'lower', 'upper', 'substr', 'substring', 'trim', 'ltrim',
  'rtrim', 'replace', 'round', 'sign', 'ceil', 'ceiling', 'floor', 'mod', 'power', 'pow', 'sqrt',
  'exp', 'ln', 'log', 'log10', 'concat', 'concat_ws', 'octet_length', 'pi', 'random',
  // the SQL clock: some grammars read CURRENT_DATE and friends as calls
  'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp',
];

const SQLITE = [
  'total', 'group_concat', 'string_agg', 'ifnull', 'iif', 'instr', 'trunc', 'log2', 'char', 'unicode',
  'hex', 'quote', 'typeof', 'like', 'glob', 'printf', 'format', 'likely', 'unlikely', 'likelihood',
  'date', 'time', 'datetime', 'julianday', 'strftime', 'unixepoch', 'timediff',
  'json', 'json_extract', 'json_array', 'json_object', 'json_array_length', 'json_type',
  'json_valid', 'json_quote', 'json_group_array', 'json_group_object',
];

const POSTGRES = [
  // aggregates
  'string_agg', 'array_agg', 'bool_and', 'bool_or', 'every', 'stddev', 'stddev_pop', 'stddev_samp',
  'variance', 'var_pop', 'var_samp', 'corr', 'covar_pop', 'covar_samp', 'regr_slope', 'regr_intercept',
  'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg',
  // numbers
  'trunc', 'div', 'cbrt', 'degrees', 'radians', 'width_bucket', 'greatest', 'least', 'to_number',
  // text
  'char_length', 'character_length', 'bit_length', 'btrim', 'left', 'right', 'lpad', 'rpad', 'initcap',
  'split_part', 'strpos', 'position', 'reverse', 'translate', 'chr', 'ascii', 'to_hex', 'md5',
  'format', 'regexp_replace', 'regexp_match', 'starts_with', 'to_char', 'quote_literal', 'quote_ident',
  // dates and the clock
  'now', 'date_trunc', 'date_part', 'extract', 'age', 'to_date', 'to_timestamp', 'make_date',
  'make_timestamp', 'make_interval', 'justify_days', 'justify_hours', 'isfinite', 'date_bin',
  'make_time', 'make_timestamptz', 'justify_interval', 'clock_timestamp', 'statement_timestamp',
  'transaction_timestamp', 'timeofday', 'timezone', 'to_timestamp',
  // ordered-set aggregates and more of the same family
  'percentile_cont', 'percentile_disc', 'mode', 'bit_and', 'bit_or', 'regr_count', 'regr_r2', 'regr_avgx',
  'regr_avgy', 'regr_sxx', 'regr_syy', 'regr_sxy',
  // more text and numbers
  'regexp_split_to_array', 'regexp_count', 'regexp_like',
  'string_to_array', 'overlay', 'sign', 'scale', 'gcd', 'lcm', 'factorial', 'log', 'num_nonnulls', 'num_nulls',
  'jsonb_pretty', 'jsonb_strip_nulls', 'json_strip_nulls', 'jsonb_set', 'jsonb_insert', 'jsonb_path_query_first',
  'jsonb_path_match', 'array_remove', 'array_append', 'array_prepend', 'array_cat', 'array_upper', 'array_lower',
  'array_dims', 'array_ndims', 'trim_array', 'array_replace',
  // json and arrays
  'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array', 'to_json', 'to_jsonb',
  'json_extract_path', 'json_extract_path_text', 'jsonb_extract_path', 'jsonb_extract_path_text',
  'json_array_length', 'jsonb_array_length', 'json_typeof', 'jsonb_typeof', 'jsonb_path_exists',
  'array_length', 'array_position', 'array_to_string', 'cardinality',
];

const MYSQL = [
  // aggregates
  'group_concat', 'std', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
  'bit_and', 'bit_or', 'bit_xor', 'json_arrayagg', 'json_objectagg',
  // control flow and numbers
  'if', 'ifnull', 'greatest', 'least', 'truncate', 'log2', 'degrees', 'radians',
  // text
  'char_length', 'character_length', 'left', 'right', 'lpad', 'rpad', 'locate', 'position', 'instr',
  'substring_index', 'reverse', 'lcase', 'ucase', 'find_in_set', 'field', 'format', 'hex', 'strcmp',
  'regexp_replace', 'regexp_substr', 'regexp_instr', 'ascii', 'md5',
  // dates
  'date', 'time', 'timestamp', 'year', 'month', 'day', 'dayofmonth', 'dayofweek', 'dayofyear', 'week',
  'weekday', 'weekofyear', 'yearweek', 'quarter', 'hour', 'minute', 'second', 'monthname', 'dayname',
  'date_format', 'time_format', 'date_add', 'date_sub', 'adddate', 'subdate', 'datediff', 'timediff',
  'timestampdiff', 'timestampadd', 'str_to_date', 'last_day', 'makedate', 'curdate', 'current_date',
  'now', 'unix_timestamp', 'from_unixtime', 'extract',
  // json
  'json_extract', 'json_unquote', 'json_object', 'json_array', 'json_length', 'json_type', 'json_valid',
  'json_contains', 'json_keys', 'json_value',
];

/**
 * Functions the PostgreSQL grammar itself calls for SQL syntax (`AT TIME ZONE` is timezone(),
 * `LIKE … ESCAPE` is like_escape(), `SUBSTRING(x FROM 1)`, `TRIM(BOTH …)` is btrim(), …).
 */
export const PG_SYNTAX_FUNCTIONS: ReadonlySet<string> = new Set([
  'timezone', 'like_escape', 'similar_to_escape', 'similar_escape', 'btrim', 'ltrim', 'rtrim', 'substring', 'position',
  'overlay', 'extract', 'date_part',
]);

export const FUNCTION_ALLOWLIST: Record<Dialect, ReadonlySet<string>> = {
  sqlite: new Set([...AGGREGATES, ...WINDOWS, ...SCALAR, ...SQLITE]),
  postgres: new Set([...AGGREGATES, ...WINDOWS, ...SCALAR, ...POSTGRES]),
  mysql: new Set([...AGGREGATES, ...WINDOWS, ...SCALAR, ...MYSQL]),
};

/**
 * Types a statement may cast to. A cast runs the target type's input function, and some types
 * (regclass, regproc, xml, user types) reach into the catalog or run admin-defined code.
 */
export const CAST_TYPES: Record<Dialect, ReadonlySet<string>> = {
  sqlite: new Set(['integer', 'int', 'real', 'text', 'numeric', 'blob', 'float', 'double', 'varchar', 'char']),
  postgres: new Set([
    'int', 'integer', 'int2', 'int4', 'int8', 'smallint', 'bigint', 'numeric', 'decimal', 'real', 'float',
    'float4', 'float8', 'double', 'double precision', 'text', 'varchar', 'character varying', 'char',
    'character', 'bool', 'boolean', 'date', 'time', 'timestamp', 'timestamptz', 'interval', 'json', 'jsonb',
    'uuid', 'money',
    // the names the PostgreSQL grammar gives the types above (INT is int4, CHAR is bpchar, …)
    'bpchar', 'timetz', 'bit', 'varbit', 'bytea', 'inet', 'cidr', 'macaddr',
  ]),
  mysql: new Set([
    'char', 'nchar', 'binary', 'date', 'datetime', 'time', 'decimal', 'signed', 'unsigned', 'signed integer',
    'unsigned integer', 'integer', 'int', 'double', 'float', 'json',
  ]),
};

/**
 * How SQLite's EXPLAIN names the functions it will call (p4 of Function/AggStep opcodes),
 * for the engine-truth check. Includes internal names the planner substitutes.
 */
export const SQLITE_ENGINE_FUNCTION_EXTRAS: ReadonlySet<string> = new Set([
  'count', // count(*) appears as count(0)
]);
