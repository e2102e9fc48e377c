/**
 * Value hints sampled from the data: the few values a categorical column takes (`status` →
 * 'paid', 'shipped', …), so the model writes `WHERE status = 'shipped'` and not 'Shipped'.
 * Samples are read only from columns the asker may read, as the asker, through the guarded
 * and audited query path; a column with more than a dozen values is not categorical and
 * gets none. Results are kept for a while: another asker sees them only for columns that
 * asker may read too (they are looked up for visible columns only).
 */
import type { ReadData } from '../connectors/types';
import type { Dialect } from '../guard/dialect';
import type { CatalogColumn, CatalogTable } from './schema-catalog';
import type { LinkedTable, ValueHints } from './schema-render';

type Value = string | number | boolean;

const MAX_DISTINCT = 12;
/** Names of columns whose values are free text or personal: never worth sampling. */
const UNSAMPLED =
  /(^|_)(e?mail|phone|fax|address|street|zip|postal|password|passwd|secret|token|key|hash|ssn|national|passport|iban|card|note|notes|comment|description|text|body|url|uri|ip|first_name|last_name|full_name|contact_name|surname|username|login|date|time|at|on|timestamp|created|updated)(_|$)/i;
/** Names that usually hold a handful of values: sampled first. */
const CATEGORICAL =
  /(^|_)(status|state|type|kind|category|tier|level|segment|priority|method|channel|currency|country|region|gender|role|stage|source|mode|class|grade|flag|name)$/i;
const TEXTUAL = /char|text|string|enum|clob|^$|any/i;

export function quoteIdent(name: string, dialect: Dialect): string {
  const q = dialect === 'mysql' ? '`' : '"';
  return name
    .split('.')
    .map((part) => `${q}${part.split(q).join(q + q)}${q}`)
    .join('.');
}

export function isHintCandidate(table: CatalogTable, column: CatalogColumn): boolean {
  return (
    TEXTUAL.test(column.type) &&
    !table.primaryKey.includes(column.name) &&
    !table.joins.some((j) => j.columns.includes(column.name)) &&
    !/(^|_)id$/i.test(column.name) &&
    !UNSAMPLED.test(column.name)
  );
}

export type GuardedRead = (sql: string) => Promise<ReadData>;

export class ValueSampler {
  private readonly cache = new Map<string, { values: Value[] | null; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 10 * 60_000,
    private readonly maxQueriesPerAsk = 12,
  ) {}

  /**
   * Samples the hint columns of the linked tables (cached ones first, new ones up to the
   * per-question cap) and answers a lookup for rendering. Failures only cost the hint.
   */
  async hintsFor(
    connection: string,
    tables: LinkedTable[],
    dialect: Dialect,
    read: GuardedRead,
  ): Promise<{ hints: ValueHints; sampled: string[] }> {
    const found = new Map<string, Value[]>();
    const sampled: string[] = [];
    let queries = 0;
    // Tables the question matched come first (linking's order), and in each, the likeliest columns.
    const wanted = tables.flatMap((lt) =>
      lt.columns
        .filter((c) => !c.values && isHintCandidate(lt.table, c))
        .map((c, i) => ({
          lt,
          c,
          rank: (lt.why === 'match' ? 0 : 2) + (CATEGORICAL.test(c.name) ? 0 : 1) + i / 1000,
        })),
    );
    wanted.sort((a, b) => a.rank - b.rank);
    for (const { lt, c } of wanted) {
      const key = `${connection.toLowerCase()}\u0000${lt.table.key}\u0000${c.name}`;
      const hit = this.cache.get(key);
      if (hit && this.now() - hit.at < this.ttlMs) {
        if (hit.values) found.set(`${lt.table.key}\u0000${c.name}`, hit.values);
        continue;
      }
      if (queries >= this.maxQueriesPerAsk) continue;
      queries++;
      const col = quoteIdent(c.name, dialect);
      const sql = `SELECT ${col} AS value, COUNT(*) AS n FROM ${quoteIdent(lt.table.name, dialect)} WHERE ${col} IS NOT NULL GROUP BY ${col} ORDER BY n DESC LIMIT ${MAX_DISTINCT + 1}`;
      try {
        const data = await read(sql);
        const values =
          data.rows.length > MAX_DISTINCT
            ? null
            : data.rows
                .map((r) => r[0])
                .filter((v): v is Value => ['string', 'number', 'boolean'].includes(typeof v));
        this.cache.set(key, { values, at: this.now() });
        sampled.push(`${lt.table.name}.${c.name}`);
        if (values) found.set(`${lt.table.key}\u0000${c.name}`, values);
      } catch {
        // A hint is an optimisation: a column the guard or the engine refuses simply has none.
        this.cache.set(key, { values: null, at: this.now() });
      }
    }
    return { hints: (table, column) => found.get(`${table}\u0000${column}`), sampled };
  }
}
