/**
 * Layer 1 of the guard: lexical rules, applied to the raw text with the dialect's own
 * tokenising rules before any parser sees it. These close the parse differentials that
 * published bypasses used: text one tool reads as a comment or a string, and another as code.
 */
import { AirlockError } from '../../shared/errors';
import type { Dialect } from './dialect';

interface Token {
  kind: 'space' | 'comment' | 'string' | 'ident' | 'word' | 'semicolon' | 'other';
  start: number;
  end: number;
}

const invalid = (message: string, rule: string) =>
  new AirlockError('INVALID_SQL', message, { layer: 'pre-lex', rule });

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
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      tokens.push({ kind: 'space', start, end: i });
    } else if (c === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      i = j < 0 ? n : j + 1;
      tokens.push({ kind: 'comment', start, end: i });
    } else if (c === '#' && dialect === 'mysql') {
      throw invalid(
        "'#' comments are not accepted: other tools read them as text, so the guard cannot be sure what the server would run. Use -- comments.",
        'hash-comment',
      );
    } else if (c === '/' && next === '*') {
      if (sql[i + 2] === '!' || (dialect === 'mysql' && sql[i + 2] === '+')) {
        throw invalid(
          'executable comments (/*! … */) are not accepted: MySQL runs their contents as SQL while other tools skip them.',
          'executable-comment',
        );
      }
      const j = sql.indexOf('*/', i + 2);
      if (j < 0) throw invalid('a /* comment is not closed', 'unterminated-comment');
      if (dialect === 'postgres' && sql.slice(i + 2, j).includes('/*')) {
        throw invalid('nested /* comments are not accepted', 'nested-comment');
      }
      i = j + 2;
      tokens.push({ kind: 'comment', start, end: i });
    } else if (c === "'") {
      const end = readQuoted(sql, i, "'");
      if (end < 0) throw invalid('a string literal is not closed', 'unterminated-string');
      const body = sql.slice(i + 1, end - 1);
      if (dialect !== 'mysql' && /\\$/.test(body)) {
        throw invalid(
          "a string literal ends with a backslash. In this database a backslash does not escape a quote, but other tools read it as one, so the guard refuses it; write a quote inside a string as ''.",
          'backslash-quote',
        );
      }
      if (dialect === 'mysql' && body.includes('\\')) {
        throw invalid(
          'backslashes in string literals are not accepted (their meaning depends on the server\'s sql_mode); pass the value as a parameter instead.',
          'backslash-escape',
        );
      }
      i = end;
      tokens.push({ kind: 'string', start, end: i });
    } else if (c === '"' || c === '`') {
      const end = readQuoted(sql, i, c);
      if (end < 0) throw invalid('a quoted identifier is not closed', 'unterminated-identifier');
      i = end;
      tokens.push({ kind: 'ident', start, end: i });
    } else if (c === '[' && dialect === 'sqlite') {
      const j = sql.indexOf(']', i);
      if (j < 0) throw invalid('a [bracketed] identifier is not closed', 'unterminated-identifier');
      i = j + 1;
      tokens.push({ kind: 'ident', start, end: i });
    } else if (c === ';') {
      i++;
      tokens.push({ kind: 'semicolon', start, end: i });
    } else if (c === '$' && next === '$') {
      throw invalid('dollar-quoted strings ($$ … $$) are not accepted', 'dollar-quote');
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      const word = sql.slice(start, i);
      if ((word === 'U' || word === 'u') && sql[i] === '&' && (sql[i + 1] === "'" || sql[i + 1] === '"')) {
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
 * Applies the pre-lex rules and returns the single statement's text, without a trailing
 * semicolon. Throws INVALID_SQL with the rule that failed.
 */
export function prelex(sql: string, dialect: Dialect): string {
  if (sql.includes('\u0000')) {
    throw invalid('the statement contains a NUL character', 'nul-byte');
  }
  const tokens = tokenize(sql, dialect);
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
  return sql.slice(0, lastCodeEnd);
}
