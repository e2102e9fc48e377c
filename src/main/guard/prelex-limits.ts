/**
 * The pre-lex layer's size and shape limits. node-sql-parser's grammars backtrack without
 * memoising, so some nestings cost time exponential in their depth (nested CAST or TRIM on
 * MariaDB, EXISTS / IN subqueries and window calls on PostgreSQL's grammar) and long lists cost
 * far more per token than one would guess. These limits refuse such statements before any
 * parser sees them, in time linear in the text; the parse deadline (guard-pool.ts) is the
 * backstop for whatever slips under them. The figures come from measuring each grammar:
 * `npm run bench:guard` prints what statements at and beyond the limits cost.
 */
import { AirlockError } from '../../shared/errors';

export const PRELEX_LIMITS = {
  /** Characters in the request's SQL text. */
  length: 100_000,
  /** Tokens of code (words, literals, names, operators; not spaces or comments). */
  tokens: 10_000,
  /** Parentheses open at once. */
  depth: 32,
  /**
   * Calls open at once: a parenthesis right after a name or keyword (`CAST(`, `TRIM(`,
   * `EXISTS (`, `IN (`, `f(`). This is the depth at which the grammars' exponential cases
   * start to cost tenths of a second; ordinary expressions nest three or four calls deep.
   */
  callDepth: 6,
  /** SELECTs joined by UNION, INTERSECT or EXCEPT, counted over the whole statement. */
  setArms: 100,
} as const;

export type PrelexLimit =
  'statement-length' | 'tokens' | 'nesting-depth' | 'call-depth' | 'set-operations';

export const tooComplex = (message: string, limit: PrelexLimit, max: number) =>
  new AirlockError('INVALID_SQL', `${message} (limit ${limit} = ${max})`, {
    layer: 'pre-lex',
    rule: limit,
    limit,
    max,
  });

/**
 * Keywords after which a parenthesis groups rather than calls; these nest cheaply in every
 * grammar, so they count toward the parenthesis depth only.
 */
const GROUPING_WORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'XOR',
  'WHERE',
  'ON',
  'HAVING',
  'WHEN',
  'THEN',
  'ELSE',
  'SELECT',
  'FROM',
  'JOIN',
  'AS',
  'BY',
  'RETURN',
  'RETURNING',
  'SET',
]);
const SET_OPERATORS = new Set(['UNION', 'INTERSECT', 'EXCEPT', 'MINUS']);

/** Fed the statement's code tokens in order; throws as soon as a limit is passed. */
export class ShapeCheck {
  private tokens = 0;
  private arms = 1;
  /** One entry per open parenthesis: whether it opened a call. */
  private readonly open: boolean[] = [];
  private calls = 0;
  private lastWord: string | null = null;

  /** `kind` is the lexer's token kind; `text` the token's text. */
  add(kind: 'word' | 'ident' | 'string' | 'other', text: string): void {
    if (++this.tokens > PRELEX_LIMITS.tokens) {
      throw tooComplex(
        `the statement has more than ${PRELEX_LIMITS.tokens} tokens, more than the guard checks; pass long lists of values as parameters or split the statement`,
        'tokens',
        PRELEX_LIMITS.tokens,
      );
    }
    const word = kind === 'word' ? text.toUpperCase() : null;
    if (word !== null && SET_OPERATORS.has(word) && ++this.arms > PRELEX_LIMITS.setArms) {
      throw tooComplex(
        `the statement joins more than ${PRELEX_LIMITS.setArms} SELECTs with UNION, INTERSECT or EXCEPT, more than the guard checks; split it into several requests`,
        'set-operations',
        PRELEX_LIMITS.setArms,
      );
    }
    if (kind === 'other' && text === '(') {
      const call = this.lastWord !== null && !GROUPING_WORDS.has(this.lastWord);
      this.open.push(call);
      if (this.open.length > PRELEX_LIMITS.depth) {
        throw tooComplex(
          `parentheses are nested more than ${PRELEX_LIMITS.depth} levels deep, more than the guard checks; flatten the expression or move parts into a WITH clause`,
          'nesting-depth',
          PRELEX_LIMITS.depth,
        );
      }
      if (call && ++this.calls > PRELEX_LIMITS.callDepth) {
        throw tooComplex(
          `function calls and subqueries are nested more than ${PRELEX_LIMITS.callDepth} deep, more than the guard checks in time; move inner parts into a WITH clause or a subquery in FROM`,
          'call-depth',
          PRELEX_LIMITS.callDepth,
        );
      }
    } else if (kind === 'other' && text === ')') {
      if (this.open.length === 0) throw unbalanced();
      if (this.open.pop()) this.calls--;
    }
    this.lastWord = word;
  }

  /** At the end of the statement: every parenthesis opened was closed. */
  end(): void {
    if (this.open.length > 0) throw unbalanced();
  }
}

function unbalanced(): AirlockError {
  return new AirlockError('INVALID_SQL', "the statement's parentheses are not balanced", {
    layer: 'pre-lex',
    rule: 'unbalanced-parentheses',
  });
}
