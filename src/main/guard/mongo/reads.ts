/**
 * What a MongoDB query reads, collected while the guard walks it, and the state of the
 * document stream at each pipeline stage: which collection's raw documents flow through
 * (so a field reference reads that collection's field) and which top-level fields were
 * computed by earlier stages (whose reads were already counted where they were computed).
 */
import { AirlockError } from '../../../shared/errors';
import { USER_VARIABLE } from './operators';

export function notAllowed(message: string, details: Record<string, unknown> = {}): never {
  throw new AirlockError('STATEMENT_NOT_ALLOWED', message, { layer: 'mongo-guard', ...details });
}

/** One source of documents in the stream: raw documents of `source` (or none), plus computed fields. */
export interface Branch {
  source: string | null;
  computed: Set<string>;
}

/** A stream can hold several branches after $unionWith; a field reference reads from each. */
export type Stream = Branch[];

export const sourceStream = (collection: string): Stream => [
  { source: collection, computed: new Set() },
];
export const derivedStream = (fields: Iterable<string>): Stream => [
  { source: null, computed: new Set(fields) },
];
export const copyStream = (s: Stream): Stream =>
  s.map((b) => ({ source: b.source, computed: new Set(b.computed) }));

export class Reads {
  /** collection → top-level fields read */
  readonly fields = new Map<string, Set<string>>();
  /** Collections whose whole documents reach the answer (find without projection, $$ROOT, …). */
  readonly whole = new Set<string>();
  /** Every collection the query touches, in order of first use. */
  readonly collections = new Set<string>();

  touch(collection: string) {
    this.collections.add(collection);
    if (!this.fields.has(collection)) this.fields.set(collection, new Set());
  }

  field(collection: string, name: string) {
    this.touch(collection);
    this.fields.get(collection)!.add(name);
  }

  wholeDocument(collection: string) {
    this.touch(collection);
    this.whole.add(collection);
  }
}

/** Where an expression is evaluated: the stream it reads from and the variables in scope. */
export interface Scope {
  reads: Reads;
  stream: Stream;
  vars: ReadonlySet<string>;
}

export const withVars = (scope: Scope, names: Iterable<string>): Scope => {
  const vars = new Set(scope.vars);
  for (const n of names) {
    if (!USER_VARIABLE.test(n))
      notAllowed(
        `'${n}' is not an allowed variable name: start with a lowercase letter, then letters, digits or _`,
      );
    vars.add(n);
  }
  return { ...scope, vars };
};

/**
 * Validates a field path and returns its top-level field. Grants name top-level fields, so
 * `"a.b"` and `{ a: { b } }` both read `a`.
 */
export function topField(path: string): string {
  if (typeof path !== 'string' || path.length === 0) notAllowed('a field name is empty');
  const parts = path.split('.');
  for (const p of parts) {
    if (p.length === 0) notAllowed(`the field path '${path}' has an empty part`);
    if (p.startsWith('$')) notAllowed(`the field path '${path}' has a part starting with '$'`);
  }
  if (path.includes('\u0000')) notAllowed('a field name contains a NUL character');
  return parts[0]!;
}

/** A field of the current documents is read: count it against each branch's collection. */
export function readField(scope: Scope, path: string) {
  const top = topField(path);
  for (const b of scope.stream) {
    if (b.computed.has(top)) continue;
    if (b.source !== null) scope.reads.field(b.source, top);
  }
}

/** The whole current document is read ($$ROOT, $$CURRENT, documents returned as they are). */
export function readWhole(scope: Pick<Scope, 'reads' | 'stream'>) {
  for (const b of scope.stream) if (b.source !== null) scope.reads.wholeDocument(b.source);
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof Date) &&
  !(v as { _bsontype?: unknown })._bsontype &&
  !(v instanceof Uint8Array);
