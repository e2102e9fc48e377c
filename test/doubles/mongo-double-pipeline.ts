/**
 * TEST DOUBLE — find options and aggregation stages for the MongoDB wire-protocol test double.
 * Only the stages Airlock's tests run are implemented; any other stage is refused the way a
 * server refuses an unknown stage.
 */
import type { Document } from 'mongodb';
import {
  DoubleError,
  clone,
  compare,
  evalExpr,
  getPath,
  isPlainDoc,
  matches,
} from './mongo-double-eval';

export interface PipelineContext {
  /** The documents of another collection in the same database ($lookup, $unionWith). */
  collection(name: string): Document[];
}

export function sortDocs(docs: Document[], sort: Document): Document[] {
  const keys = Object.entries(sort);
  return [...docs].sort((a, b) => {
    for (const [k, dir] of keys) {
      const c = compare(getPath(a, k), getPath(b, k));
      if (c !== 0) return Number(dir) < 0 ? -c : c;
    }
    return 0;
  });
}

function setPath(doc: Document, path: string, value: unknown) {
  const parts = path.split('.');
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainDoc(cur[p])) cur[p] = {};
    cur = cur[p] as Document;
  }
  if (value !== undefined) cur[parts.at(-1)!] = value;
}

/** Find projections and $project: inclusion (with computed fields) or exclusion. */
export function project(
  doc: Document,
  spec: Document,
  vars: Record<string, unknown> = {},
): Document {
  const entries = Object.entries(spec);
  const exclusion =
    entries.every(([k, v]) => k === '_id' || v === 0 || v === false) &&
    entries.some(([, v]) => v === 0 || v === false);
  if (exclusion) {
    const out = clone(doc);
    for (const [k] of entries) delete out[k];
    return out;
  }
  const out: Document = {};
  if (spec._id !== 0 && spec._id !== false && doc._id !== undefined) out._id = doc._id;
  for (const [k, v] of entries) {
    if (v === 0 || v === false) continue;
    if (v === 1 || v === true) setPath(out, k, getPath(doc, k));
    else if (isPlainDoc(v) && '$slice' in v)
      setPath(out, k, (getPath(doc, k) as unknown[] | undefined)?.slice(0, Number(v.$slice)));
    else setPath(out, k, evalExpr(v, doc, vars));
  }
  return out;
}

function accumulate(op: string, arg: unknown, group: Document[]): unknown {
  const vals = group.map((d) => evalExpr(arg, d, {}));
  const nums = vals.filter((v): v is number => typeof v === 'number');
  switch (op) {
    case '$sum':
      return nums.reduce((a, b) => a + b, 0);
    case '$avg':
      return nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : null;
    case '$min':
      return vals.filter((v) => v != null).sort(compare)[0] ?? null;
    case '$max':
      return (
        vals
          .filter((v) => v != null)
          .sort(compare)
          .at(-1) ?? null
      );
    case '$first':
      return vals[0] ?? null;
    case '$last':
      return vals.at(-1) ?? null;
    case '$push':
      return vals;
    case '$addToSet':
      return vals.filter((v, i) => vals.findIndex((w) => compare(v, w) === 0) === i);
    case '$count':
      return group.length;
    default:
      throw new DoubleError(15952, 'Location15952', `unknown group operator '${op}'`);
  }
}

function group(docs: Document[], spec: Document): Document[] {
  const buckets = new Map<string, { key: unknown; docs: Document[] }>();
  for (const d of docs) {
    const key = evalExpr(spec._id, d, {}) ?? null;
    const k = JSON.stringify(key);
    if (!buckets.has(k)) buckets.set(k, { key, docs: [] });
    buckets.get(k)!.docs.push(d);
  }
  return [...buckets.values()].map(({ key, docs: g }) => {
    const out: Document = { _id: key };
    for (const [name, acc] of Object.entries(spec)) {
      if (name === '_id') continue;
      const [op, arg] = Object.entries(acc as Document)[0]!;
      out[name] = accumulate(op, arg, g);
    }
    return out;
  });
}

function lookup(docs: Document[], spec: Document, ctx: PipelineContext): Document[] {
  const foreign = ctx.collection(String(spec.from));
  return docs.map((d) => {
    let joined = foreign;
    if (spec.localField !== undefined) {
      const local = getPath(d, String(spec.localField));
      joined = joined.filter((f) => compare(getPath(f, String(spec.foreignField)), local) === 0);
    }
    if (Array.isArray(spec.pipeline))
      joined = runPipeline(joined, spec.pipeline as Document[], ctx);
    return { ...d, [String(spec.as)]: joined };
  });
}

export function runPipeline(
  input: Document[],
  pipeline: Document[],
  ctx: PipelineContext,
): Document[] {
  let docs = input;
  for (const stage of pipeline) {
    const [name, arg] = Object.entries(stage)[0] ?? ['(empty)', null];
    const spec = arg as Document;
    switch (name) {
      case '$match':
        docs = docs.filter((d) => matches(d, spec));
        break;
      case '$project':
        docs = docs.map((d) => project(d, spec));
        break;
      case '$addFields':
      case '$set':
        docs = docs.map((d) => {
          const out = clone(d);
          for (const [k, v] of Object.entries(spec)) setPath(out, k, evalExpr(v, d, {}));
          return out;
        });
        break;
      case '$unset':
        docs = docs.map((d) =>
          project(
            d,
            Object.fromEntries((Array.isArray(arg) ? arg : [arg]).map((f) => [String(f), 0])),
          ),
        );
        break;
      case '$group':
        docs = group(docs, spec);
        break;
      case '$sort':
        docs = sortDocs(docs, spec);
        break;
      case '$limit':
        docs = docs.slice(0, Number(arg));
        break;
      case '$skip':
        docs = docs.slice(Number(arg));
        break;
      case '$count':
        docs = docs.length ? [{ [String(arg)]: docs.length }] : [];
        break;
      case '$unwind': {
        const path = String(typeof arg === 'string' ? arg : spec.path).slice(1);
        docs = docs.flatMap((d) => {
          const v = getPath(d, path);
          return Array.isArray(v)
            ? v.map((e) => ({ ...d, [path]: e }))
            : v === undefined
              ? []
              : [d];
        });
        break;
      }
      case '$lookup':
        docs = lookup(docs, spec, ctx);
        break;
      case '$unionWith': {
        const coll = typeof arg === 'string' ? arg : String(spec.coll);
        const sub =
          typeof arg === 'string' ? [] : ((spec.pipeline as Document[] | undefined) ?? []);
        docs = [...docs, ...runPipeline(ctx.collection(coll), sub, ctx)];
        break;
      }
      case '$facet':
        docs = [
          Object.fromEntries(
            Object.entries(spec).map(([k, p]) => [k, runPipeline(docs, p as Document[], ctx)]),
          ),
        ];
        break;
      case '$replaceRoot':
      case '$replaceWith': {
        const expr = name === '$replaceRoot' ? spec.newRoot : arg;
        docs = docs.map((d) => evalExpr(expr, d, {}) as Document);
        break;
      }
      default:
        throw new DoubleError(
          40324,
          'Location40324',
          `Unrecognized pipeline stage name: '${name}'`,
        );
    }
  }
  return docs;
}
