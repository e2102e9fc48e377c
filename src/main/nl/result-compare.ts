/**
 * Comparing query results the way execution accuracy is measured: rows as a multiset (order
 * ignored unless the reference orders them), column names ignored, numbers compared after
 * rounding away floating-point noise. Self-consistency uses the same fingerprint to find the
 * majority among candidates.
 */

function canonicalValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') {
    // Integers past 2^53 arrive as strings; treat a numeric string like the number it spells.
    return /^-?\d+$/.test(v) ? String(BigInt(v)) : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

export function canonicalRow(row: readonly unknown[]): string {
  return row.map(canonicalValue).join('\u0001');
}

export function sameResult(
  a: readonly (readonly unknown[])[],
  b: readonly (readonly unknown[])[],
  ordered: boolean,
): boolean {
  if (a.length !== b.length) return false;
  const ca = a.map(canonicalRow);
  const cb = b.map(canonicalRow);
  if (ordered) return ca.every((r, i) => r === cb[i]);
  ca.sort();
  cb.sort();
  return ca.every((r, i) => r === cb[i]);
}

/** Equal for results that `sameResult(…, false)` calls equal. */
export function resultFingerprint(rows: readonly (readonly unknown[])[]): string {
  return rows.map(canonicalRow).sort().join('\u0002');
}
