/**
 * Layer 1 of the guard: lexical rules, applied to the raw text with the dialect's own
 * tokenising rules before any parser sees it. These close the parse differentials that
 * published bypasses used: text one tool reads as a comment or a string, and another as code.
 */
import { AirlockError } from '../../shared/errors';
import type { Dialect } from './dialect';
import { PRELEX_LIMITS, ShapeCheck, tooComplex } from './prelex-limits';

interface Token {
  kind: 'space' | 'comment' | 'string' | 'ident' | 'word' | 'semicolon' | 'other';
  start: number;
  end: number;
}

const invalid = (message: string, rule: string) =>
  new AirlockError('INVALID_SQL', message, { layer: 'pre-lex', rule });

/** The whitespace every engine we guard agrees on; other Unicode spaces are identifier text to them. */
const ASCII_SPACE = /[ \t\n\r\f\v]/;
const nonAsciiSpace = () =>
  invalid(
    'the statement contains a non-ASCII space outside a string. The database reads it as part of a name while other tools read it as a space, so the guard refuses it.',
    'non-ascii-space',
  );

/** `$$` or `$tag$` at position i: the opening of a PostgreSQL dollar-quoted string. */
const DOLLAR_TAG = /\$[A-Za-z0-9_\u0080-\uffff]*\$/y;
function dollarTagAt(sql: string, i: number): boolean {
  DOLLAR_TAG.lastIndex = i;
  return DOLLAR_TAG.test(sql);
}

/**
 * Letters node-sql-parser's grammars read as a literal prefix (b'01', E'…', N'…', _utf8'…') where
 * SQLite reads a column name followed by a string alias. x'…' means a blob to both.
 */
const SQLITE_STRING_PREFIX = /^([bBeEnN]|_\w*)$/;

function readQuoted(sql: string, start: number, close: string): number {
  // Doubling the quote escapes it in every dialect we lex; backslash handling is checked apart.
  let i = start + 1;
  for (;;) {
    const j = sql.indexOf(close, i);
    if (j < 0) return -1;
    if (sql[j + 1] === close) {
      i = j + 2;
      continue;
    }
    return j + 1;
  }
}

function tokenize(sql: string, dialect: Dialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    const start = i;
    if (ASCII_SPACE.test(c)) {
      while (i < n && ASCII_SPACE.test(sql[i]!)) i++;
      tokens.push({ kind: 'space', start, end: i });
    } else if (/\s/.test(c)) {
      throw nonAsciiSpace();
    } else if (c === '-' && next === '-') {
      const after = sql.charCodeAt(i + 2);
      if (dialect === 'mysql' && i + 2 < n && after > 32) {
        // MySQL starts a -- comment only before a space or control character: `1--1` is
        // arithmetic to it, while other tools read a comment there.
        throw invalid(
          "'--' must be followed by a space to start a comment in MySQL; other tools disagree, so the guard refuses it. Write '-- ' for a comment or '- -' for arithmetic.",
          'dash-comment',
        );
      }
      const j = sql.indexOf('\n', i);
      i = j < 0 ? n : j + 1;
      tokens.push({ kind: 'comment', start, end: i });
    } else if (c === '#' && dialect !== 'postgres') {
      // MySQL and node-sql-parser's SQLite grammar read '#' as a line comment; SQLite reads
      // '#name' as a parameter and runs what follows. Either way one side skips code.
      throw invalid(
        "'#' is not accepted outside strings: some tools read it as a comment and others as code, so the guard cannot be sure what the server would run. Use -- comments.",
        'hash-comment',
      );
    } else if (c === '/' && next === '*') {
      // /*! and MariaDB's /*M! run their contents; /*+ carries optimizer hints.
      if (
        sql[i + 2] === '!' ||
        (dialect === 'mysql' && (sql[i + 2] === '+' || (sql[i + 2] === 'M' && sql[i + 3] === '!')))
      ) {
        throw invalid(
          'executable comments (/*! … */) are not accepted: MySQL runs their contents as SQL while other tools skip them.',
          'executable-comment',
        );
      }
      const j = sql.indexOf('*/', i + 2);
      if (j < 0) throw invalid('a /* comment is not closed', 'unterminated-comment');
      // PostgreSQL nests block comments; SQLite and MySQL do not, and the parser's grammars
      // differ too: where a comment ends is then a matter of opinion.
      if (sql.slice(i + 2, j).includes('/*')) {
        throw invalid('nested /* comments are not accepted', 'nested-comment');
      }
      i = j + 2;
      tokens.push({ kind: 'comment', start, end: i });
    } else if (c === "'") {
      const end = readQuoted(sql, i, "'");
      if (end < 0) throw invalid('a string literal is not closed', 'unterminated-string');
      const body = sql.slice(i + 1, end - 1);
      const prev = tokens[tokens.length - 1];
      if (
        dialect === 'postgres' &&
        prev?.kind === 'word' &&
        prev.end === i &&
        /^[eE]$/.test(sql.slice(prev.start, prev.end))
      ) {
        throw invalid(
          "escape strings (E'…') are not accepted: their backslash escapes hide text from the guard. Use a plain '…' string or a parameter.",
          'escape-string',
        );
      }
      // A backslash before any quote of the literal ('x\' or 'x\''…'): this database ends or
      // continues the string there, a backslash-escaping reader does the opposite.
      if (dialect !== 'mysql' && sql.slice(i + 1, end).includes("\\'")) {
        throw invalid(
          "a string literal has a backslash before a quote. In this database a backslash does not escape a quote, but other tools read it as one, so the guard refuses it; write a quote inside a string as ''.",
          'backslash-quote',
        );
      }
      if (
        dialect === 'sqlite' &&
        prev?.kind === 'word' &&
        prev.end === i &&
        SQLITE_STRING_PREFIX.test(sql.slice(prev.start, prev.end))
      ) {
        throw invalid(
          `'${sql.slice(prev.start, prev.end)}' directly before a string is read as a column name by SQLite but as a literal prefix by other tools; put a space or an operator between them.`,
          'string-prefix',
        );
      }
      if (dialect === 'mysql' && body.includes('\\')) {
        throw invalid(
          "backslashes in string literals are not accepted (their meaning depends on the server's sql_mode); pass the value as a parameter instead.",
          'backslash-escape',
        );
      }
      i = end;
      tokens.push({ kind: 'string', start, end: i });
    } else if (c === '"' && dialect === 'mysql') {
      // A string in MySQL's default mode, a name under ANSI_QUOTES: which one depends on the server.
      throw invalid(
        'double quotes are not accepted in MySQL statements: write strings in single quotes and names in backticks.',
        'double-quote',
      );
    } else if (c === '"' || c === '`') {
      const end = readQuoted(sql, i, c);
      if (end < 0) throw invalid('a quoted identifier is not closed', 'unterminated-identifier');
      if (sql.slice(i + 1, end).includes(`\\${c}`)) {
        // The parser reads \" inside "…" as an escaped quote; the database ends the name there.
        throw invalid(
          'a quoted identifier has a backslash before a quote; the guard refuses it because tools disagree on where the name ends.',
          'backslash-quote',
        );
      }
      i = end;
      tokens.push({ kind: 'ident', start, end: i });
    } else if (c === '[' && dialect === 'sqlite') {
      // SQLite reads [ … ] as a name; the parser's grammars read '[' as an array subscript, so
      // quotes or comment marks inside the brackets shift what each side sees as code.
      const j = sql.indexOf(']', i);
      if (j < 0) throw invalid('a [bracketed] identifier is not closed', 'unterminated-identifier');
      throw invalid(
        "[bracketed] identifiers are not accepted: the guard's parser reads brackets differently from SQLite. Quote names with double quotes instead.",
        'bracket-identifier',
      );
    } else if (c === ';') {
      i++;
      tokens.push({ kind: 'semicolon', start, end: i });
    } else if (c === '$' && dollarTagAt(sql, i)) {
      // $$…$$ and $tag$…$tag$ are strings to PostgreSQL (and its grammar, SQLite's fallback),
      // but SQLite reads $tag$ as a parameter and runs what follows.
      throw invalid(
        'dollar-quoted strings ($$ … $$, $tag$ … $tag$) are not accepted',
        'dollar-quote',
      );
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      const word = sql.slice(start, i);
      if (/\s/.test(word)) throw nonAsciiSpace();
      if (
        (word === 'U' || word === 'u') &&
        sql[i] === '&' &&
        (sql[i + 1] === "'" || sql[i + 1] === '"')
      ) {
        throw invalid(
          "Unicode-escape literals (U&'…') are not accepted: their escapes hide text from the guard.",
          'unicode-escape',
        );
      }
      tokens.push({ kind: 'word', start, end: i });
    } else {
      i++;
      tokens.push({ kind: 'other', start, end: i });
    }
  }
  return tokens;
}

/**
 * How many `?` placeholders a MySQL statement has (outside strings, names and comments), so a
 * wrong number of parameters is refused before the server sees it: MariaDB reads the values of
 * extra parameters from the wrong place instead of refusing them. Null for the other dialects,
 * whose drivers check the count themselves.
 */
export function placeholderCount(sql: string, dialect: Dialect): number | null {
  if (dialect !== 'mysql') return null;
  let n = 0;
  for (const t of tokenize(sql, dialect)) if (t.kind === 'other' && sql[t.start] === '?') n++;
  return n;
}

/**
 * Applies the pre-lex rules and returns the single statement's text, without a trailing
 * semicolon. Throws INVALID_SQL with the rule that failed.
 */
export function prelex(sql: string, dialect: Dialect): string {
  if (sql.includes('\u0000')) {
    throw invalid('the statement contains a NUL character', 'nul-byte');
  }
  if (sql.length > PRELEX_LIMITS.length) {
    throw tooComplex(
      `the statement is ${sql.length} characters long; the guard checks statements of at most ${PRELEX_LIMITS.length} characters. Pass large values as parameters.`,
      'statement-length',
      PRELEX_LIMITS.length,
    );
  }
  const tokens = tokenize(sql, dialect);
  const shape = new ShapeCheck();
  let statements = 0;
  let inStatement = false;
  let lastCodeEnd = 0;
  let firstCodeStart = -1;
  for (const t of tokens) {
    if (t.kind === 'space' || t.kind === 'comment') continue;
    if (t.kind === 'semicolon') {
      inStatement = false;
      continue;
    }
    // Literals and quoted names only count; their text is never a keyword or a parenthesis.
    shape.add(
      t.kind,
      t.kind === 'word' || t.kind === 'other' ? sql.slice(t.start, t.end) : '',
      t.start,
      t.end,
    );
    if (!inStatement) {
      statements++;
      inStatement = true;
      if (statements > 1) {
        throw invalid(
          'only one statement per request is accepted; send each statement in its own request',
          'multiple-statements',
        );
      }
    }
    if (firstCodeStart < 0) firstCodeStart = t.start;
    lastCodeEnd = t.end;
  }
  if (statements === 0) throw invalid('the request holds no SQL statement', 'empty');
  shape.end();
  return sql.slice(0, lastCodeEnd);
}
