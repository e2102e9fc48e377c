/**
 * What the SQL connectors share for dry runs, before/after images and revert: how image values
 * are kept as JSON (exactly enough to be written back), how rows are compared, how a preview is
 * put together, and the refusals. The engine-specific capture lives in each connector.
 */
import { AirlockError } from '../../shared/errors';
import type { Analysis } from '../guard/analyzer';
import type { WriteImages, WritePreview } from './types';

/** Rows a dry run shows and a write captures when the caller names no cap. */
export const DEFAULT_CAPTURE_CAP = 100;

/**
 * An image value as JSON that round-trips: integers beyond 2^53 as `{ $int }`, binary values as
 * `{ $bytes }` (base64), other objects (a JSON column) as their JSON text.
 */
export function encodeImageValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : { $int: v.toString() };
  }
  if (Buffer.isBuffer(v)) return { $bytes: v.toString('base64') };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

/** The value to bind for an image value (the inverse of encodeImageValue). */
export function decodeImageValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$bytes === 'string') return Buffer.from(o.$bytes, 'base64');
    if (typeof o.$int === 'string') return BigInt(o.$int);
    throw new AirlockError('VALIDATION_FAILED', 'an image value is not in a known form');
  }
  return v;
}

/** How an image value is shown to a person (the preview): bytes as base64, big integers as text. */
export function displayImageValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$bytes === 'string') return o.$bytes;
    if (typeof o.$int === 'string') return o.$int;
  }
  return v;
}

/** Whether two encoded rows hold the same values. */
export const sameRow = (a: unknown[], b: unknown[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** The key of an encoded row: its primary-key values, in order. */
export const rowKey = (row: unknown[], pkIndexes: number[]): string =>
  JSON.stringify(pkIndexes.map((i) => row[i]));

export function revertConflict(table: string, changed: number, total: number): AirlockError {
  return new AirlockError(
    'REVERT_CONFLICT',
    `${changed} of the ${total} row${total === 1 ? '' : 's'} of ${table} that the write left ${changed === 1 ? 'has' : 'have'} changed since, so revert would overwrite newer data; nothing was restored`,
    { table, changed, total },
  );
}

/**
 * The table as it is now, when its columns and key are the ones the images were taken with;
 * else REVERT_CONFLICT (also when it is gone): its rows cannot be restored.
 */
export function tableAsWritten<M extends { columns: { name: string }[]; primaryKey: string[] }>(
  images: WriteImages,
  meta: M | null | undefined,
): M {
  const same = (a: string[], b: string[]) => a.join('\u0000') === b.join('\u0000');
  if (
    !meta ||
    !same(
      meta.columns.map((c) => c.name),
      images.columns,
    ) ||
    !same(meta.primaryKey, images.primaryKey)
  ) {
    throw new AirlockError(
      'REVERT_CONFLICT',
      `table ${images.table} is not as it was when written (its columns or key changed), so revert cannot restore its rows; nothing was restored`,
      { table: images.table },
    );
  }
  return meta;
}

/** The one table a write writes, by the guard's analysis (null when it is not exactly one). */
export function writtenTable(analysis: Analysis): string | null {
  const written = analysis.tables.filter((t) => t.write.length > 0 || t.wholeRowWrite);
  return written.length === 1 ? written[0]!.table : null;
}

/** Written columns that are part of the primary key: such an update cannot be attributed by key. */
export function writesKey(analysis: Analysis, table: string, primaryKey: string[]): boolean {
  if (analysis.kind !== 'update') return false;
  const access = analysis.tables.find((t) => t.table === table);
  const keys = new Set(primaryKey.map((k) => k.toLowerCase()));
  return (access?.write ?? []).some((c) => keys.has(c.toLowerCase()));
}

/** What a capture found, before it becomes a preview. */
export interface Capture {
  /** The engine's own count. */
  rowsAffected: number;
  table: string;
  columns: string[];
  primaryKey: string[];
  kind: WriteImages['kind'];
  /** Encoded rows as they were (update/delete) when captured; null when not. */
  before: unknown[][] | null;
  /** Encoded rows as the write left them (update/insert); null when not. */
  after: unknown[][] | null;
  /** Why revert is impossible; null when the images are exact. */
  notRevertable: string | null;
  /** More rows than the cap were affected. */
  overCap: boolean;
}

/**
 * Whether the rows read before an update or delete can stand for the rows it wrote, so that
 * the rows after it are worth reading: there are as many as the engine counted (else the
 * preview shows none, and `mismatch` says why revert cannot be offered) and nothing already
 * rules revert out.
 */
export function beforeMatches(
  capture: Capture,
  mismatch: string,
): capture is Capture & { before: unknown[][] } {
  if (capture.before === null) return false;
  if (capture.before.length !== capture.rowsAffected) {
    capture.before = null;
    capture.notRevertable ??= mismatch;
    return false;
  }
  return capture.notRevertable === null;
}

/** The preview a capture gives; `images` only for a real write whose capture is exact. */
export function previewOf(c: Capture, keepImages: boolean): WritePreview {
  const preview: WritePreview = {
    rowsAffected: c.rowsAffected,
    revertable: { ok: true },
  };
  if (c.overCap) preview.beforeTruncated = true;
  if (c.before && c.kind !== 'insert' && c.primaryKey.length > 0 && !c.overCap) {
    preview.before = {
      columns: c.columns,
      rows: c.before.map((r) => r.map(displayImageValue)),
    };
  }
  if (c.notRevertable !== null) {
    preview.revertable = { ok: false, reason: c.notRevertable };
  } else if (keepImages) {
    preview.images = {
      table: c.table,
      primaryKey: c.primaryKey,
      columns: c.columns,
      kind: c.kind,
      before: c.kind === 'insert' ? [] : (c.before ?? []),
      after: c.kind === 'delete' ? [] : (c.after ?? []),
    };
  }
  return preview;
}

/** Why a capture is impossible for the shape of a table, or null. */
export function tableReason(
  table: string,
  primaryKey: string[],
  cascades: string[],
  kind: WriteImages['kind'],
): string | null {
  if (primaryKey.length === 0)
    return `table ${table} has no primary key, so the written rows cannot be identified for revert`;
  if (cascades.length > 0) {
    const what = kind === 'update' ? 'updating' : 'deleting';
    return `${what} rows of ${table} can change rows of ${cascades.join(', ')} through a foreign key (ON ${kind === 'update' ? 'UPDATE' : 'DELETE'} CASCADE or SET), which revert cannot restore`;
  }
  return null;
}

export const overCapReason = (table: string, cap: number): string =>
  `the write affects more than ${cap} rows of ${table}, more than Airlock keeps for revert`;

/** Checks the shape of images handed to revert (they come back from the store). */
export function checkImages(images: WriteImages): void {
  const ok =
    typeof images === 'object' &&
    images !== null &&
    typeof images.table === 'string' &&
    Array.isArray(images.primaryKey) &&
    images.primaryKey.length > 0 &&
    Array.isArray(images.columns) &&
    images.primaryKey.every((k) => images.columns.includes(k)) &&
    ['update', 'delete', 'insert'].includes(images.kind) &&
    Array.isArray(images.before) &&
    Array.isArray(images.after) &&
    [...images.before, ...images.after].every(
      (r) => Array.isArray(r) && r.length === images.columns.length,
    ) &&
    (images.kind !== 'update' || images.before.length === images.after.length);
  if (!ok) throw new AirlockError('VALIDATION_FAILED', 'the write images are not well formed');
}
