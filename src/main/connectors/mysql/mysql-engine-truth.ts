/**
 * What MySQL/MariaDB would touch, from two plans of the statement (neither runs it):
 *
 * - `EXPLAIN FORMAT=JSON`: the tables each step reads (`table_name`, an alias), the key parts
 *   an index lookup compares (`used_key_parts` of ref/range/eq_ref access) and the tables an
 *   UPDATE or DELETE modifies;
 * - the optimizer's rewrite of the statement (note 1003 after `EXPLAIN EXTENDED`), in which
 *   the server spells every table `db`.`table` `alias` and every column `db`.`alias`.`column`
 *   after resolving names, expanding views and `*`.
 *
 * The rewrite maps the JSON plan's aliases to tables and gives the columns; see plan-check.ts
 * for the comparison with the parser.
 */
import { EngineTruthError, addColumn, newTouches, type PlanTouches } from '../plan-check';
import type { MysqlEngineSchema } from './mysql-schema';

interface Tok {
  k: 'bt' | 'str' | 'word' | 'num' | 'punct';
  v: string;
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      i = j < 0 ? n : j + 2;
    } else if (c === '`') {
      let v = '';
      i++;
      while (i < n) {
        if (text[i] === '`') {
          if (text[i + 1] === '`') {
            v += '`';
            i += 2;
            continue;
          }
          break;
        }
        v += text[i++];
      }
      i++;
      out.push({ k: 'bt', v });
    } else if (c === "'") {
      i++;
      while (i < n && text[i] !== "'") i += text[i] === '\\' ? 2 : 1;
      i++;
      if (text[i] === "'") continue; // '' inside a string: keep reading it as one string
      out.push({ k: 'str', v: '' });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i))!;
      out.push({ k: 'word', v: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9.eE+-]*/.exec(text.slice(i))!;
      out.push({ k: 'num', v: m[0] });
      i += m[0].length;
    } else {
      out.push({ k: 'punct', v: c });
      i++;
    }
  }
  return out;
}

/** Words the rewrite prints before '(' that are syntax, not function calls. */
const SYNTAX = new Set([
  'in', 'and', 'or', 'not', 'xor', 'exists', 'select', 'from', 'where', 'values', 'on', 'using', 'as', 'join',
  'over', 'partition', 'by', 'is', 'like', 'between', 'semi', 'with', 'union', 'all', 'any', 'some', 'case',
  'when', 'then', 'else', 'interval', 'into', 'set', 'group', 'order', 'having', 'limit', 'charset', 'char',
  'cast', 'convert', 'distinct', 'row', 'escape', 'regexp', 'rlike', 'div', 'mod', 'binary', 'collate',
  // type names with a length or precision: cast(x as decimal(10,1))
  'decimal', 'dec', 'numeric', 'nchar', 'varchar', 'signed', 'unsigned', 'datetime', 'double', 'float', 'int', 'integer',
]);

/** The index of the ')' that closes the '(' at `open` (the last token if unbalanced). */
function closingParen(toks: Tok[], open: number): number {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    if (toks[k]!.v === '(' && toks[k]!.k === 'punct') depth++;
    else if (toks[k]!.v === ')' && toks[k]!.k === 'punct' && --depth === 0) return k;
  }
  return toks.length - 1;
}

/** Functions the rewrite shows although the statement did not name them that way. */
export const MYSQL_ENGINE_FUNCTIONS: ReadonlySet<string> = new Set([
  'count', 'lcase', 'ucase', 'substr', 'substring', 'cast', 'convert', 'ifnull', 'if', 'coalesce', 'octet_length',
  'ceiling', 'trim', 'ltrim', 'rtrim', 'extract', 'to_days', 'date', 'current_timestamp', 'now', 'curdate', 'json_extract',
]);

export interface MysqlRewrite {
  touches: PlanTouches;
  /** (db, alias) → table */
  aliases: Map<string, string>;
}

const key = (db: string, alias: string) => `${db}\u0000${alias}`;

/** Reads the optimizer's rewrite (note 1003). */
export function readRewrite(note: string, schema: MysqlEngineSchema): MysqlRewrite {
  const t = newTouches();
  const aliases = new Map<string, string>();
  const toks = tokenize(note);
  const columnRefs: { db: string; alias: string; col: string }[] = [];
  // Database and table names are compared exactly: on a case-sensitive server `Sales` and
  // `sales` are two databases.
  const tableName = (db: string, table: string) => (db === schema.database ? table : `${db}.${table}`);
  const first = toks.find((x) => x.k === 'word')?.v.toLowerCase();
  let insertTarget = first === 'insert' || first === 'replace';

  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i]!;
    if (tok.k === 'bt') {
      const parts = [tok.v];
      let j = i;
      while (toks[j + 1]?.v === '.' && toks[j + 2]?.k === 'bt') {
        parts.push(toks[j + 2]!.v);
        j += 2;
      }
      const next = toks[j + 1];
      const prev = toks[i - 1];
      if (parts.length > 3) throw new EngineTruthError('the rewritten statement has a name the guard cannot read', parts.join('.'));
      if (parts.length === 3) {
        columnRefs.push({ db: parts[0]!, alias: parts[1]!, col: parts[2]! });
      } else if (parts.length === 2) {
        const [db, name] = parts as [string, string];
        const afterInto = prev?.k === 'word' && prev.v.toLowerCase() === 'into';
        if (next?.v === '(' && !afterInto) {
          throw new EngineTruthError('the statement would call a stored function', `${db}.${name}`);
        }
        if (schema.databases.has(db) || afterInto) {
          const table = tableName(db, name);
          t.tables.add(table);
          if (insertTarget) {
            t.written.add(table);
            insertTarget = false;
          }
          const alias = next?.k === 'bt' && toks[j + 2]?.v !== '.' ? next.v : name;
          aliases.set(key(db, alias), table);
        }
      }
      i = j;
    } else if (tok.k === 'word' && toks[i + 1]?.v === '(') {
      const name = tok.v.toLowerCase();
      if (toks[i - 1]?.v === '<' || SYNTAX.has(name)) continue; // <in_optimizer>(…), <cache>(…): optimizer markers
      // A CTE's column list, `name(`a`,`b`) as (select …)` — unlike a call with an alias, `f(x) AS `y``.
      const close = closingParen(toks, i + 1);
      if (toks[close + 1]?.v.toLowerCase() === 'as' && toks[close + 2]?.v === '(') continue;
      t.functions.add(name);
    }
  }
  for (const { db, alias, col } of columnRefs) {
    const table = aliases.get(key(db, alias));
    if (!table) throw new EngineTruthError('the rewritten statement reads a column the guard cannot map to a table', `${db}.${alias}.${col}`);
    addColumn(t, table, col);
  }
  return { touches: t, aliases };
}

/** Access types whose `used_key_parts` are compared with values (not a full index scan). */
const LOOKUP = new Set(['ref', 'eq_ref', 'ref_or_null', 'range', 'const', 'system', 'unique_subquery', 'index_subquery', 'fulltext']);

/** Adds what the JSON plan shows: every table step must map to a table of the rewrite. */
export function readJsonPlan(plan: unknown, rw: MysqlRewrite): void {
  const byAlias = new Map<string, string[]>();
  for (const [k, table] of rw.aliases) {
    const alias = k.split('\u0000')[1]!;
    byAlias.set(alias, [...(byAlias.get(alias) ?? []), table]);
  }
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const node = v as Record<string, unknown>;
    if (typeof node.table_name === 'string' && !node.table_name.startsWith('<')) {
      const tables = byAlias.get(node.table_name);
      if (!tables || tables.length !== 1) {
        throw new EngineTruthError('the plan reads a table the guard cannot map', node.table_name);
      }
      const table = tables[0]!;
      if (node.update === 1 || node.delete === 1) rw.touches.written.add(table);
      if (LOOKUP.has(String(node.access_type)) && Array.isArray(node.used_key_parts)) {
        for (const part of node.used_key_parts) addColumn(rw.touches, table, String(part));
      }
    }
    for (const x of Object.values(node)) visit(x);
  };
  visit(plan);
}
