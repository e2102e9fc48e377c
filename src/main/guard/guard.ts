/**
 * The guard's text-and-AST layers in order: pre-lex rules, then a full parse and scope
 * analysis. The engine-truth layer and the backstops run inside the connector, next to
 * the engine they consult.
 */
import { Analyzer, type Analysis } from './analyzer';
import type { Dialect } from './dialect';
import { parseStatement } from './parse';
import { prelex } from './prelex';
import type { SchemaIndex } from './schema-index';

export interface GuardedSql {
  /** The single statement, as it will be executed. */
  sql: string;
  analysis: Analysis;
}

export function guardSql(sql: string, dialect: Dialect, schema: SchemaIndex): GuardedSql {
  const text = prelex(sql, dialect);
  const ast = parseStatement(text, dialect);
  return { sql: text, analysis: new Analyzer(schema, dialect).analyze(ast) };
}
