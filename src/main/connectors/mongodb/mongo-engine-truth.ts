/**
 * Engine truth for MongoDB: ask the server, through `explain` (queryPlanner verbosity, which
 * plans without running), which namespaces the query would touch, and refuse the query if
 * the server names one the guard did not report — that would be a parse differential.
 *
 * Where explain is not available (some wire-compatible servers lack it) the connector
 * notes the capability once and runs without this layer; the guard and the policy still
 * decide, and the audit records `engineTruth: 'unavailable'`.
 */
import { AirlockError } from '../../../shared/errors';
import type { CheckedMongoQuery } from './document-connector';

type Doc = Record<string, unknown>;

/** The explain command for a query, shaped as the query itself is sent. */
export function explainCommand(q: CheckedMongoQuery): Doc {
  let inner: Doc;
  switch (q.op) {
    case 'find':
      inner = { find: q.collection, filter: q.filter ?? {} };
      if (q.projection) inner.projection = q.projection;
      if (q.sort) inner.sort = q.sort;
      if (q.skip !== undefined) inner.skip = q.skip;
      if (q.limit !== undefined) inner.limit = q.limit;
      break;
    case 'aggregate':
      inner = { aggregate: q.collection, pipeline: q.pipeline ?? [], cursor: {} };
      break;
    case 'count':
      inner = { count: q.collection, query: q.filter ?? {} };
      break;
    case 'distinct':
      inner = { distinct: q.collection, key: q.field, query: q.filter ?? {} };
      break;
  }
  return { explain: inner, verbosity: 'queryPlanner' };
}

/** Keys under which explain output echoes the request (a filter field may be called "namespace"). */
const ECHOES = new Set([
  'command',
  'originalCommand',
  'parsedQuery',
  'filter',
  'indexBounds',
  'keyPattern',
  'serverInfo',
  'serverParameters',
  'query',
]);

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every namespace the plan names: `namespace` and `foreignCollection` of plan nodes, and
 * the collections of $lookup / $graphLookup / $unionWith stages in `stages` arrays.
 * Results are `db.collection`, or a bare collection name for same-database stage references.
 */
export function explainedNamespaces(explain: unknown): Set<string> {
  const out = new Set<string>();
  const stages = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const stage of list) {
      if (!isDoc(stage)) continue;
      for (const [name, spec] of Object.entries(stage)) {
        if (!name.startsWith('$')) {
          plan(spec); // per-stage statistics beside the stage
          continue;
        }
        if (name === '$cursor') plan(spec);
        else if (
          (name === '$lookup' || name === '$graphLookup' || name === '$unionWith') &&
          (isDoc(spec) || typeof spec === 'string')
        ) {
          const target = typeof spec === 'string' ? spec : (spec.from ?? spec.coll);
          if (typeof target === 'string') out.add(target);
          else if (isDoc(target)) out.add(`${String(target.db)}.${String(target.coll)}`);
          if (isDoc(spec)) stages(spec.pipeline);
        } else if (name === '$facet' && isDoc(spec)) {
          for (const sub of Object.values(spec)) stages(sub);
        }
        // Other stages echo the agent's own specification: nothing to learn there.
      }
    }
  };
  const plan = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const e of v) plan(e);
      return;
    }
    if (!isDoc(v)) return;
    for (const [k, e] of Object.entries(v)) {
      if (ECHOES.has(k)) continue;
      if ((k === 'namespace' || k === 'foreignCollection') && typeof e === 'string') out.add(e);
      else if (k === 'stages' || k === 'pipeline') stages(e);
      else plan(e);
    }
  };
  plan(explain);
  return out;
}

/** Throws unless every namespace the server reported is one the guard accounted for. */
export function compareNamespaces(
  reported: Set<string>,
  database: string,
  expected: string[],
): void {
  const allowed = new Set(expected);
  const unexpected: string[] = [];
  for (const ns of reported) {
    let coll = ns;
    if (ns.includes('.')) {
      // Database names cannot contain '.', so the first dot separates database and collection.
      const dot = ns.indexOf('.');
      const db = ns.slice(0, dot);
      if (db === database) coll = ns.slice(dot + 1);
      else if (allowed.has(ns))
        continue; // a collection whose own name contains a dot
      else {
        unexpected.push(ns);
        continue;
      }
    }
    if (!allowed.has(coll)) unexpected.push(ns);
  }
  if (unexpected.length) {
    // The names may be ones the agent may not know of: they go to the audit only.
    throw new AirlockError(
      'STATEMENT_NOT_ALLOWED',
      'the server would touch a collection the guard did not account for; the guard refuses queries it cannot fully account for',
      { layer: 'engine-truth', auditOnly: { engineDetail: unexpected } },
    );
  }
}
