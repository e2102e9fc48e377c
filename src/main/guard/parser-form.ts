/**
 * SQLite syntax node-sql-parser's grammars lack, rewritten to an equivalent form for the parser
 * only (the engine runs the text as the agent sent it, and engine truth checks that text):
 *
 * - `a IS NOT DISTINCT FROM b` is SQLite's `a IS b`, `a IS DISTINCT FROM b` its `a IS NOT b`;
 * - `?NNN` numbered parameters read as `?` (a parameter is data wherever it binds);
 * - a doubled quote inside a quoted name (`"wei""rd"`), which the grammars cannot read as an
 *   alias, is handed over as QUOTE_IN_NAME; ident() turns it back into `"`.
 *
 * Only words and parameters outside strings, quoted names and comments are rewritten.
 */
import { AirlockError } from '../../shared/errors';
import type { Dialect } from './dialect';

/** Stands for `""` inside a quoted SQLite name while the parser reads it (a private-use character). */
export const QUOTE_IN_NAME = '\uE000';

interface Token {
  kind: 'word' | 'param' | 'space' | 'other';
  text: string;
}

function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const take = (kind: Token['kind'], end: number) => {
    out.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      take('other', Math.min(n, j + 1));
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      take('space', j < 0 ? n : j + 1);
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      take('space', j < 0 ? n : j + 2);
    } else if (/\s/.test(c)) {
      let j = i + 1;
      while (j < n && /\s/.test(sql[j]!)) j++;
      take('space', j);
    } else if (c === '?' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j]!)) j++;
      take('param', j);
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      take('word', j);
    } else {
      let j = i + 1;
      // A name's or number's tail (`x1`, `1e5`) stays with it: `a.is` must not read as IS.
      while (j < n && /[0-9.]/.test(c) && /[A-Za-z0-9_.]/.test(sql[j]!)) j++;
      take('other', j);
    }
  }
  return out;
}

/** The statement as node-sql-parser should read it; other dialects pass unchanged. */
export function parserForm(sql: string, dialect: Dialect): string {
  if (dialect !== 'sqlite' || !/distinct|\?[0-9]|""/i.test(sql)) return sql;
  if (sql.includes(QUOTE_IN_NAME)) {
    throw new AirlockError(
      'INVALID_SQL',
      'the statement contains U+E000, a character the guard reserves',
      { layer: 'ast' },
    );
  }
  const toks = tokens(sql);
  const words = (from: number, count: number): number[] | null => {
    const at: number[] = [];
    for (let k = from; k < toks.length && at.length < count; k++) {
      if (toks[k]!.kind === 'space') continue;
      if (toks[k]!.kind !== 'word') return null;
      at.push(k);
    }
    return at.length === count ? at : null;
  };
  const is = (k: number, w: string) => toks[k]!.text.toUpperCase() === w;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.kind === 'param') t.text = '?';
    if (t.kind === 'other' && t.text.length > 2 && t.text.startsWith('"') && t.text.endsWith('"')) {
      t.text = `"${t.text.slice(1, -1).replace(/""/g, QUOTE_IN_NAME)}"`;
    }
    if (t.kind !== 'word' || !is(k, 'IS') || toks[k - 1]?.text === '.') continue;
    const four = words(k, 4);
    if (four && is(four[1]!, 'NOT') && is(four[2]!, 'DISTINCT') && is(four[3]!, 'FROM')) {
      for (const w of four.slice(1)) toks[w]!.text = ' '.repeat(toks[w]!.text.length);
      continue;
    }
    const three = words(k, 3);
    if (three && is(three[1]!, 'DISTINCT') && is(three[2]!, 'FROM')) {
      toks[three[1]!]!.text = 'NOT     ';
      toks[three[2]!]!.text = '    ';
    }
  }
  return toks.map((t) => t.text).join('');
}
