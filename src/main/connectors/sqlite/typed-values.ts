/**
 * Result values as JSON that round-trips: integers beyond 2^53 become strings (type
 * `bigint`), blobs become base64 (type `blob`); everything else is already JSON.
 */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}

export function sqliteColumnType(declared: string | null, sample: unknown): string {
  if (declared) {
    const d = declared.toUpperCase();
    if (d.includes('INT')) return 'integer';
    if (d.includes('CHAR') || d.includes('CLOB') || d.includes('TEXT')) return 'text';
    if (d.includes('BLOB')) return 'blob';
    if (d.includes('REAL') || d.includes('FLOA') || d.includes('DOUB')) return 'real';
    return 'numeric';
  }
  if (typeof sample === 'bigint') return 'integer';
  if (typeof sample === 'number') return Number.isInteger(sample) ? 'integer' : 'real';
  if (typeof sample === 'string') return 'text';
  if (Buffer.isBuffer(sample)) return 'blob';
  return 'null';
}

/** A cheap upper bound of a value's size in the JSON response. */
export function jsonSize(v: unknown): number {
  if (v === null || v === undefined) return 4;
  if (typeof v === 'string') return v.length + 2;
  if (typeof v === 'number' || typeof v === 'bigint') return 24;
  if (Buffer.isBuffer(v)) return Math.ceil(v.length / 3) * 4 + 2;
  return String(v).length;
}
