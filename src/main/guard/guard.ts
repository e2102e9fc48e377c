/**
 * The guard's text-and-AST layers in order: pre-lex rules, then a full parse and scope
 * analysis. The engine-truth layer and the backstops run inside the connector, next to
 * the engine they consult.
 */
import { AirlockError } from '../../shared/errors';
import { Analyzer, type Analysis } from './analyzer';
import type { Dialect } from './dialect';
import { parseStatement } from './parse';
import { prelex } from './prelex';
import type { SchemaIndex } from './schema-index';

export interface GuardedSql {
  /** The single statement, as it will be executed. */
  readonly sql: string;
  readonly analysis: Analysis;
}

type Verdict = { ok: true; value: GuardedSql } | { ok: false; error: AirlockError };

/**
 * The verdict is a pure function of (text, dialect, schema snapshot): agents repeat the same
 * parameterised statements, so verdicts are kept per schema snapshot. A refreshed schema is a
 * new SchemaIndex object and starts with an empty cache; the engine-truth layer still runs on
 * every execution.
 */
const verdicts = new WeakMap<SchemaIndex, Map<string, Verdict>>();
const MAX_CACHED = 2000;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

function judge(sql: string, dialect: Dialect, schema: SchemaIndex): Verdict {
  try {
    const text = prelex(sql, dialect);
    const ast = parseStatement(text, dialect);
    return { ok: true, value: deepFreeze({ sql: text, analysis: new Analyzer(schema, dialect).analyze(ast) }) };
  } catch (e) {
    if (e instanceof AirlockError) return { ok: false, error: e };
    throw e;
  }
}

export function guardSql(sql: string, dialect: Dialect, schema: SchemaIndex): GuardedSql {
  let cache = verdicts.get(schema);
  if (!cache) verdicts.set(schema, (cache = new Map()));
  const key = `${dialect}\u0000${sql}`;
  let verdict = cache.get(key);
  if (verdict) {
    // Refresh its place in the insertion order: the map doubles as an LRU list.
    cache.delete(key);
    cache.set(key, verdict);
  } else {
    verdict = judge(sql, dialect, schema);
    cache.set(key, verdict);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  if (verdict.ok) return verdict.value;
  // A fresh error each time: callers attach their own audit id to it.
  const { code, message, details } = verdict.error;
  throw new AirlockError(code, message, { ...details });
}
