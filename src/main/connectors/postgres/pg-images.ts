/**
 * Before/after images and revert on PostgreSQL. Airlock's own statements, run as the
 * connection's account inside the write's transaction (never shown to the agent):
 *
 * - UPDATE/DELETE: before the write, the rows its WHERE matches are read and locked
 *   (`SELECT … FOR UPDATE`), with the statement's own WHERE text and parameters. The text is
 *   cut from the statement and used only if PostgreSQL's parser reads it back as the very same
 *   expression. After the write, the engine's count must equal the rows read, and each of them
 *   must be gone (delete) or carry this transaction's id in `xmin` (update): then the rows
 *   written are exactly the rows read.
 * - INSERT: the rows this transaction created (`xmin` = its id) after the write.
 *
 * Values are read as text (`::text`, the type's own output) and written back as text, which
 * the type's input function reads exactly; rows are compared as text.
 */
import { AirlockError } from '../../../shared/errors';
import { isObj, list, tagged, type PgNode } from '../../guard/pg/pg-nodes';
import { loadPgParser, parsePg } from '../../guard/pg/pg-parser';
import type { Analysis } from '../../guard/analyzer';
import type { WriteImages } from '../types';
import {
  type Capture,
  checkImages,
  overCapReason,
  revertConflict,
  rowKey,
  sameRow,
  tableReason,
  writesKey,
  writtenTable,
} from '../write-images';
import type { PgClient } from './pg-pool';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface TableMeta {
  oid: number;
  /** Quoted schema-qualified name. */
  qualified: string;
  columns: { name: string; type: string; generated: boolean; always: boolean }[];
  primaryKey: string[];
}

async function metaOf(client: PgClient, where: string, arg: unknown): Promise<TableMeta | null> {
  const rel = await client.query<{ oid: number; nspname: string; relname: string }>(
    `SELECT c.oid::int AS oid, n.nspname, c.relname FROM pg_catalog.pg_class c
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ${where}`,
    [arg],
  );
  if (rel.rows.length !== 1) return null;
  const { oid, nspname, relname } = rel.rows[0]!;
  const cols = await client.query<{
    name: string;
    type: string;
    generated: boolean;
    always: boolean;
  }>(
    `SELECT attname AS name, pg_catalog.format_type(atttypid, atttypmod) AS type,
       attgenerated <> '' AS generated, attidentity = 'a' AS always
     FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
    [oid],
  );
  const pk = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_catalog.pg_index i,
       unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord), pg_catalog.pg_attribute a
     WHERE i.indrelid = $1 AND i.indisprimary AND a.attrelid = i.indrelid AND a.attnum = k.attnum
     ORDER BY k.ord`,
    [oid],
  );
  return {
    oid,
    qualified: `${q(nspname)}.${q(relname)}`,
    columns: cols.rows,
    primaryKey: pk.rows.map((r) => r.name),
  };
}

/** Tables whose foreign keys change rows when rows of `oid` are deleted or updated. */
async function cascades(client: PgClient, oid: number, on: 'update' | 'delete'): Promise<string[]> {
  const r = await client.query<{ t: string }>(
    `SELECT DISTINCT conrelid::regclass::text AS t FROM pg_catalog.pg_constraint
     WHERE contype = 'f' AND confrelid = $1 AND ${on === 'update' ? 'confupdtype' : 'confdeltype'} NOT IN ('a', 'r')`,
    [oid],
  );
  return r.rows.map((x) => x.t);
}

// ── the WHERE of the statement, as a SELECT of its own ──────────────────────────────────

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
function whereText(
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

// ── capture ─────────────────────────────────────────────────────────────────────────────

const KIND = { UpdateStmt: 'update', DeleteStmt: 'delete', InsertStmt: 'insert' } as const;

/** Rows read back by primary key (text values), with whether this transaction wrote them. */
async function rowsByKey(
  client: PgClient,
  meta: TableMeta,
  keys: unknown[][],
  lock: boolean,
): Promise<{ rows: unknown[][]; mine: boolean[] }> {
  if (keys.length === 0) return { rows: [], mine: [] };
  const pkCols = meta.primaryKey.map((k) => meta.columns.find((c) => c.name === k)!);
  const u = pkCols.map((_, i) => `u${i}`);
  const r = await client.query({
    text:
      `SELECT ${meta.columns.map((c) => `t.${q(c.name)}::text`).join(', ')}, ` +
      `t.xmin = pg_catalog.pg_current_xact_id()::xid FROM ${meta.qualified} t ` +
      `WHERE (${pkCols.map((c) => `t.${q(c.name)}`).join(', ')}) IN ` +
      `(SELECT ${pkCols.map((c, i) => `u.${u[i]}::${c.type}`).join(', ')} FROM unnest(${pkCols.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${u.join(', ')}))` +
      (lock ? ' FOR UPDATE OF t' : ''),
    values: pkCols.map((_, i) => keys.map((k) => k[i])),
    rowMode: 'array',
  } as never);
  const rows = (r as unknown as { rows: unknown[][] }).rows;
  return { rows: rows.map((x) => x.slice(0, -1)), mine: rows.map((x) => x.at(-1) === true) };
}

/** A capture on one write: before() ahead of the statement, after() once it ran. */
export class PgCapture {
  private meta: TableMeta | null = null;
  private kind: WriteImages['kind'] = 'update';
  private reason: string | null = null;
  private before: unknown[][] | null = null;
  private overCap = false;

  constructor(
    private readonly sql: string,
    private readonly params: unknown[],
    private readonly analysis: Analysis,
    private readonly cap: number,
  ) {}

  private get table(): string {
    return writtenTable(this.analysis) ?? '';
  }

  /** Reads (and locks) the rows the statement's WHERE matches, as the connection's account. */
  async beforeWrite(client: PgClient): Promise<void> {
    await loadPgParser();
    const top = tagged(parsePg(this.sql));
    const table = writtenTable(this.analysis);
    if (!top || !(top[0] in KIND) || table === null) {
      this.reason = 'the write does not name exactly one table';
      return;
    }
    const [tag, body] = top;
    this.kind = KIND[tag as keyof typeof KIND];
    const rel = tagged({ RangeVar: body.relation })?.[1];
    if (!rel || typeof rel.relname !== 'string') {
      this.reason = 'the written table could not be read from the statement';
      return;
    }
    const relName =
      (typeof rel.schemaname === 'string' ? `${q(rel.schemaname)}.` : '') + q(rel.relname);
    this.meta = await metaOf(client, 'c.oid = pg_catalog.to_regclass($1)', relName);
    if (!this.meta) {
      this.reason = `table ${table} could not be found`;
      return;
    }
    this.reason = tableReason(
      table,
      this.meta.primaryKey,
      await cascades(client, this.meta.oid, this.kind === 'update' ? 'update' : 'delete'),
      this.kind,
    );
    if (body.withClause) {
      this.reason ??= 'the write has a WITH clause, which revert cannot account for';
    }
    if (this.kind === 'insert') {
      if (body.onConflictClause)
        this.reason ??= `an INSERT … ON CONFLICT may update rows of ${table}, which revert cannot tell apart`;
      return;
    }
    if (writesKey(this.analysis, table, this.meta.primaryKey))
      this.reason ??= `the write changes primary-key values of ${table}, so revert cannot find the rows by key`;
    if (list(body.fromClause).length > 0 || list(body.usingClause).length > 0) {
      this.reason ??= `the write joins other tables (FROM/USING), so its rows are not read back for ${table}`;
      return;
    }
    if (this.meta.primaryKey.length === 0) return;
    let where = { text: 'true', values: [] as unknown[] };
    if (body.whereClause) {
      const w = whereText(
        this.sql,
        body.whereClause,
        list(body.returningList).length > 0,
        this.params,
      );
      if (!w) {
        this.reason ??= `the rows the write matches in ${table} could not be read back exactly`;
        return;
      }
      where = w;
    }
    const alias =
      isObj(rel.alias) && typeof rel.alias.aliasname === 'string'
        ? rel.alias.aliasname
        : rel.relname;
    const only = rel.inh === false ? 'ONLY ' : '';
    const r = await client.query({
      text:
        `SELECT ${this.meta.columns.map((c) => `${q(alias)}.${q(c.name)}::text`).join(', ')} ` +
        `FROM ${only}${this.meta.qualified} AS ${q(alias)} WHERE ${where.text}\n` +
        `ORDER BY ${this.meta.primaryKey.map((k) => `${q(alias)}.${q(k)}`).join(', ')} ` +
        `LIMIT ${this.cap + 1} FOR UPDATE OF ${q(alias)}`,
      values: where.values,
      rowMode: 'array',
    } as never);
    const rows = (r as unknown as { rows: unknown[][] }).rows;
    if (rows.length > this.cap) this.overCap = true;
    else this.before = rows;
  }

  /** Checks and completes the capture once the statement ran; `rowsAffected` is the engine's. */
  async afterWrite(client: PgClient, rowsAffected: number): Promise<Capture> {
    const meta = this.meta;
    const capture: Capture = {
      rowsAffected,
      table: this.table,
      columns: meta?.columns.map((c) => c.name) ?? [],
      primaryKey: meta?.primaryKey ?? [],
      kind: this.kind,
      before: this.before,
      after: null,
      notRevertable: this.reason,
      overCap: this.overCap || rowsAffected > this.cap,
    };
    if (!meta || capture.overCap) {
      capture.before = null;
      if (capture.overCap) capture.notRevertable ??= overCapReason(this.table, this.cap);
      return capture;
    }
    if (meta.primaryKey.length === 0) return capture;
    const pkIdx = meta.primaryKey.map((k) => capture.columns.indexOf(k));
    if (this.kind === 'insert') {
      if (capture.notRevertable !== null) return capture;
      const r = await client.query({
        text:
          `SELECT ${meta.columns.map((c) => `${q(c.name)}::text`).join(', ')} FROM ${meta.qualified} ` +
          `WHERE xmin = pg_catalog.pg_current_xact_id()::xid ORDER BY ${meta.primaryKey.map(q).join(', ')} LIMIT ${this.cap + 1}`,
        rowMode: 'array',
      } as never);
      const rows = (r as unknown as { rows: unknown[][] }).rows;
      if (rows.length !== rowsAffected)
        capture.notRevertable = `the rows inserted into ${this.table} could not be matched to the engine's count`;
      else capture.after = rows;
      return capture;
    }
    if (this.before === null) return capture;
    if (this.before.length !== rowsAffected) {
      // The rows read are not the rows written (row security, a volatile WHERE): show none.
      capture.before = null;
      capture.notRevertable ??= `the rows the write changed in ${this.table} could not be matched to the engine's count`;
      return capture;
    }
    if (capture.notRevertable !== null) return capture;
    const keys = this.before.map((row) => pkIdx.map((i) => row[i]));
    const now = await rowsByKey(client, meta, keys, false);
    if (this.kind === 'delete') {
      if (now.rows.length !== 0)
        capture.notRevertable = `the rows deleted from ${this.table} could not be matched to the rows read`;
      return capture;
    }
    const byKey = new Map(now.rows.map((row, i) => [rowKey(row, pkIdx), i]));
    const after: unknown[][] = [];
    for (const b of this.before) {
      const i = byKey.get(rowKey(b, pkIdx));
      if (i === undefined || !now.mine[i]) {
        capture.notRevertable = `the rows updated in ${this.table} could not be matched to the rows read`;
        return capture;
      }
      after.push(now.rows[i]!);
    }
    capture.after = after;
    return capture;
  }
}

/**
 * Undoes a write from its images in one transaction (the caller's), as the connection's
 * account: every row must still be as the write left it, else REVERT_CONFLICT and nothing is
 * restored.
 */
export async function revertPg(
  client: PgClient,
  images: WriteImages,
): Promise<{ rowCount: number }> {
  checkImages(images);
  const { table, columns, primaryKey } = images;
  const meta = await metaOf(
    client,
    "n.nspname || '.' || c.relname = $1 AND c.relkind IN ('r', 'p')",
    table,
  );
  if (
    !meta ||
    meta.columns.map((c) => c.name).join('\u0000') !== columns.join('\u0000') ||
    meta.primaryKey.join('\u0000') !== primaryKey.join('\u0000')
  ) {
    throw new AirlockError(
      'REVERT_CONFLICT',
      `table ${table} is not as it was when written (its columns or key changed), so revert cannot restore its rows; nothing was restored`,
      { table },
    );
  }
  const pkIdx = primaryKey.map((k) => columns.indexOf(k));
  const expected = images.kind === 'delete' ? images.before : images.after;
  const now = await rowsByKey(
    client,
    meta,
    expected.map((row) => pkIdx.map((i) => row[i])),
    true,
  );
  const present = new Map(now.rows.map((row) => [rowKey(row, pkIdx), row]));
  let changed = 0;
  for (const row of expected) {
    const cur = present.get(rowKey(row, pkIdx));
    if (images.kind === 'delete' ? cur !== undefined : !cur || !sameRow(cur, row)) changed += 1;
  }
  if (changed > 0) throw revertConflict(table, changed, expected.length);

  const byKey = primaryKey.map((k, i) => `${q(k)} = $${i + 1}`).join(' AND ');
  const writable = meta.columns.flatMap((c, i) => (c.generated ? [] : [i]));
  let rowCount = 0;
  const run = async (text: string, values: unknown[]) => {
    const r = await client.query(text, values);
    rowCount += r.rowCount ?? 0;
  };
  if (images.kind === 'insert') {
    for (const row of images.after)
      await run(
        `DELETE FROM ${meta.qualified} WHERE ${byKey}`,
        pkIdx.map((i) => row[i]),
      );
  } else if (images.kind === 'delete') {
    const overriding = meta.columns.some((c) => c.always) ? ' OVERRIDING SYSTEM VALUE' : '';
    const text =
      `INSERT INTO ${meta.qualified} (${writable.map((i) => q(columns[i]!)).join(', ')})${overriding} ` +
      `VALUES (${writable.map((_, j) => `$${j + 1}`).join(', ')})`;
    for (const row of images.before)
      await run(
        text,
        writable.map((i) => row[i]),
      );
  } else {
    const set = writable.filter((i) => !pkIdx.includes(i) && !meta.columns[i]!.always);
    if (set.length > 0) {
      const text =
        `UPDATE ${meta.qualified} SET ${set.map((i, j) => `${q(columns[i]!)} = $${j + 1 + pkIdx.length}`).join(', ')} ` +
        `WHERE ${byKey}`;
      for (const row of images.before)
        await run(text, [...pkIdx.map((i) => row[i]), ...set.map((i) => row[i])]);
    }
  }
  return { rowCount };
}
