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
  /**
   * Tokens of code (words, literals, names, operators; not spaces or comments). Parsing costs
   * 0.1 to 0.2 ms of CPU per token on the node-sql-parser grammars, so 5,000 keeps even long
   * lists and condition chains to a few hundred milliseconds.
   */
  tokens: 5_000,
  /** Parentheses open at once. */
  depth: 32,
  /**
   * Calls open at once: a parenthesis right after a name or keyword (`f(`, `EXISTS (`, `IN (`),
   * with CAST, CONVERT and TRIM counting twice: their grammar rules backtrack the most, and
   * four nested CASTs already cost over half a second of parsing. Ordinary expressions stay
   * well inside: `ROUND(AVG(COALESCE(CAST(NULLIF(x, '') AS REAL), 0)), 2)` counts 6.
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
const GROUPING_WORDS = new Set(
  'AND OR NOT XOR WHERE ON HAVING WHEN THEN ELSE SELECT FROM JOIN AS BY RETURNING SET'.split(' '),
);
/** A subquery opened after these is a derived table, which nests cheaply. */
const TABLE_WORDS = new Set(['FROM', 'JOIN']);
const SET_OPERATORS = new Set(['UNION', 'INTERSECT', 'EXCEPT', 'MINUS']);
/** Calls whose grammar rules try several alternatives around a whole expression. */
const HEAVY_CALLS = new Set(['CAST', 'TRY_CAST', 'CONVERT', 'TRIM']);

interface Open {
  /** What this parenthesis adds to the call depth. */
  weight: number;
  /** The keyword or name right before it, if any. */
  after: string | null;
}

/** Fed the statement's code tokens in order; throws as soon as a limit is passed. */
export class ShapeCheck {
  private tokens = 0;
  private arms = 1;
  private readonly open: Open[] = [];
  private calls = 0;
  private lastWord: string | null = null;
  private lastWasOpen = false;
  /** Where the previous token ended, if it was a digit or a decimal point. */
  private numberEnd = -1;

  /**
   * `kind` is the lexer's token kind, `text` the token's text (literals' text is not needed),
   * `start` and `end` its place in the statement.
   */
  add(kind: 'word' | 'ident' | 'string' | 'other', text: string, start: number, end: number): void {
    // The lexer hands numbers over a character at a time; a number counts as one token.
    const digit = kind === 'other' && /^[0-9.]$/.test(text);
    const continues = digit && this.numberEnd === start;
    this.numberEnd = digit ? end : -1;
    if (!continues && ++this.tokens > PRELEX_LIMITS.tokens) {
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
    const top = this.open[this.open.length - 1];
    if (word === 'SELECT' && this.lastWasOpen && top && !TABLE_WORDS.has(top.after ?? '')) {
      // `(SELECT` in an expression: a subquery, which the grammars try as several things.
      top.weight++;
      this.addCalls(1);
    }
    this.lastWasOpen = kind === 'other' && text === '(';
    if (this.lastWasOpen) {
      const w = this.lastWord;
      const weight = w === null || GROUPING_WORDS.has(w) ? 0 : HEAVY_CALLS.has(w) ? 2 : 1;
      this.open.push({ weight, after: w });
      if (this.open.length > PRELEX_LIMITS.depth) {
        throw tooComplex(
          `parentheses are nested more than ${PRELEX_LIMITS.depth} levels deep, more than the guard checks; flatten the expression or move parts into a WITH clause`,
          'nesting-depth',
          PRELEX_LIMITS.depth,
        );
      }
      this.addCalls(weight);
    } else if (kind === 'other' && text === ')') {
      const closed = this.open.pop();
      if (!closed) throw unbalanced();
      this.calls -= closed.weight;
    }
    this.lastWord = word;
  }

  /** At the end of the statement: every parenthesis opened was closed. */
  end(): void {
    if (this.open.length > 0) throw unbalanced();
  }

  private addCalls(n: number): void {
    if ((this.calls += n) > PRELEX_LIMITS.callDepth) {
      throw tooComplex(
        `function calls and subqueries are nested more than ${PRELEX_LIMITS.callDepth} deep (CAST, CONVERT and TRIM count twice), more than the guard checks in time; move inner parts into a WITH clause`,
        'call-depth',
        PRELEX_LIMITS.callDepth,
      );
    }
  }
}

function unbalanced(): AirlockError {
  return new AirlockError('INVALID_SQL', "the statement's parentheses are not balanced", {
    layer: 'pre-lex',
    rule: 'unbalanced-parentheses',
  });
}
