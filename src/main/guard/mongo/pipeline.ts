/**
 * Aggregation pipelines, stage by stage. The stream state follows the documents: stages that
 * reshape them ($project, $group, …) end the raw documents' flow, so later references name
 * computed fields; stages that pull in another collection ($lookup, $graphLookup, $unionWith)
 * apply that collection's grants, with their own pipelines walked the same way.
 */
import { walkExpression } from './expressions';
import { checkLiteral, walkFilter, walkProjection, walkSort } from './filters';
import { DENIED, STAGES } from './operators';
import {
  copyStream,
  derivedStream,
  isPlainObject,
  notAllowed,
  readField,
  readWhole,
  sourceStream,
  topField,
  withVars,
  type Scope,
  type Stream,
} from './reads';

export const MAX_STAGES = 100;

/** A collection named by the query: same database only, never a system collection. */
export function checkCollection(name: unknown, where: string): string {
  if (isPlainObject(name))
    notAllowed(
      `${where}: reading another database is not allowed; name a collection of this connection`,
    );
  if (typeof name !== 'string' || name.length === 0 || name.length > 255)
    notAllowed(`${where}: the collection name must be a non-empty string`);
  if (name.startsWith('$') || name.includes('\u0000'))
    notAllowed(`${where}: '${name}' is not a valid collection name`);
  if (name.startsWith('system.'))
    notAllowed(`${where}: system collections (${name}) are not readable through Airlock`, {
      collection: name,
    });
  return name;
}

const isCount = (v: unknown) =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 0) ||
  (v as { _bsontype?: string } | null)?._bsontype === 'Long';

function outputName(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.includes('.') || v.startsWith('$') || v.length === 0)
    notAllowed(`${where} must be a plain field name`);
  return v;
}

/** An object value that is not an operator expression: $addFields merges it into the field. */
const isObjectLiteral = (v: unknown) =>
  isPlainObject(v) && !Object.keys(v).some((k) => k.startsWith('$'));

/**
 * Marks a top-level field as computed: only for stages that set the whole field on every
 * document they hand on ($lookup / $graphLookup `as`, $unwind includeArrayIndex, $addFields
 * with a value), so the input's own value of that name is gone.
 */
const addComputed = (stream: Stream, name: string) => {
  for (const b of stream) b.computed.add(name);
};

/** Accumulators of $group / $bucket: `{ name: { $op: expr } }`. */
function walkAccumulators(
  spec: Record<string, unknown>,
  scope: Scope,
  skip: string[] = [],
): string[] {
  const names: string[] = [];
  for (const [name, acc] of Object.entries(spec)) {
    if (skip.includes(name)) continue;
    outputName(name, `the output field '${name}'`);
    if (
      !isPlainObject(acc) ||
      Object.keys(acc).length !== 1 ||
      !Object.keys(acc)[0]!.startsWith('$')
    ) {
      notAllowed(`the output field '${name}' needs one accumulator, like { "$sum": "$amount" }`);
    }
    walkExpression(acc, scope);
    names.push(name);
  }
  return names;
}

/** A sub-pipeline whose output documents are handed over as they are ($lookup `as`, $facet). */
function walkClosedPipeline(stages: unknown, scope: Scope, stream: Stream, where: string) {
  const end = walkPipeline(stages, { ...scope, stream }, where);
  readWhole({ reads: scope.reads, stream: end });
}

function walkLookup(spec: unknown, scope: Scope) {
  if (!isPlainObject(spec)) notAllowed('$lookup needs an object');
  const from = checkCollection(spec.from, '$lookup.from');
  scope.reads.touch(from);
  const foreign = sourceStream(from);
  if (spec.localField !== undefined || spec.foreignField !== undefined) {
    if (typeof spec.localField !== 'string' || typeof spec.foreignField !== 'string')
      notAllowed('$lookup needs both localField and foreignField');
    readField(scope, spec.localField);
    readField({ ...scope, stream: foreign }, spec.foreignField);
  }
  let inner: Scope = { ...scope, stream: foreign };
  if (spec.let !== undefined) {
    if (!isPlainObject(spec.let)) notAllowed('$lookup.let must be an object');
    for (const v of Object.values(spec.let)) walkExpression(v, scope);
    inner = withVars(inner, Object.keys(spec.let));
  }
  walkClosedPipeline(spec.pipeline ?? [], inner, foreign, '$lookup.pipeline');
  addComputed(scope.stream, outputName(spec.as, '$lookup.as'));
}

function walkGraphLookup(spec: unknown, scope: Scope) {
  if (!isPlainObject(spec)) notAllowed('$graphLookup needs an object');
  const from = checkCollection(spec.from, '$graphLookup.from');
  const foreign: Scope = { ...scope, stream: sourceStream(from) };
  walkExpression(spec.startWith, scope);
  for (const f of ['connectFromField', 'connectToField'] as const) {
    if (typeof spec[f] !== 'string') notAllowed(`$graphLookup.${f} must be a field name`);
    readField(foreign, spec[f]);
  }
  if (spec.restrictSearchWithMatch !== undefined) walkFilter(spec.restrictSearchWithMatch, foreign);
  if (spec.maxDepth !== undefined && !isCount(spec.maxDepth))
    notAllowed('$graphLookup.maxDepth must be a non-negative integer');
  // The `as` array holds the matched documents whole, and replaces any input field of that name.
  readWhole(foreign);
  addComputed(scope.stream, outputName(spec.as, '$graphLookup.as'));
  // depthField is set on the matched documents inside `as`, not on the input document: an
  // input field of that name flows on untouched, so it must not be marked as computed.
  if (spec.depthField !== undefined) outputName(spec.depthField, '$graphLookup.depthField');
}

function walkStage(stage: unknown, scope: Scope, where: string): Stream {
  if (!isPlainObject(stage) || Object.keys(stage).length !== 1)
    notAllowed(`${where}: each stage is an object with exactly one stage name`);
  const [name, spec] = Object.entries(stage)[0]!;
  if (DENIED[name]) notAllowed(DENIED[name], { stage: name });
  if (!STAGES.has(name))
    notAllowed(`the stage '${name}' is not on Airlock's allowlist`, { stage: name });
  const obj = isPlainObject(spec) ? spec : null;
  const stream = scope.stream;
  switch (name) {
    case '$match':
      walkFilter(spec, scope);
      return stream;
    case '$project': {
      const shape = walkProjection(spec, scope, 'project');
      return shape.inclusion ? derivedStream(shape.outputs) : stream;
    }
    case '$addFields':
    case '$set':
      if (!obj) notAllowed(`${name} needs an object`);
      for (const [k, v] of Object.entries(obj)) {
        topField(k);
        walkExpression(v, scope);
        // A dotted key, or a plain object value ({ a: { b: 1 } } adds b to an existing
        // embedded document), merges into the field: it still holds source data.
        if (!k.includes('.') && !isObjectLiteral(v)) addComputed(stream, k);
      }
      return stream;
    case '$unset':
      for (const f of Array.isArray(spec) ? spec : [spec]) {
        if (typeof f !== 'string') notAllowed('$unset takes field names');
        topField(f);
      }
      return stream;
    case '$group': {
      if (!obj || !('_id' in obj)) notAllowed('$group needs an _id');
      walkExpression(obj._id, scope);
      return derivedStream(['_id', ...walkAccumulators(obj, scope, ['_id'])]);
    }
    case '$sort':
      walkSort(spec, scope);
      return stream;
    case '$limit':
    case '$skip':
      if (!isCount(spec)) notAllowed(`${name} needs a non-negative integer`);
      return stream;
    case '$sample':
      if (!obj || !isCount(obj.size)) notAllowed('$sample needs { size: n }');
      return stream;
    case '$unwind': {
      const path = typeof spec === 'string' ? spec : obj?.path;
      if (typeof path !== 'string' || !path.startsWith('$') || path.startsWith('$$'))
        notAllowed('$unwind needs a field path like "$items"');
      readField(scope, path.slice(1));
      if (obj?.includeArrayIndex !== undefined)
        addComputed(stream, outputName(obj.includeArrayIndex, '$unwind.includeArrayIndex'));
      return stream;
    }
    case '$count':
      return derivedStream([outputName(spec, '$count')]);
    case '$sortByCount':
      walkExpression(spec, scope);
      return derivedStream(['_id', 'count']);
    case '$bucket':
    case '$bucketAuto': {
      if (!obj) notAllowed(`${name} needs an object`);
      walkExpression(obj.groupBy, scope);
      checkLiteral(obj.boundaries);
      checkLiteral(obj.default);
      const outputs =
        obj.output === undefined
          ? ['count']
          : isPlainObject(obj.output)
            ? walkAccumulators(obj.output, scope)
            : notAllowed(`${name}.output must be an object`);
      return derivedStream(['_id', ...outputs]);
    }
    case '$replaceRoot':
    case '$replaceWith':
      walkExpression(name === '$replaceRoot' ? obj?.newRoot : spec, scope);
      return derivedStream([]);
    case '$lookup':
      walkLookup(spec, scope);
      return stream;
    case '$graphLookup':
      walkGraphLookup(spec, scope);
      return stream;
    case '$unionWith': {
      const coll = checkCollection(typeof spec === 'string' ? spec : obj?.coll, '$unionWith.coll');
      scope.reads.touch(coll);
      const sub = walkPipeline(
        obj?.pipeline ?? [],
        { ...scope, stream: sourceStream(coll) },
        '$unionWith.pipeline',
      );
      // The union's documents flow on: later stages read them as much as the main ones.
      return [...stream, ...sub];
    }
    case '$facet': {
      if (!obj || Object.keys(obj).length === 0)
        notAllowed('$facet needs at least one named pipeline');
      for (const [out, p] of Object.entries(obj)) {
        outputName(out, `$facet output '${out}'`);
        walkClosedPipeline(p, scope, copyStream(stream), `$facet.${out}`);
      }
      return derivedStream(Object.keys(obj));
    }
    default:
      return notAllowed(`the stage '${name}' is not on Airlock's allowlist`, { stage: name });
  }
}

/** Walks the stages in order and returns the stream the last one hands on. */
export function walkPipeline(stages: unknown, scope: Scope, where = 'pipeline'): Stream {
  if (!Array.isArray(stages)) notAllowed(`${where} must be an array of stages`);
  if (stages.length > MAX_STAGES) notAllowed(`${where} has more than ${MAX_STAGES} stages`);
  let stream = scope.stream;
  for (const stage of stages) stream = walkStage(stage, { ...scope, stream }, where);
  return stream;
}
