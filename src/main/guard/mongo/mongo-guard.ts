/**
 * The MongoDB guard: raw JSON limits and deny names (prescan), Extended JSON → BSON values,
 * then a recursive walk of filter / projection / sort / pipeline against the allowlists that
 * collects every collection and top-level field the query reads. The result feeds the
 * policy engine as TableAccess (collection = table, top-level fields = columns).
 */
import type { MongoQuery } from '../../../shared/contract/api';
import type { MongoAccess } from '../../policy/mongo-policy';
import type { CheckedMongoQuery } from './checked-query';
import { walkFilter, walkProjection, walkSort } from './filters';
import { checkCollection, walkPipeline } from './pipeline';
import { fromExtendedJson, prescan } from './prescan';
import {
  Reads,
  notAllowed,
  readField,
  readWhole,
  sourceStream,
  topField,
  type Scope,
} from './reads';

/** The checked query, and what the policy decides on (MongoAccess: tables and whole reads). */
export interface GuardedMongo extends MongoAccess {
  query: CheckedMongoQuery;
}

/** Which request members each operation takes (API.md). */
const MEMBERS: Record<MongoQuery['op'], (keyof MongoQuery)[]> = {
  find: ['filter', 'projection', 'sort', 'limit', 'skip'],
  aggregate: ['pipeline'],
  count: ['filter', 'limit', 'skip'],
  distinct: ['field', 'filter'],
};

function checkMembers(q: MongoQuery) {
  const allowed = new Set<string>(['collection', 'op', ...MEMBERS[q.op]]);
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && !allowed.has(k))
      notAllowed(`'${k}' does not apply to op '${q.op}'; it takes ${MEMBERS[q.op].join(', ')}`);
  }
  if (q.op === 'aggregate' && !q.pipeline) notAllowed("op 'aggregate' needs a pipeline");
  if (q.op === 'distinct' && !q.field) notAllowed("op 'distinct' needs a field");
}

export function guardMongo(raw: MongoQuery): GuardedMongo {
  checkMembers(raw);
  prescan(raw);
  const collection = checkCollection(raw.collection, 'collection');
  const values = fromExtendedJson({
    filter: raw.filter,
    projection: raw.projection,
    sort: raw.sort,
    pipeline: raw.pipeline,
  });
  const reads = new Reads();
  reads.touch(collection);
  const scope: Scope = { reads, stream: sourceStream(collection), vars: new Set() };

  switch (raw.op) {
    case 'find': {
      if (values.filter) walkFilter(values.filter, scope);
      if (values.sort) walkSort(values.sort, scope);
      // Without an inclusion projection, whole documents come back, as with SELECT *.
      const shape = values.projection ? walkProjection(values.projection, scope, 'find') : null;
      if (!shape?.inclusion) readWhole(scope);
      break;
    }
    case 'aggregate': {
      const end = walkPipeline(values.pipeline, scope);
      readWhole({ reads, stream: end });
      break;
    }
    case 'count':
      if (values.filter) walkFilter(values.filter, scope);
      break;
    case 'distinct':
      topField(raw.field!);
      readField(scope, raw.field!);
      if (values.filter) walkFilter(values.filter, scope);
      break;
  }

  const query: CheckedMongoQuery = { collection, op: raw.op, collections: [...reads.collections] };
  if (values.filter) query.filter = values.filter;
  if (values.projection) query.projection = values.projection;
  if (values.sort) query.sort = values.sort;
  if (values.pipeline) query.pipeline = values.pipeline;
  if (raw.limit !== undefined) query.limit = raw.limit;
  if (raw.skip !== undefined) query.skip = raw.skip;
  if (raw.field !== undefined) query.field = raw.field;
  return {
    query,
    tables: [...reads.collections].map((c) => ({
      table: c,
      read: [...(reads.fields.get(c) ?? [])],
      write: [],
    })),
    whole: [...reads.whole],
  };
}
