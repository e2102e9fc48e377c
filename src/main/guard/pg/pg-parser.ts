/**
 * PostgreSQL's own parser (libpg-query: the server's grammar compiled to WebAssembly). The
 * module loads asynchronously once per thread: whoever judges PostgreSQL statements awaits
 * loadPgParser() at start; parsing before that is a programming error and says so.
 */
import { loadModule, parseSync } from 'libpg-query';
import { AirlockError } from '../../../shared/errors';
import { isObj, tagged, type PgNode } from './pg-nodes';

let loaded: Promise<void> | null = null;
let ready = false;

/** Loads the parser (idempotent). */
export function loadPgParser(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  return loaded;
}

export const pgParserReady = (): boolean => ready;

/** Parses exactly one statement; returns it as `{ Tag: body }`. What the grammar rejects is refused. */
export function parsePg(sql: string): PgNode {
  if (!ready)
    throw new Error(
      'the PostgreSQL parser is not loaded: await loadPgParser() before judging PostgreSQL statements',
    );
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!.slice(0, 300);
    throw new AirlockError(
      'INVALID_SQL',
      `the statement is not valid PostgreSQL, so the guard refuses it (${message})`,
      { layer: 'ast' },
    );
  }
  const stmts = isObj(tree) && Array.isArray(tree.stmts) ? tree.stmts : [];
  if (stmts.length !== 1) {
    throw new AirlockError(
      'INVALID_SQL',
      stmts.length
        ? 'only one statement per request is accepted'
        : 'the request holds no SQL statement',
      { layer: 'ast' },
    );
  }
  const stmt = isObj(stmts[0]) ? stmts[0].stmt : undefined;
  if (!tagged(stmt))
    throw new AirlockError('INVALID_SQL', 'the statement could not be read', { layer: 'ast' });
  return stmt as PgNode;
}
