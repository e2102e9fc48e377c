import nodeSqlParser from 'node-sql-parser';
import { AirlockError } from '../../shared/errors';
import { PARSER_GRAMMARS, type Dialect } from './dialect';
import { parserForm } from './parser-form';

const parser = new nodeSqlParser.Parser();

/**
 * Parses exactly one statement. What no grammar can parse is refused: the guard never
 * lets through a statement it could not read.
 */
export function parseStatement(
  sql: string,
  dialect: Exclude<Dialect, 'postgres'>,
): Record<string, unknown> {
  let firstError: string | null = null;
  for (const database of PARSER_GRAMMARS[dialect]) {
    let ast: unknown;
    try {
      ast = parser.astify(parserForm(sql, dialect), { database });
    } catch (e) {
      firstError ??= (e as Error).message.split('\n')[0]!.slice(0, 300);
      continue;
    }
    const list = Array.isArray(ast) ? ast : [ast];
    if (list.length !== 1) {
      throw new AirlockError('INVALID_SQL', 'only one statement per request is accepted', {
        layer: 'ast',
      });
    }
    return list[0] as Record<string, unknown>;
  }
  throw new AirlockError(
    'INVALID_SQL',
    `the guard could not parse the statement, so it refuses it (${firstError ?? 'unknown syntax'})`,
    { layer: 'ast' },
  );
}
