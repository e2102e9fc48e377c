/**
 * The WHERE of a PostgreSQL write as SQL text of its own: cut from the statement by the parse
 * tree's locations, its parameters renumbered from $1, and used only when PostgreSQL's parser
 * reads the text back as the very same expression.
 */
import { isObj, tagged, type PgNode } from '../../guard/pg/pg-nodes';
import { parsePg } from '../../guard/pg/pg-parser';

/** Every `location` in a parse subtree, and its ParamRefs. */
function walk(v: unknown, locs: number[], params: PgNode[]): void {
  if (Array.isArray(v)) for (const x of v) walk(x, locs, params);
  else if (isObj(v)) {
    if (typeof v.location === 'number' && v.location >= 0) locs.push(v.location);
    const t = tagged(v);
    if (t && t[0] === 'ParamRef') params.push(t[1]);
    for (const [k, x] of Object.entries(v)) if (k !== 'location') walk(x, locs, params);
  }
}

/** The tree without locations (two parses of the same expression compare equal). */
function bare(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(bare);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== 'location')
      .map(([k, x]) => [k, bare(x)]),
  );
}

const positions = (text: string, word: RegExp): number[] =>
  [...text.matchAll(word)].map((m) => m.index);

/** The statement's WHERE as SQL text with its parameters renumbered from $1, or null. */
export function whereText(
  sql: string,
  where: unknown,
  returning: boolean,
  params: unknown[],
): { text: string; values: unknown[]; expected: unknown } | null {
  const bytes = Buffer.from(sql);
  const locs: number[] = [];
  const refs: PgNode[] = [];
  walk(where, locs, refs);
  if (locs.length === 0) return null;
  const first = Math.min(...locs);
  const last = Math.max(...locs);
  // Parameters $n → $1.. in order of first use.
  const order: number[] = [];
  for (const r of [...refs].sort((a, b) => Number(a.location) - Number(b.location))) {
    const n = Number(r.number);
    if (!order.includes(n)) order.push(n);
  }
  if (order.some((n) => !Number.isInteger(n) || n < 1 || n > params.length)) return null;
  const renumber = (n: number) => order.indexOf(n) + 1;
  const expected = bare(JSON.parse(JSON.stringify(where)));
  (function renum(v: unknown) {
    if (Array.isArray(v)) v.forEach(renum);
    else if (isObj(v)) {
      const t = tagged(v);
      if (t && t[0] === 'ParamRef') t[1].number = renumber(Number(t[1].number));
      else Object.values(v).forEach(renum);
    }
  })(expected);

  const head = bytes.subarray(0, first).toString();
  const starts = positions(head, /\bwhere\b/gi).map((i) => Buffer.byteLength(head.slice(0, i)) + 5);
  const tailText = bytes.subarray(last).toString();
  const ends = returning
    ? positions(tailText, /\breturning\b/gi).map(
        (i) => last + Buffer.byteLength(tailText.slice(0, i)),
      )
    : [bytes.length];
  for (const s of starts.reverse().slice(0, 3)) {
    for (const e of ends.slice(0, 3)) {
      // Renumber the parameters inside [s, e) by their exact places.
      const edits = refs
        .map((r) => ({ at: Number(r.location), n: Number(r.number) }))
        .filter((r) => r.at >= s && r.at < e)
        .sort((a, b) => b.at - a.at);
      let piece = bytes.subarray(s, e).toString();
      if (e === bytes.length) piece = piece.replace(/[\s;]+$/, '');
      let ok = edits.length === refs.length;
      for (const { at, n } of edits) {
        const rel = Buffer.from(piece)
          .subarray(0, at - s)
          .toString().length;
        const m = /^\$(\d+)/.exec(piece.slice(rel));
        if (!m || Number(m[1]) !== n) {
          ok = false;
          break;
        }
        piece = `${piece.slice(0, rel)}$${renumber(n)}${piece.slice(rel + m[0].length)}`;
      }
      if (!ok) continue;
      let parsed: PgNode;
      try {
        parsed = parsePg(`SELECT 1 FROM t WHERE ${piece}\n`);
      } catch {
        continue;
      }
      const sel = tagged(parsed);
      if (!sel || sel[0] !== 'SelectStmt') continue;
      if (JSON.stringify(bare(sel[1].whereClause)) !== JSON.stringify(expected)) continue;
      return { text: piece, values: order.map((n) => params[n - 1]), expected };
    }
  }
  return null;
}
