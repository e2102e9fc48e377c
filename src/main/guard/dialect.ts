export type Dialect = 'sqlite' | 'postgres' | 'mysql';

/**
 * node-sql-parser's grammar names, tried in order: the dialect's own first. PostgreSQL is not
 * here: it is parsed by PostgreSQL's own parser (guard/pg/).
 */
export const PARSER_GRAMMARS: Record<Exclude<Dialect, 'postgres'>, string[]> = {
  // The SQLite grammar lacks window ORDER BY, FILTER and upserts; the PostgreSQL grammar is
  // the fallback. Any misreading this causes is caught by the engine-truth layer.
  sqlite: ['sqlite', 'postgresql'],
  mysql: ['mariadb', 'mysql'],
};
