/**
 * TEST DOUBLE — the query and expression evaluator behind the MongoDB wire-protocol test
 * double (mongo-wire-double.ts). It implements just the operators Airlock's tests send to a
 * server, with MongoDB's semantics for them; anything else is an error, as a server would
 * answer an operator it does not know. It is not MongoDB and claims no completeness.
 */
import { BSON, Binary, Decimal128, Long, ObjectId, type Document } from 'mongodb';

export class DoubleError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

const isPlain = (v: unknown): v is Document =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  !(v as { _bsontype?: string })._bsontype &&
  !(v instanceof Date);

/** A dotted path's value; through arrays it collects the elements' values (MongoDB's semantics). */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) {
      const idx = /^\d+$/.test(part) ? Number(part) : null;
      cur =
        idx !== null
          ? cur[idx]
          : cur.map((e) => (isPlain(e) ? e[part] : undefined)).filter((e) => e !== undefined);
    } else if (isPlain(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number' || v instanceof Long || v instanceof Decimal128) return 2;
  if (typeof v === 'string') return 3;
  if (isPlain(v)) return 4;
  if (Array.isArray(v)) return 5;
  if (v instanceof Binary) return 6;
  if (v instanceof ObjectId) return 7;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  return 10;
}

const num = (v: unknown): number =>
  typeof v === 'number'
    ? v
    : v instanceof Long
      ? v.toNumber()
      : v instanceof Decimal128
        ? Number(v.toString())
        : NaN;

export function compare(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
      return 0;
    case 2:
      return num(a) - num(b);
    case 3:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 7:
      return (a as ObjectId).toHexString().localeCompare((b as ObjectId).toHexString());
    case 8:
      return Number(a) - Number(b);
    case 9:
      return (a as Date).getTime() - (b as Date).getTime();
    default: {
      const sa = JSON.stringify(a);
      const sb = JSON.stringify(b);
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    }
  }
}

const equal = (a: unknown, b: unknown) => compare(a, b) === 0;

/** Field predicates compare against the value and, for arrays, against each element. */
function candidates(v: unknown): unknown[] {
  return Array.isArray(v) ? [v, ...v] : [v];
}

function matchOperator(value: unknown, op: string, arg: unknown, doc: Document): boolean {
  const any = (f: (c: unknown) => boolean) => candidates(value).some(f);
  switch (op) {
    case '$eq':
      return any((c) => equal(c, arg));
    case '$ne':
      return !any((c) => equal(c, arg));
    case '$gt':
      return any((c) => typeRank(c) === typeRank(arg) && compare(c, arg) > 0);
    case '$gte':
      return any((c) => typeRank(c) === typeRank(arg) && compare(c, arg) >= 0);
    case '$lt':
      return any((c) => typeRank(c) === typeRank(arg) && compare(c, arg) < 0);
    case '$lte':
      return any((c) => typeRank(c) === typeRank(arg) && compare(c, arg) <= 0);
    case '$in':
      return (arg as unknown[]).some((a) => any((c) => equal(c, a)));
    case '$nin':
      return !(arg as unknown[]).some((a) => any((c) => equal(c, a)));
    case '$exists':
      return (value !== undefined) === Boolean(arg);
    case '$size':
      return Array.isArray(value) && value.length === arg;
    case '$regex':
      return any(
        (c) =>
          typeof c === 'string' &&
          new RegExp(String(arg), String((doc as { $options?: string }).$options ?? '')).test(c),
      );
    case '$options':
      return true;
    case '$not':
      return !matchValue(value, arg, doc);
    case '$elemMatch':
      return (
        Array.isArray(value) &&
        value.some((e) => (isPlain(e) ? matches(e, arg as Document) : matchValue(e, arg, {})))
      );
    default:
      throw new DoubleError(2, 'BadValue', `unknown operator: ${op}`);
  }
}

function matchValue(value: unknown, cond: unknown, parent: Document): boolean {
  if (cond instanceof RegExp || (cond as { _bsontype?: string })?._bsontype === 'BSONRegExp') {
    const r = cond as { source?: string; pattern?: string; flags?: string; options?: string };
    const re = new RegExp(r.pattern ?? r.source ?? '', r.options ?? r.flags ?? '');
    return candidates(value).some((c) => typeof c === 'string' && re.test(c));
  }
  if (isPlain(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) {
    return Object.entries(cond).every(([op, arg]) => matchOperator(value, op, arg, cond));
  }
  void parent;
  return candidates(value).some((c) => equal(c, cond));
}

export function matches(doc: Document, filter: Document): boolean {
  return Object.entries(filter).every(([key, cond]) => {
    switch (key) {
      case '$and':
        return (cond as Document[]).every((f) => matches(doc, f));
      case '$or':
        return (cond as Document[]).some((f) => matches(doc, f));
      case '$nor':
        return !(cond as Document[]).some((f) => matches(doc, f));
      case '$expr':
        return truthy(evalExpr(cond, doc, {}));
      case '$comment':
        return true;
      default:
        if (key.startsWith('$'))
          throw new DoubleError(2, 'BadValue', `unknown top level operator: ${key}`);
        return matchValue(getPath(doc, key), cond, filter);
    }
  });
}

export const truthy = (v: unknown) => !(v === null || v === undefined || v === false || v === 0);

const arith = (args: unknown[], f: (a: number, b: number) => number) => args.map(num).reduce(f);

/** Aggregation expressions: the subset the tests use. */
export function evalExpr(expr: unknown, doc: Document, vars: Record<string, unknown>): unknown {
  if (typeof expr === 'string') {
    if (expr.startsWith('$$')) {
      const [name, ...rest] = expr.slice(2).split('.');
      const base = name === 'ROOT' || name === 'CURRENT' ? doc : vars[name!];
      return rest.length ? getPath(base, rest.join('.')) : base;
    }
    return expr.startsWith('$') ? getPath(doc, expr.slice(1)) : expr;
  }
  if (Array.isArray(expr)) return expr.map((e) => evalExpr(e, doc, vars));
  if (!isPlain(expr)) return expr;
  const keys = Object.keys(expr);
  if (keys.length !== 1 || !keys[0]!.startsWith('$')) {
    return Object.fromEntries(Object.entries(expr).map(([k, v]) => [k, evalExpr(v, doc, vars)]));
  }
  const op = keys[0]!;
  const raw = expr[op];
  if (op === '$literal') return raw;
  const args = () => (Array.isArray(raw) ? raw : [raw]).map((a) => evalExpr(a, doc, vars));
  switch (op) {
    case '$add':
      return arith(args(), (a, b) => a + b);
    case '$subtract':
      return arith(args(), (a, b) => a - b);
    case '$multiply':
      return arith(args(), (a, b) => a * b);
    case '$divide':
      return arith(args(), (a, b) => a / b);
    case '$concat':
      return args().join('');
    case '$toUpper':
      return String(args()[0] ?? '').toUpperCase();
    case '$toString':
      return String(args()[0]);
    case '$size':
      return (args()[0] as unknown[]).length;
    case '$eq':
    case '$ne':
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const [a, b] = args();
      const c = compare(a, b);
      return { $eq: c === 0, $ne: c !== 0, $gt: c > 0, $gte: c >= 0, $lt: c < 0, $lte: c <= 0 }[op];
    }
    case '$and':
      return args().every(truthy);
    case '$or':
      return args().some(truthy);
    case '$not':
      return !truthy(args()[0]);
    case '$ifNull': {
      const a = args();
      return a.find((v) => v !== null && v !== undefined) ?? null;
    }
    case '$cond': {
      const c = Array.isArray(raw)
        ? raw
        : [(raw as Document).if, (raw as Document).then, (raw as Document).else];
      return truthy(evalExpr(c[0], doc, vars))
        ? evalExpr(c[1], doc, vars)
        : evalExpr(c[2], doc, vars);
    }
    default:
      throw new DoubleError(168, 'InvalidPipelineOperator', `Unrecognized expression '${op}'`);
  }
}

export function isPlainDoc(v: unknown): v is Document {
  return isPlain(v);
}

/** A deep copy that keeps BSON types (structuredClone would turn an ObjectId into a plain object). */
export function clone(d: Document): Document {
  return BSON.deserialize(BSON.serialize(d), { promoteLongs: false });
}
