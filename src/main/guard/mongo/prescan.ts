/**
 * The first MongoDB layer, on the request's raw JSON before anything interprets it: size and
 * depth limits, and the dangerous names refused wherever they hide (inside $literal, in
 * values, in sub-pipelines). Then Extended JSON ({"$oid": …}, {"$date": …}) becomes BSON
 * values, and the result is checked again for JavaScript code values.
 */
import { BSON } from 'mongodb';
import { AirlockError } from '../../../shared/errors';
import { DENIED } from './operators';
import { notAllowed } from './reads';

export const MAX_DEPTH = 32;
export const MAX_NODES = 20_000;

function tooLarge(message: string): never {
  throw new AirlockError('VALIDATION_FAILED', message, { layer: 'mongo-guard' });
}

/** Walks the raw JSON once; recursion stops at MAX_DEPTH, so hostile nesting cannot exhaust the stack. */
export function prescan(raw: unknown): void {
  let nodes = 0;
  const visit = (v: unknown, depth: number) => {
    if (++nodes > MAX_NODES)
      tooLarge(`the query has more than ${MAX_NODES} values; split it or simplify it`);
    if (depth > MAX_DEPTH) tooLarge(`the query is nested deeper than ${MAX_DEPTH} levels`);
    if (typeof v === 'string' && v.includes('\u0000'))
      notAllowed('a string contains a NUL character');
    if (Array.isArray(v)) {
      for (const e of v) visit(e, depth + 1);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const keys = Object.keys(v);
    for (const k of keys) {
      if (DENIED[k]) notAllowed(DENIED[k], { operator: k });
      if (k === '__proto__') notAllowed('the field name __proto__ is not supported');
      if (k.includes('\u0000')) notAllowed('a field name contains a NUL character');
    }
    // Extended JSON reads { $regex, … } as a regular expression and drops the other keys.
    if (keys.includes('$regex') && keys.some((k) => k !== '$regex' && k !== '$options')) {
      notAllowed(
        '$regex cannot share an object with other operators; combine conditions with $and',
      );
    }
    for (const e of Object.values(v)) visit(e, depth + 1);
  };
  visit(raw, 0);
}

const FORBIDDEN_BSON = new Set(['Code', 'BSONSymbol', 'DBPointer']);

/** After Extended JSON: no JavaScript (Code/CodeWScope), symbol or DBPointer values at all. */
function assertNoCode(v: unknown): void {
  if (Array.isArray(v)) {
    for (const e of v) assertNoCode(e);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const t = (v as { _bsontype?: string })._bsontype;
  if (t && FORBIDDEN_BSON.has(t))
    notAllowed(
      t === 'Code' ? 'JavaScript code values are not allowed' : `${t} values are not allowed`,
    );
  if (t) return;
  for (const e of Object.values(v)) assertNoCode(e);
}

/** Extended JSON → BSON values (relaxed: plain JSON numbers stay numbers). */
export function fromExtendedJson<T>(raw: T): T {
  let out: T;
  try {
    out = BSON.EJSON.deserialize(raw as Record<string, unknown>, { relaxed: true }) as T;
  } catch (e) {
    throw new AirlockError(
      'VALIDATION_FAILED',
      `a typed value is not valid Extended JSON: ${(e as Error).message}`,
      { layer: 'mongo-guard' },
    );
  }
  assertNoCode(out);
  return out;
}
