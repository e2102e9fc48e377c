/**
 * Aggregation expressions ($expr, $project, $group, $addFields, …): every `$field` path and
 * `$$variable` is accounted for; operators outside the allowlist are refused.
 */
import { DENIED, DOCUMENT_VARIABLES, EXPRESSION_OPERATORS, HARMLESS_VARIABLES } from './operators';
import { isPlainObject, notAllowed, readField, readWhole, withVars, type Scope } from './reads';

function walkVariable(ref: string, scope: Scope) {
  const [name, ...rest] = ref.slice(2).split('.');
  if (!name) notAllowed(`'${ref}' is not a valid variable reference`);
  if (DOCUMENT_VARIABLES.has(name)) {
    // $$ROOT.x reads x; $$ROOT alone hands over the whole document.
    if (rest.length) readField(scope, rest.join('.'));
    else readWhole(scope);
    return;
  }
  if (HARMLESS_VARIABLES.has(name)) return;
  // A user variable's reads were counted where it was bound ($let, $map, $lookup let, …).
  if (scope.vars.has(name)) return;
  notAllowed(`the variable '$$${name}' is not defined or not allowed`, { variable: name });
}

/** A constant field name for $getField/$setField: dotted or $-names would hide the real field. */
function literalFieldName(v: unknown, op: string): string {
  const name = isPlainObject(v) && Object.keys(v).length === 1 && '$literal' in v ? v.$literal : v;
  if (typeof name !== 'string') notAllowed(`${op} needs a constant field name`);
  if (name.includes('.') || name.startsWith('$') || name.length === 0) {
    notAllowed(
      `${op}: the field name '${name}' contains '.' or starts with '$', which Airlock cannot account for`,
    );
  }
  return name;
}

const isDocumentRef = (v: unknown) => v === '$$ROOT' || v === '$$CURRENT';

function walkOperator(op: string, arg: unknown, scope: Scope) {
  if (DENIED[op]) notAllowed(DENIED[op], { operator: op });
  if (!EXPRESSION_OPERATORS.has(op))
    notAllowed(`the expression operator '${op}' is not on Airlock's allowlist`, { operator: op });
  const a = isPlainObject(arg) ? arg : null;
  switch (op) {
    case '$literal':
      return; // its argument is a value, never evaluated
    case '$let': {
      if (!a || !isPlainObject(a.vars)) notAllowed('$let needs { vars: { … }, in: … }');
      for (const v of Object.values(a.vars)) walkExpression(v, scope);
      walkExpression(a.in, withVars(scope, Object.keys(a.vars)));
      return;
    }
    case '$map':
    case '$filter': {
      if (!a) notAllowed(`${op} needs an object argument`);
      walkExpression(a.input, scope);
      const as = a.as ?? 'this';
      if (typeof as !== 'string') notAllowed(`${op}: 'as' must be a name`);
      const inner = withVars(scope, [as]);
      walkExpression(op === '$map' ? a.in : a.cond, inner);
      if (a.limit !== undefined) walkExpression(a.limit, scope);
      return;
    }
    case '$reduce': {
      if (!a) notAllowed('$reduce needs an object argument');
      walkExpression(a.input, scope);
      walkExpression(a.initialValue, scope);
      walkExpression(a.in, withVars(scope, ['this', 'value']));
      return;
    }
    case '$getField': {
      if (!a) {
        readField(scope, literalFieldName(arg, op));
        return;
      }
      const name = literalFieldName(a.field, op);
      if (a.input === undefined || isDocumentRef(a.input)) readField(scope, name);
      else walkExpression(a.input, scope);
      return;
    }
    case '$setField':
    case '$unsetField': {
      if (!a) notAllowed(`${op} needs an object argument`);
      literalFieldName(a.field, op);
      walkExpression(a.input, scope);
      if (a.value !== undefined) walkExpression(a.value, scope);
      return;
    }
    case '$top':
    case '$bottom':
    case '$topN':
    case '$bottomN': {
      // sortBy names fields of the current documents without a '$'.
      if (!a || !isPlainObject(a.sortBy)) notAllowed(`${op} needs { sortBy: { … }, output: … }`);
      for (const k of Object.keys(a.sortBy)) readField(scope, k);
      walkExpression(a.output, scope);
      if (a.n !== undefined) walkExpression(a.n, scope);
      return;
    }
    case '$sortArray': {
      // sortBy names fields of the array's elements, which `input` already accounts for.
      if (!a) notAllowed('$sortArray needs an object argument');
      walkExpression(a.input, scope);
      return;
    }
    default:
      // Named arguments ({ date, format }) or positional ones ([a, b]): each is an expression.
      walkExpression(arg, scope);
  }
}

export function walkExpression(expr: unknown, scope: Scope): void {
  if (typeof expr === 'string') {
    if (expr.startsWith('$$')) walkVariable(expr, scope);
    else if (expr.startsWith('$')) readField(scope, expr.slice(1));
    return;
  }
  if (Array.isArray(expr)) {
    for (const e of expr) walkExpression(e, scope);
    return;
  }
  if (!isPlainObject(expr)) return; // numbers, booleans, null, dates, ObjectIds, …
  const keys = Object.keys(expr);
  const ops = keys.filter((k) => k.startsWith('$'));
  if (ops.length > 0) {
    if (keys.length !== 1)
      notAllowed(`an expression object must hold exactly one operator, not ${keys.join(', ')}`);
    walkOperator(ops[0]!, expr[ops[0]!], scope);
    return;
  }
  // An object literal: its keys name output fields; each value is an expression.
  for (const v of Object.values(expr)) walkExpression(v, scope);
}
