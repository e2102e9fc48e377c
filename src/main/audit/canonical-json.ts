/**
 * Canonical JSON for hashing: object keys sorted by code unit, no whitespace, no undefined.
 * The same value always yields the same bytes, on any machine, so a report can be
 * re-verified elsewhere. Text is hashed as it will read back from the store: a lone UTF-16
 * surrogate (not well-formed Unicode) becomes U+FFFD, as SQLite stores it, so no string an
 * agent chooses can make an entry disagree with its own hash.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.toWellFormed());
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k.toWellFormed())}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

/**
 * The value with every string (and key) made well-formed Unicode, each lone surrogate becoming
 * U+FFFD; the same object when it already is, so the common case copies nothing. Applied to
 * each audit record before it is hashed and stored: SQLite would otherwise store a lone
 * surrogate as bytes that read back as different text, and the entry would fail its own hash.
 */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return (value.isWellFormed() ? value : value.toWellFormed()) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    value.forEach((v, i) => {
      const w = wellFormed(v);
      if (w !== v) (out ??= [...value])[i] = w;
    });
    return (out ?? value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    return value;
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const w = wellFormed(v);
    if (w !== v || !k.isWellFormed()) {
      out ??= { ...(value as Record<string, unknown>) };
      if (!k.isWellFormed()) delete out[k];
      out[k.toWellFormed()] = w;
    }
  }
  return (out ?? value) as T;
}
