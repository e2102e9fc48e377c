/**
 * Query filters, projections and sort specifications. A field used in a filter or a sort is
 * a read (its values leak through which documents match), just like a WHERE column in SQL.
 */
import { walkExpression } from './expressions';
import { DENIED, FIELD_OPERATORS, LOGICAL_OPERATORS } from './operators';
import { isPlainObject, notAllowed, readField, topField, type Scope } from './reads';

/** Literal values may not smuggle `$`-keys: the server could read them as operators. */
export function checkLiteral(v: unknown): void {
  if (Array.isArray(v)) {
    for (const e of v) checkLiteral(e);
    return;
  }
  if (!isPlainObject(v)) return;
  for (const [k, e] of Object.entries(v)) {
    if (k.startsWith('$'))
      notAllowed(`a literal value may not contain the key '${k}'`, { operator: k });
    checkLiteral(e);
  }
}

function walkCondition(cond: unknown, scope: Scope) {
  if (!isPlainObject(cond)) {
    checkLiteral(cond);
    return;
  }
  const keys = Object.keys(cond);
  const ops = keys.filter((k) => k.startsWith('$'));
  if (ops.length === 0) {
    checkLiteral(cond); // equality with an embedded document
    return;
  }
  if (ops.length !== keys.length)
    notAllowed(`a condition mixes operators and field names: ${keys.join(', ')}`);
  for (const op of ops) {
    const arg = cond[op];
    if (DENIED[op]) notAllowed(DENIED[op], { operator: op });
    if (!FIELD_OPERATORS.has(op))
      notAllowed(`the query operator '${op}' is not on Airlock's allowlist`, { operator: op });
    if (op === '$not') walkCondition(arg, scope);
    else if (op === '$elemMatch') {
      if (!isPlainObject(arg)) notAllowed('$elemMatch needs an object');
      walkFilter(arg, scope, true);
    } else if (op === '$all' && Array.isArray(arg)) {
      for (const e of arg) {
        if (isPlainObject(e) && '$elemMatch' in e) walkCondition(e, scope);
        else checkLiteral(e);
      }
    } else checkLiteral(arg);
  }
}

/**
 * A query filter. Inside `$elemMatch` (`nested`), field names are relative to the array's
 * elements, which reading the array's own top-level field already covers.
 */
export function walkFilter(filter: unknown, scope: Scope, nested = false): void {
  if (!isPlainObject(filter)) notAllowed('a filter must be an object');
  for (const [key, cond] of Object.entries(filter)) {
    if (LOGICAL_OPERATORS.has(key)) {
      if (!Array.isArray(cond) || cond.length === 0)
        notAllowed(`${key} needs a non-empty array of filters`);
      for (const f of cond) walkFilter(f, scope, nested);
    } else if (key === '$expr') {
      walkExpression(cond, scope);
    } else if (key === '$comment') {
      if (typeof cond !== 'string') notAllowed('$comment must be a string');
    } else if (key.startsWith('$')) {
      if (nested && FIELD_OPERATORS.has(key)) {
        // { $elemMatch: { $gt: 5 } } on an array of scalars
        walkCondition({ [key]: cond }, scope);
        continue;
      }
      if (DENIED[key]) notAllowed(DENIED[key], { operator: key });
      notAllowed(`the query operator '${key}' is not on Airlock's allowlist`, { operator: key });
    } else {
      if (nested) topField(key);
      else readField(scope, key);
      walkCondition(cond, scope);
    }
  }
}

export function walkSort(sort: unknown, scope: Scope): void {
  if (!isPlainObject(sort)) notAllowed('a sort must be an object like { "field": 1 }');
  for (const [k, dir] of Object.entries(sort)) {
    if (dir !== 1 && dir !== -1) notAllowed(`sort direction of '${k}' must be 1 or -1`);
    readField(scope, k);
  }
}

export interface ProjectionShape {
  /** True for inclusion projections (listed or computed fields only). */
  inclusion: boolean;
  /** Top-level fields the projection outputs (inclusion projections). */
  outputs: Set<string>;
}

const isFlag = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
const isOn = (v: unknown) => v !== 0 && v !== false;

/** Nested projection specs: `{ a: { b: 1, c: "$x" } }`. */
function walkNestedProjection(spec: Record<string, unknown>, top: string, scope: Scope): boolean {
  let includes = false;
  for (const [k, v] of Object.entries(spec)) {
    topField(k);
    if (isFlag(v)) {
      if (isOn(v)) {
        readField(scope, top);
        includes = true;
      }
    } else if (isPlainObject(v) && !Object.keys(v).some((x) => x.startsWith('$'))) {
      includes = walkNestedProjection(v, top, scope) || includes;
    } else {
      walkExpression(v, scope);
      includes = true;
    }
  }
  return includes;
}

/** `find` projections (`mode: 'find'`, with $slice/$elemMatch/positional) and `$project`. */
export function walkProjection(
  spec: unknown,
  scope: Scope,
  mode: 'find' | 'project',
): ProjectionShape {
  if (!isPlainObject(spec)) notAllowed('a projection must be an object');
  const outputs = new Set<string>();
  let inclusion = false;
  let idExcluded = false;
  for (const [rawKey, v] of Object.entries(spec)) {
    const key = mode === 'find' && rawKey.endsWith('.$') ? rawKey.slice(0, -2) : rawKey;
    const top = topField(key);
    if (isFlag(v)) {
      if (!isOn(v)) {
        if (key === '_id') idExcluded = true;
        continue;
      }
      readField(scope, key);
      inclusion = true;
      outputs.add(top);
      continue;
    }
    if (isPlainObject(v)) {
      const ops = Object.keys(v).filter((k) => k.startsWith('$'));
      if (ops.length === 0) {
        if (walkNestedProjection(v, top, scope)) {
          inclusion = true;
          outputs.add(top);
        }
        continue;
      }
      // The projection operators; `$slice` with anything but n or [skip, n] is the aggregation
      // expression of the same name, whose arguments read fields of their own.
      const sliceOperator = (a: unknown) =>
        typeof a === 'number' ||
        (Array.isArray(a) && a.length === 2 && a.every((x) => typeof x === 'number'));
      if (
        mode === 'find' &&
        ops.length === 1 &&
        (ops[0] === '$elemMatch' || (ops[0] === '$slice' && sliceOperator(v.$slice)))
      ) {
        readField(scope, key);
        if (ops[0] === '$elemMatch') walkFilter(v.$elemMatch, scope, true);
        inclusion = true;
        outputs.add(top);
        continue;
      }
    }
    // A computed field: the expression's reads count, the output name does not.
    walkExpression(v, scope);
    inclusion = true;
    outputs.add(top);
  }
  if (inclusion && !idExcluded) {
    // Inclusion projections return _id unless told not to.
    readField(scope, '_id');
    outputs.add('_id');
  }
  return { inclusion, outputs };
}
