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
import type { Analysis } from '../../guard/analyzer';
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
  'in',
  'and',
  'or',
  'not',
  'xor',
  'exists',
  'select',
  'from',
  'where',
  'values',
  'on',
  'using',
  'as',
  'join',
  'over',
  'partition',
  'by',
  'is',
  'like',
  'between',
  'semi',
  'with',
  'union',
  'all',
  'any',
  'some',
  'case',
  'when',
  'then',
  'else',
  'interval',
  'into',
  'set',
  'group',
  'order',
  'having',
  'limit',
  'charset',
  'char',
  'cast',
  'convert',
  'distinct',
  'row',
  'escape',
  'regexp',
  'rlike',
  'div',
  'mod',
  'binary',
  'collate',
  // type names with a length or precision: cast(x as decimal(10,1))
  'decimal',
  'dec',
  'numeric',
  'nchar',
  'varchar',
  'signed',
  'unsigned',
  'datetime',
  'double',
  'float',
  'int',
  'integer',
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
  'count',
  'lcase',
  'ucase',
  'substr',
  'substring',
  'cast',
  'convert',
  'ifnull',
  'if',
  'coalesce',
  'octet_length',
  'ceiling',
  'trim',
  'ltrim',
  'rtrim',
  'extract',
  'to_days',
  'date',
  'current_timestamp',
  'now',
  'curdate',
  'json_extract',
]);

export interface MysqlRewrite {
  touches: PlanTouches;
  /** Whether a name (unqualified, as a trace prints it) is a table or view of the connection. */
  isTable: (name: string) => boolean;
  /** (db, alias) → table */
  aliases: Map<string, string>;
}

const key = (db: string, alias: string) => `${db}\u0000${alias}`;

/** Reads the optimizer's rewrite (note 1003). */
export function readRewrite(note: string, schema: MysqlEngineSchema): MysqlRewrite {
  const t = newTouches();
  const aliases = new Map<string, string>();
  const clashes = new Set<string>();
  const toks = tokenize(note);
  const columnRefs: { db: string; alias: string; col: string }[] = [];
  // Database and table names are compared exactly: on a case-sensitive server `Sales` and
  // `sales` are two databases.
  const tableName = (db: string, table: string) =>
    db === schema.database ? table : `${db}.${table}`;
  const first = toks.find((x) => x.k === 'word')?.v.toLowerCase();
  let insertTarget = first === 'insert' || first === 'replace';
  const insertUpsert = insertTarget && /\bon duplicate key update\b/i.test(note);
  // Paren depths at which a SET list (UPDATE … SET, ON DUPLICATE KEY UPDATE) is open: a column
  // right after SET/UPDATE or a comma there, followed by '=', is a target, not a read.
  let depth = 0;
  const setDepths = new Set<number>();

  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i]!;
    if (tok.k === 'punct' && tok.v === '(') depth++;
    else if (tok.k === 'punct' && tok.v === ')') setDepths.delete(depth--);
    else if (tok.k === 'word' && /^(set|update)$/i.test(tok.v)) setDepths.add(depth);
    else if (tok.k === 'word' && /^(where|order|limit|returning)$/i.test(tok.v))
      setDepths.delete(depth);
    if (tok.k === 'bt') {
      const parts = [tok.v];
      let j = i;
      while (toks[j + 1]?.v === '.' && toks[j + 2]?.k === 'bt') {
        parts.push(toks[j + 2]!.v);
        j += 2;
      }
      const next = toks[j + 1];
      const prev = toks[i - 1];
      if (parts.length > 3)
        throw new EngineTruthError(
          'the rewritten statement has a name the guard cannot read',
          parts.join('.'),
        );
      if (parts.length === 3) {
        const before = prev?.k === 'word' ? prev.v.toLowerCase() : prev?.v;
        const target =
          setDepths.has(depth) &&
          (before === 'set' || before === 'update' || before === ',') &&
          next?.v === '=';
        // value(`db`.`t`.`c`) in ON DUPLICATE KEY UPDATE is the proposed row's value, not a read.
        const proposed =
          insertUpsert &&
          prev?.v === '(' &&
          /^values?$/i.test(toks[i - 2]?.v ?? '') &&
          next?.v === ')';
        if (!target && !proposed)
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
          // One alias for two tables (in different query blocks) cannot be told apart by name.
          const was = aliases.get(key(db, alias));
          if (was !== undefined && was !== table) clashes.add(key(db, alias));
          aliases.set(key(db, alias), table);
        }
      }
      i = j;
    } else if (tok.k === 'word' && toks[i + 1]?.v === '(') {
      const name = tok.v.toLowerCase();
      if (toks[i - 1]?.v === '<' || SYNTAX.has(name)) continue; // <in_optimizer>(…), <cache>(…): optimizer markers
      if (insertUpsert && (name === 'value' || name === 'values')) continue; // the proposed row, above
      // A CTE's column list, `name(`a`,`b`) as (select …)` — unlike a call with an alias, `f(x) AS `y``.
      const close = closingParen(toks, i + 1);
      if (toks[close + 1]?.v.toLowerCase() === 'as' && toks[close + 2]?.v === '(') continue;
      t.functions.add(name);
    }
  }
  for (const { db, alias, col } of columnRefs) {
    if (clashes.has(key(db, alias))) {
      throw new EngineTruthError(
        'the rewritten statement uses one alias for two tables',
        `${db}.${alias}`,
      );
    }
    const table = aliases.get(key(db, alias));
    if (!table)
      throw new EngineTruthError(
        'the rewritten statement reads a column the guard cannot map to a table',
        `${db}.${alias}.${col}`,
      );
    addColumn(t, table, col);
  }
  return { touches: t, aliases, isTable: (name) => schema.columnsOf(name) !== undefined };
}

/** Access types whose `used_key_parts` are compared with values (not a full index scan). */
const LOOKUP = new Set([
  'ref',
  'eq_ref',
  'ref_or_null',
  'range',
  'const',
  'system',
  'unique_subquery',
  'index_subquery',
  'fulltext',
]);

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

// ── constant folding ────────────────────────────────────────────────────────────────────────
/**
 * Whether the optimizer may have folded columns into values. A table read by a primary or
 * unique key equal to a constant (`const`/`system` access) is read while the statement is
 * optimized, and both plans then print its values (or `where 1` / `where 0`) in place of its
 * columns: the columns that decided the outcome no longer appear. MIN/MAX answered from an
 * index ("Select tables optimized away") folds the same way.
 */
export function planFoldsConstants(plan: unknown): boolean {
  const stack: unknown[] = [plan];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (/const|optimized away|impossible|no matching row/i.test(v)) return true;
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') {
      const node = v as Record<string, unknown>;
      if (node.access_type === 'const' || node.access_type === 'system') return true;
      stack.push(...Object.values(node));
    }
  }
  return false;
}

/** What the server's optimizer trace reported for the statement just explained. */
export interface OptimizerTrace {
  /** `expanded_query` of every query block: the statement after name resolution, before folding. */
  expanded: string[];
  missingBytes: number;
  insufficientPrivileges: boolean;
}

// A name as the server prints it in a trace: bare, or in backticks with `` for a backtick.
const NAME = '(?:`(?:[^`]|``)*`|[A-Za-z0-9_$\\u0080-\\uFFFF]+)';
const QUALIFIED = new RegExp(`(${NAME})\\s*\\.\\s*(${NAME})(?:\\s*\\.\\s*(${NAME}))?`, 'gu');
const CALL = /([A-Za-z_][A-Za-z0-9_$]*)\s*\(/g;
const unname = (s: string) => (s.startsWith('`') ? s.slice(1, -1).replace(/``/g, '`') : s);

/**
 * Reads the columns and functions of the trace's expanded queries into the touches. A plan
 * that folds constants is judged on these, because folding cannot hide anything from them:
 * they are printed before the optimizer reads any row. Every `alias.column` must map to one
 * table of the rewrite, or be a derived table's or CTE's own column (its body is in the trace
 * too); a trace that is missing, cut short or withheld is refused.
 */
export function readTrace(trace: OptimizerTrace | null, rw: MysqlRewrite): void {
  if (!trace || trace.expanded.length === 0) {
    throw new EngineTruthError(
      'the optimizer folded constants and gave no trace to see past them',
      'optimizer_trace',
    );
  }
  if (trace.missingBytes > 0 || trace.insufficientPrivileges) {
    throw new EngineTruthError(
      'the optimizer trace of a folded plan was incomplete',
      'optimizer_trace',
    );
  }
  const byAlias = new Map<string, Set<string>>();
  for (const [k, table] of rw.aliases) {
    const [db, alias] = k.split('\u0000') as [string, string];
    for (const name of [alias, `${db}.${alias}`])
      byAlias.set(name, (byAlias.get(name) ?? new Set()).add(table));
  }
  // Strings are data; blank them (keeping lengths) so nothing inside one reads as a name.
  const texts = trace.expanded.map((q) =>
    blankSetTargets(q.replace(/'(?:[^'\\]|\\.|'')*'/gs, (m) => ' '.repeat(m.length))),
  );
  // Names of derived tables (`(select …) d`) and CTEs (`with c as (…)`, `c(a, b) as (…)`).
  const derived = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(new RegExp(`\\)\\s+(?:as\\s+)?(${NAME})`, 'giu')))
      derived.add(unname(m[1]!));
    // A CTE read in FROM (`from `chain` c`): a name that is no table of the connection.
    const fromItem = new RegExp(
      `\\b(?:from|join)\\s+(${NAME})(?:\\s+(?:as\\s+)?(${NAME}))?`,
      'giu',
    );
    for (const m of text.matchAll(fromItem)) {
      const name = unname(m[1]!);
      const keyword =
        m[2] !== undefined &&
        /^(where|join|on|group|order|having|limit|union|left|right|inner|cross|straight_join|natural|window|set)$/i.test(
          m[2],
        );
      const alias = m[2] !== undefined && !keyword ? unname(m[2]) : name;
      if (rw.isTable(name)) {
        // The trace's own FROM items map aliases too (a folded subquery may be gone from the rewrite).
        byAlias.set(alias, (byAlias.get(alias) ?? new Set()).add(name));
        continue;
      }
      derived.add(name);
      derived.add(alias);
    }
    for (const m of text.matchAll(new RegExp(`(${NAME})\\s*(?:\\([^()]*\\))?\\s+as\\s*\\(`, 'giu')))
      derived.add(unname(m[1]!));
  }
  for (const text of texts) {
    for (const m of text.matchAll(QUALIFIED)) {
      const parts = [m[1], m[2], m[3]].filter((p): p is string => p !== undefined).map(unname);
      if (parts.every((p) => /^[0-9]+$/.test(p))) continue; // a decimal number such as 1.5
      const col = parts.pop()!;
      const tables = byAlias.get(parts.join('.'));
      if (!tables) {
        if (parts.length === 1 && derived.has(parts[0]!)) continue; // its body is traced too
        throw new EngineTruthError(
          'the trace names a column the guard cannot map to a table',
          `${parts.join('.')}.${col}`,
        );
      }
      if (tables.size !== 1)
        throw new EngineTruthError(
          'the trace names a column of an alias used for two tables',
          parts.join('.'),
        );
      addColumn(rw.touches, [...tables][0]!, col);
    }
    // `insert into t(a, b)` names the written columns; it is not a call.
    const calls = text
      .replace(QUALIFIED, ' ')
      .replace(new RegExp(`\\binto\\s+${NAME}\\s*\\(`, 'giu'), ' ');
    for (const m of calls.matchAll(CALL)) {
      const name = m[1]!.toLowerCase();
      if (!SYNTAX.has(name)) rw.touches.functions.add(name);
    }
  }
}

/**
 * The trace prints an UPDATE whole (`update t set t.a = …, t.b = … where …`): the columns
 * being set are targets, not reads. They are blanked out of the top-level SET list only.
 */
function blankSetTargets(text: string): string {
  if (!/^\s*(\/\*[^*]*\*\/\s*)?update\b/i.test(text)) return text;
  const chars = text.split('');
  let depth = 0;
  let inSet = false;
  let itemStart = -1;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth !== 0) continue;
    const word = /^[A-Za-z_]+/.exec(text.slice(i))?.[0]?.toLowerCase();
    const boundary = i === 0 || !/[A-Za-z0-9_$`]/.test(text[i - 1]!);
    if (boundary && word === 'set') {
      inSet = true;
      itemStart = i + 3;
    } else if (boundary && (word === 'where' || word === 'order' || word === 'limit')) {
      inSet = false;
    } else if (inSet && c === ',') {
      itemStart = i + 1;
    } else if (inSet && c === '=' && itemStart >= 0) {
      for (let k = itemStart; k < i; k++) chars[k] = ' ';
      itemStart = -1;
    }
  }
  return chars.join('');
}

/** The part of a driver connection the trace needs (mysql2's PoolConnection fits). */
export interface TraceConnection {
  query(sql: string): Promise<[unknown, unknown]>;
  execute(options: { sql: string; values: never }): Promise<[unknown, unknown]>;
}

/**
 * Explains the statement again with the optimizer trace on and returns its expanded queries;
 * null where the server keeps no trace (readTrace then refuses a folded plan).
 */
export async function optimizerTrace(
  conn: TraceConnection,
  sql: string,
  values: unknown[],
): Promise<OptimizerTrace | null> {
  try {
    await conn.query("SET SESSION optimizer_trace = 'enabled=on'");
    await conn.execute({ sql: `EXPLAIN ${sql}`, values: values as never });
    const [rows] = await conn.query(
      "SELECT JSON_EXTRACT(TRACE, '$**.expanded_query') AS q, MISSING_BYTES_BEYOND_MAX_MEM_SIZE AS m, INSUFFICIENT_PRIVILEGES AS p FROM information_schema.OPTIMIZER_TRACE",
    );
    const row = (rows as { q: unknown; m: unknown; p: unknown }[])[0];
    if (!row) return null;
    const q: unknown = typeof row.q === 'string' ? JSON.parse(row.q) : row.q;
    // A withheld trace has no queries (q is null) and says why.
    if (q !== null && (!Array.isArray(q) || !q.every((x) => typeof x === 'string'))) return null;
    return {
      expanded: (q ?? []) as string[],
      missingBytes: Number(row.m),
      insufficientPrivileges: Number(row.p) !== 0,
    };
  } catch {
    return null;
  } finally {
    await conn.query("SET SESSION optimizer_trace = 'enabled=off'").catch(() => undefined);
  }
}

/**
 * The table a statement writes is read like any other: a value of it used in a SET or upsert
 * expression, WHERE or a subquery must be a read the parser reported (the SET targets are
 * not in the touches; see readRewrite). checkPlan leaves written tables to this check.
 */
export function checkWrittenTableReads(t: PlanTouches, analysis: Analysis): void {
  for (const a of analysis.tables) {
    if (a.write.length === 0 && !a.wholeRowWrite) continue;
    const read = new Set(a.read);
    for (const c of t.columns.get(a.table) ?? []) {
      if (!read.has(c))
        throw new EngineTruthError(
          'the statement would read a column of the written table the parser did not report',
          `${a.table}.${c}`,
        );
    }
    if (t.wholeRow.has(a.table))
      throw new EngineTruthError(
        'the statement would read whole rows of the written table',
        a.table,
      );
  }
}
