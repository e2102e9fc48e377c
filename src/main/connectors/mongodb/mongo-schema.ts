/**
 * MongoDB introspection: collections and views, with top-level fields and their types
 * inferred from a sample of documents (MongoDB declares no schema). The field list feeds the
 * agent listings and the policy's field grants; a field absent from the sample is still
 * governed by grants, because the guard works from the query, not from this list.
 */
import type { Db, Document } from 'mongodb';
import type { ConnectorTable } from '../types';
import { mergeType } from './mongo-values';

export const SAMPLE_SIZE = 100;
const MAX_COLLECTIONS = 2000;

export interface MongoSchema {
  tables: ConnectorTable[];
  /** view name → the collections it reads (viewOn and its pipeline's lookups, transitively). */
  viewSources: Map<string, string[]>;
}

/** Collection names a view pipeline names in $lookup / $graphLookup / $unionWith. */
function pipelineCollections(pipeline: unknown, out: Set<string>) {
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return;
    for (const [k, e] of Object.entries(v as Document)) {
      if ((k === '$lookup' || k === '$graphLookup') && typeof (e as Document)?.from === 'string')
        out.add((e as Document).from as string);
      if (k === '$unionWith') {
        const c = typeof e === 'string' ? e : (e as Document)?.coll;
        if (typeof c === 'string') out.add(c);
      }
      visit(e);
    }
  };
  visit(pipeline);
}

export async function introspectMongo(db: Db, timeoutMs: number): Promise<MongoSchema> {
  const infos = (await db
    .listCollections({}, { nameOnly: false, authorizedCollections: true })
    .toArray()) as { name: string; type?: string; options?: Document }[];
  const visible = infos
    .filter((c) => !c.name.startsWith('system.'))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, MAX_COLLECTIONS);

  const direct = new Map<string, Set<string>>();
  for (const c of visible) {
    if (c.type !== 'view') continue;
    const s = new Set<string>();
    if (typeof c.options?.viewOn === 'string') s.add(c.options.viewOn);
    pipelineCollections(c.options?.pipeline, s);
    direct.set(c.name, s);
  }
  const viewSources = new Map<string, string[]>();
  for (const name of direct.keys()) {
    const all = new Set<string>();
    const stack = [...direct.get(name)!];
    while (stack.length) {
      const n = stack.pop()!;
      if (all.has(n)) continue;
      all.add(n);
      stack.push(...(direct.get(n) ?? []));
    }
    viewSources.set(name, [...all]);
  }

  const tables: ConnectorTable[] = [];
  for (const c of visible) {
    const types = new Map<string, string>([['_id', 'null']]);
    const docs = await db
      .collection(c.name)
      .find({}, { limit: SAMPLE_SIZE, maxTimeMS: timeoutMs, promoteValues: false })
      .toArray();
    for (const d of docs)
      for (const [k, v] of Object.entries(d)) types.set(k, mergeType(types.get(k), v));
    tables.push({ name: c.name, columns: [...types].map(([name, type]) => ({ name, type })) });
  }
  return { tables, viewSources };
}
