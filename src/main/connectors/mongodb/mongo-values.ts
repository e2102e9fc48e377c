/**
 * BSON values as JSON that round-trips, each with a type name a client can rely on:
 * ObjectId → hex string (`objectId`), Date → ISO-8601 (`date`), Decimal128 → string
 * (`decimal`), Int64 → number when exact, else string (`long`), Binary → base64 (`binary`;
 * UUIDs as their canonical text, `uuid`). Documents are read with `promoteValues: false`,
 * so int and double stay distinguishable.
 */
import type { ColumnInfo } from '../../../shared/domain';

interface Bson {
  _bsontype: string;
}

const isBson = (v: unknown): v is Bson =>
  typeof v === 'object' && v !== null && typeof (v as Bson)._bsontype === 'string';

function finite(n: number): number | string {
  return Number.isFinite(n) ? n : String(n); // NaN and ±Infinity have no JSON number
}

/** The value's type name, as reported in `columns[].type`. */
export function bsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  if (v instanceof Date) return 'date';
  if (Array.isArray(v)) return 'array';
  if (isBson(v)) {
    switch (v._bsontype) {
      case 'Int32':
        return 'int';
      case 'Double':
        return 'double';
      case 'Long':
        return 'long';
      case 'Decimal128':
        return 'decimal';
      case 'ObjectId':
        return 'objectId';
      case 'Binary':
        return (v as unknown as { sub_type: number }).sub_type === 4 ? 'uuid' : 'binary';
      case 'Timestamp':
        return 'timestamp';
      case 'BSONRegExp':
        return 'regex';
      case 'Code':
        return 'javascript';
      case 'MinKey':
        return 'minKey';
      case 'MaxKey':
        return 'maxKey';
      case 'DBRef':
        return 'dbref';
      default:
        return v._bsontype.toLowerCase();
    }
  }
  return 'object';
}

export function toJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return finite(v);
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  if (typeof v !== 'object') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (isBson(v)) {
    const b = v as unknown as Record<string, unknown> & {
      toString(): string;
      toHexString?(): string;
    };
    switch (v._bsontype) {
      case 'Int32':
      case 'Double':
        return finite(Number(b.value));
      case 'Long': {
        const s = b.toString();
        const n = Number(s);
        return Number.isSafeInteger(n) ? n : s;
      }
      case 'Decimal128':
        return b.toString();
      case 'ObjectId':
        return b.toHexString!();
      case 'Binary': {
        const bin = v as unknown as {
          sub_type: number;
          toString(enc: string): string;
          toUUID(): { toString(): string };
        };
        return bin.sub_type === 4 ? bin.toUUID().toString() : bin.toString('base64');
      }
      case 'Timestamp':
        return { t: Number(b.t), i: Number(b.i) };
      case 'BSONRegExp':
        return `/${String(b.pattern)}/${String(b.options)}`;
      case 'Code':
        return String(b.code);
      case 'MinKey':
      case 'MaxKey':
        return v._bsontype;
      case 'DBRef':
        return { $ref: b.collection, $id: toJsonValue(b.oid), ...(b.db ? { $db: b.db } : {}) };
      default:
        return b.toString();
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, toJsonValue(e)]));
}

/** Accumulates a column type over values: one type, `mixed`, or `null` when only nulls were seen. */
export function mergeType(current: string | undefined, v: unknown): string {
  const t = bsonType(v);
  if (t === 'null') return current ?? 'null';
  if (current === undefined || current === 'null' || current === t) return t;
  // Integers and doubles in one field are numbers, as drivers and BI tools treat them.
  if ((current === 'int' || current === 'double') && (t === 'int' || t === 'double'))
    return 'double';
  return 'mixed';
}

export interface PreparedRow {
  entries: { k: string; raw: unknown; json: unknown }[];
  size: number;
}

/**
 * Documents as rows: the columns are the union of top-level fields in order of first
 * appearance; a field a document lacks is null in its row.
 */
export class RowShaper {
  private readonly index = new Map<string, number>();
  private readonly types: (string | undefined)[] = [];
  readonly rows: unknown[][] = [];

  /** Converts a document; `size` is what its row would add to the JSON answer. */
  prepare(doc: Record<string, unknown>): PreparedRow {
    const entries = Object.entries(doc).map(([k, v]) => ({ k, raw: v, json: toJsonValue(v) }));
    return { entries, size: JSON.stringify(entries.map((e) => e.json)).length + 1 };
  }

  add(p: PreparedRow): void {
    const row: unknown[] = new Array<unknown>(this.index.size).fill(null);
    for (const { k, raw, json } of p.entries) {
      let i = this.index.get(k);
      if (i === undefined) {
        i = this.index.size;
        this.index.set(k, i);
      }
      this.types[i] = mergeType(this.types[i], raw);
      row[i] = json;
    }
    this.rows.push(row);
  }

  columns(): ColumnInfo[] {
    return [...this.index.keys()].map((name, i) => ({ name, type: this.types[i] ?? 'null' }));
  }

  /** Earlier rows are padded so that every row has one value per column. */
  finish(): unknown[][] {
    const width = this.index.size;
    for (const r of this.rows) while (r.length < width) r.push(null);
    return this.rows;
  }
}
