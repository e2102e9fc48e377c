/**
 * Schema linking: which tables and columns of a (possibly 1,000-table) database a question
 * needs, within a token budget. BM25 over table and column names, descriptions, synonyms and
 * value hints scores each question word against each table; tables are then chosen greedily by
 * the words they newly explain (so twenty look-alike tables do not crowd out the one other
 * table the question needs), and shortest join paths between the chosen tables add the tables
 * a join passes through. Only what the asker may read is ranked, so only that can be shown.
 */
import type { SearchResult } from 'minisearch';
import type { Catalog, CatalogColumn, CatalogTable, Join } from './schema-catalog';
import { HINT_CHARS, renderTable, type LinkedTable } from './schema-render';
import { estimateTokens, term, terms, words } from './terms';

/** Tokens of schema text per prompt by default: with examples and instructions, well inside an 8k context. */
export const DEFAULT_SCHEMA_BUDGET = 3000;

export interface LinkOptions {
  /** Tokens the schema text may take. */
  budgetTokens: number;
  maxColumnsPerTable?: number;
  /** Tables chosen for the words they explain (join paths and neighbours come on top). */
  maxMatches?: number;
  /** Tables joined to the matches, added for context while the budget lasts. */
  maxRelated?: number;
  /** Columns that will carry sampled value hints: their width is reserved up front. */
  hintCandidate?: (table: CatalogTable, column: CatalogColumn) => boolean;
}

export interface LinkResult {
  tables: LinkedTable[];
  /** Estimated tokens of the rendered schema (value hints included). */
  tokens: number;
}

/** Folded table key → the columns the asker may read. */
export type Readable = Map<string, Set<string>>;

/** Schemas with at most this many readable tables are offered whole, budget permitting. */
const SMALL_SCHEMA = 40;
/** A further table must explain at least this share of what the first one did. */
const MIN_GAIN = 0.15;

const SEARCH = {
  prefix: (t: string) => t.length >= 5,
  // Edit distance 1 from five letters (`prodcts`), 2 from nine: typos, not other words.
  fuzzy: (t: string) => (t.length >= 9 ? 2 : t.length >= 5 ? 1 : false),
  weights: { fuzzy: 0.4, prefix: 0.6 },
};

interface Scored {
  /** question term → how strongly this table (its name, synonyms, or a column) matches it */
  byTerm: Map<string, number>;
  /** question terms that name the table itself (its name or a synonym) */
  named: Set<string>;
  /** column → score, for choosing which columns to show */
  columns: Map<string, number>;
  /** share of the table's own name words that the question uses */
  coverage: number;
  total: number;
}

function scoreTables(catalog: Catalog, readable: Readable, question: string): Map<string, Scored> {
  const out = new Map<string, Scored>();
  const entry = (t: string) => {
    let s = out.get(t);
    if (!s)
      out.set(
        t,
        (s = { byTerm: new Map(), named: new Set(), columns: new Map(), coverage: 0, total: 0 }),
      );
    return s;
  };
  const asked = new Set<string>();
  // One search per word gives each table's score per word, which the greedy choice needs.
  for (const w of new Set(words(question))) {
    const t = term(w);
    if (!t || asked.has(t)) continue;
    asked.add(t);
    for (const r of catalog.tableIndex.search(w, {
      ...SEARCH,
      boost: { name: 3, synonyms: 2.5, description: 1 },
      filter: (x) => readable.has(x.id as string),
    })) {
      const s = entry(r.id as string);
      s.byTerm.set(t, (s.byTerm.get(t) ?? 0) + r.score);
      if (
        r.match &&
        Object.values(r.match).some(
          (fields) => fields.includes('name') || fields.includes('synonyms'),
        )
      )
        s.named.add(t);
    }
    const colFilter = (x: SearchResult) =>
      readable.get(x.table as string)?.has(x.column as string) ?? false;
    for (const r of catalog.columnIndex.search(w, {
      ...SEARCH,
      boost: { name: 2, synonyms: 2, description: 0.8, values: 1.5 },
      filter: colFilter,
    })) {
      const s = entry(r.table as string);
      const col = r.column as string;
      s.columns.set(col, (s.columns.get(col) ?? 0) + r.score);
      // A word counts once per table: its best column, added to any match on the table itself.
      s.byTerm.set(`${t}\u0000col`, Math.max(s.byTerm.get(`${t}\u0000col`) ?? 0, r.score));
    }
  }
  for (const [key, s] of out) {
    const merged = new Map<string, number>();
    for (const [k, v] of s.byTerm) {
      const t = k.endsWith('\u0000col') ? k.slice(0, -4) : k;
      merged.set(t, (merged.get(t) ?? 0) + v);
    }
    s.byTerm = merged;
    const name = nameTerms(catalog, key);
    s.coverage = name.length ? name.filter((w) => asked.has(w)).length / name.length : 0;
    s.total = [...merged.values()].reduce((a, b) => a + b, 0) * (1 + s.coverage);
  }
  return out;
}

const nameTermCache = new WeakMap<Catalog, Map<string, string[]>>();
function nameTerms(catalog: Catalog, key: string): string[] {
  let m = nameTermCache.get(catalog);
  if (!m) nameTermCache.set(catalog, (m = new Map()));
  let t = m.get(key);
  if (!t) m.set(key, (t = terms(key.slice(key.lastIndexOf('.') + 1))));
  return t;
}

/** Greedy cover: each next table is the one that best explains words not yet explained. */
function chooseMatches(scored: Map<string, Scored>, max: number): string[] {
  const pool = [...scored.entries()].sort((a, b) => b[1].total - a[1].total).slice(0, 300);
  const covered = new Map<string, number>();
  const chosen: string[] = [];
  let first = 0;
  while (chosen.length < max) {
    let best: string | null = null;
    let bestGain = 0;
    for (const [key, s] of pool) {
      if (chosen.includes(key)) continue;
      let gain = 0;
      for (const [t, v] of s.byTerm) gain += Math.max(0, v - (covered.get(t) ?? 0));
      gain *= 1 + s.coverage;
      if (gain > bestGain) [best, bestGain] = [key, gain];
    }
    if (!best || bestGain < first * MIN_GAIN) break;
    first ||= bestGain;
    chosen.push(best);
    for (const [t, v] of scored.get(best)!.byTerm) covered.set(t, Math.max(covered.get(t) ?? 0, v));
  }
  // A word that names a table ("purchases" for orders) is usually what the question is about,
  // even when a column elsewhere (`assets.purchase_date`) explained the word better.
  const named = new Map<string, string>();
  for (const [key, s] of pool) {
    for (const t of s.named) if (!named.has(t)) named.set(t, key);
  }
  for (const key of named.values())
    if (!chosen.includes(key) && chosen.length < max + 2) chosen.push(key);
  return chosen;
}

/** Tables strictly between `from` and the targets on shortest join paths (≤ 3 hops), ties included. */
function joinPaths(
  catalog: Catalog,
  readable: Readable,
  from: string,
  targets: Set<string>,
): string[] {
  const parents = new Map<string, string[]>([[from, []]]);
  const depth = new Map<string, number>([[from, 0]]);
  let frontier = [from];
  for (let d = 1; d <= 3 && frontier.length; d++) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const n of catalog.neighbours.get(node) ?? []) {
        if (!readable.has(n)) continue;
        if (!depth.has(n)) {
          depth.set(n, d);
          parents.set(n, [node]);
          next.push(n);
        } else if (depth.get(n) === d) parents.get(n)!.push(node);
      }
    }
    frontier = next;
  }
  const out = new Set<string>();
  const walk = (n: string) => {
    for (const p of parents.get(n) ?? []) {
      if (p === from || out.has(p)) continue;
      out.add(p);
      walk(p);
    }
  };
  for (const t of targets) walk(t);
  return [...out];
}

function visibleJoins(t: CatalogTable, readable: Readable): Join[] {
  const mine = readable.get(t.key)!;
  return t.joins.filter(
    (j) =>
      j.columns.every((c) => mine.has(c)) &&
      j.refColumns.every((c) => readable.get(j.table)?.has(c)),
  );
}

/** Keys, join columns and matching columns first; the rest in table order up to the cap. */
function pickColumns(
  t: CatalogTable,
  readable: Set<string>,
  joins: Join[],
  matched: Map<string, number> | undefined,
  cap: number,
) {
  const visible = t.columns.filter((c) => readable.has(c.name));
  if (visible.length <= cap) return { columns: visible, omitted: 0 };
  const rank = (c: CatalogColumn) =>
    t.primaryKey.includes(c.name)
      ? 3e9
      : joins.some((j) => j.columns.includes(c.name))
        ? 2e9
        : (matched?.get(c.name) ?? 0) * 1e6 - visible.indexOf(c);
  const keep = new Set(
    [...visible]
      .sort((a, b) => rank(b) - rank(a))
      .slice(0, cap)
      .map((c) => c.name),
  );
  return { columns: visible.filter((c) => keep.has(c.name)), omitted: visible.length - keep.size };
}

export function linkSchema(
  catalog: Catalog,
  readable: Readable,
  question: string,
  opts: LinkOptions,
): LinkResult {
  const cap = opts.maxColumnsPerTable ?? 30;
  const scored = scoreTables(catalog, readable, question);
  const totalOf = (k: string) => scored.get(k)?.total ?? 0;
  const matches = chooseMatches(scored, opts.maxMatches ?? 6);

  // Priority: each match, then the tables that join it to the matches before it, then the
  // matches' neighbours (the lookups a question rarely names), then, for a small schema, the rest.
  const order: { key: string; why: LinkedTable['why'] }[] = [];
  const seen = new Set<string>();
  const push = (key: string, why: LinkedTable['why']) => {
    if (seen.has(key)) return;
    order.push({ key, why });
    seen.add(key);
  };
  matches.forEach((key, i) => {
    push(key, 'match');
    for (const mid of joinPaths(catalog, readable, key, new Set(matches.slice(0, i))))
      push(mid, 'join-path');
  });
  const related = new Set<string>();
  for (const key of matches)
    for (const n of catalog.neighbours.get(key) ?? [])
      if (readable.has(n) && !seen.has(n)) related.add(n);
  const byScore = (a: string, b: string) => totalOf(b) - totalOf(a) || a.localeCompare(b);
  for (const key of [...related].sort(byScore).slice(0, opts.maxRelated ?? 6)) push(key, 'related');
  if (readable.size <= SMALL_SCHEMA)
    for (const key of [...readable.keys()].sort(byScore)) push(key, 'related');

  // Fill the budget in three passes: every needed table (matches and join paths) with its
  // keys and matching columns first, then those tables whole, then related tables whole. So a
  // wide table can never crowd out a narrow one the question also needs.
  interface Slot {
    lt: LinkedTable;
    cost: number;
  }
  const slots: Slot[] = [];
  let tokens = 0;
  const build = (key: string, why: LinkedTable['why'], width: 'narrow' | 'full'): Slot => {
    const t = catalog.tables.get(key)!;
    const joins = visibleJoins(t, readable);
    const matched = scored.get(key)?.columns;
    const n =
      width === 'full'
        ? cap
        : Math.min(cap, Math.max(4, (matched?.size ?? 0) + t.primaryKey.length + joins.length));
    const { columns, omitted } = pickColumns(t, readable.get(key)!, joins, matched, n);
    const lt: LinkedTable = { table: t, columns, omitted, joins, why, score: totalOf(key) };
    const reserve =
      columns.filter((c) => !c.values && opts.hintCandidate?.(t, c)).length *
      Math.ceil((HINT_CHARS + 10) / 3);
    return { lt, cost: estimateTokens(renderTable(lt, null)) + reserve };
  };
  const needed = order.filter((o) => o.why !== 'related');
  for (const { key, why } of needed) {
    const slot = build(key, why, 'narrow');
    if (tokens + slot.cost > opts.budgetTokens) continue;
    tokens += slot.cost;
    slots.push(slot);
  }
  for (const [i, slot] of slots.entries()) {
    const wide = build(slot.lt.table.key, slot.lt.why, 'full');
    if (wide.cost > slot.cost && tokens - slot.cost + wide.cost <= opts.budgetTokens) {
      tokens += wide.cost - slot.cost;
      slots[i] = wide;
    }
  }
  for (const { key, why } of order.filter((o) => o.why === 'related')) {
    const slot = build(key, why, 'full');
    if (tokens + slot.cost > opts.budgetTokens) continue;
    tokens += slot.cost;
    slots.push(slot);
  }
  const out = slots.map((x) => x.lt);
  return { tables: out, tokens };
}
