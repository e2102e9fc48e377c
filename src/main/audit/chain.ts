import { createHash, randomBytes } from 'node:crypto';
import type { AuditRecord } from '../../shared/domain';
import { canonicalJson } from './canonical-json';

export const GENESIS = '0'.repeat(64);

/** leaf = SHA-256(canonical JSON of the entry, its id included, so rows cannot be reordered). */
export function leafHash(id: number, record: AuditRecord): string {
  return createHash('sha256')
    .update(canonicalJson({ id, ...record }))
    .digest('hex');
}

/** chain = SHA-256(prev ‖ leaf), over the raw 32-byte digests. */
export function chainHash(prev: string, leaf: string): string {
  return createHash('sha256')
    .update(Buffer.from(prev, 'hex'))
    .update(Buffer.from(leaf, 'hex'))
    .digest('hex');
}

/**
 * Leaf format 2: the leaf commits to one hash per field, so a field's value can later be
 * replaced by its commitment (anonymization) while the leaf, the chain, the Merkle tree and
 * every signed checkpoint still verify. Entries written in format 1 (`leafHash` above, no
 * `leaf_fields`) keep it: the format is per entry.
 *
 * The fields are the record's own (time, actor, …) and each top-level key of `details` as
 * `details.<key>` (so a question can be redacted while the approval id stays); a null
 * `details` is the field `details`. A field that anonymization may remove carries its own
 * random salt, so a redacted low-entropy value (a name, a number) cannot be guessed back from
 * its commitment once the salt is dropped.
 */
export const LEAF_FORMAT_2 = 2;

export interface LeafFields {
  v: typeof LEAF_FORMAT_2;
  /** Salt (base64url, 16 random bytes) per salted field still holding its value. */
  salt: Record<string, string>;
  /** Commitment per redacted field; present (maybe empty) once the entry was anonymized. */
  redacted?: Record<string, string>;
}

/** Fields with their own salt: those anonymization may redact, and every key of `details`. */
const SALTED = new Set(['actor', 'statement', 'reason', 'paramsHash']);
export const isSaltedField = (name: string): boolean =>
  SALTED.has(name) || name.startsWith('details.');

/** The record as the flat field map format 2 commits to. */
export function fieldsOf(record: AuditRecord): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (k === 'details' && v !== null) {
      for (const [dk, dv] of Object.entries(v as Record<string, unknown>))
        if (dv !== undefined) out.set(`details.${dk}`, dv);
    } else out.set(k, v);
  }
  return out;
}

/** Fresh random salts for a record's salted fields. */
export function newLeafFields(record: AuditRecord): LeafFields {
  const salt: Record<string, string> = {};
  const names = [...fieldsOf(record).keys()].filter(isSaltedField);
  const bytes = randomBytes(16 * names.length);
  names.forEach((n, i) => (salt[n] = bytes.subarray(16 * i, 16 * (i + 1)).toString('base64url')));
  return { v: LEAF_FORMAT_2, salt };
}

/** commitment = SHA-256(canonical JSON of [name, salt or null, value]). */
export function fieldCommitment(name: string, salt: string | null, value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson([name, salt, value]))
    .digest('hex');
}

/**
 * leaf = SHA-256(canonical JSON of { v: 2, id, fields: { name: commitment } }). A redacted
 * field contributes its kept commitment; any other its recomputed one. Throws when the salts
 * and commitments do not fit the record (a salt or commitment for no field, a salted field
 * with neither): such an entry was altered.
 */
export function leafHashV2(id: number, record: AuditRecord, lf: LeafFields): string {
  const fields = fieldsOf(record);
  const redacted = lf.redacted ?? {};
  for (const name of [...Object.keys(lf.salt), ...Object.keys(redacted)])
    if (!fields.has(name))
      throw new TypeError(`a salt or commitment for a field it lacks: ${name}`);
  const commitments: Record<string, string> = {};
  for (const [name, value] of fields) {
    const kept = redacted[name];
    if (kept !== undefined) {
      if (lf.salt[name] !== undefined || !/^[0-9a-f]{64}$/.test(kept))
        throw new TypeError(`field ${name} is both salted and redacted`);
      commitments[name] = kept;
      continue;
    }
    const salt = lf.salt[name] ?? null;
    if (salt === null && isSaltedField(name)) throw new TypeError(`field ${name} lost its salt`);
    commitments[name] = fieldCommitment(name, salt, value);
  }
  return createHash('sha256')
    .update(canonicalJson({ v: LEAF_FORMAT_2, id, fields: commitments }))
    .digest('hex');
}

/** The leaf of an entry in whichever format it was written (null `leaf_fields`: format 1). */
export function entryLeafHash(id: number, record: AuditRecord, lf: LeafFields | null): string {
  return lf === null ? leafHash(id, record) : leafHashV2(id, record, lf);
}

/** Parses a stored `leaf_fields` value; throws when it is not one. */
export function parseLeafFields(text: string | null): LeafFields | null {
  if (text === null) return null;
  const v = JSON.parse(text) as LeafFields;
  const isMap = (m: unknown) =>
    typeof m === 'object' &&
    m !== null &&
    !Array.isArray(m) &&
    Object.values(m).every((s) => typeof s === 'string');
  if (v?.v !== LEAF_FORMAT_2 || !isMap(v.salt) || (v.redacted !== undefined && !isMap(v.redacted)))
    throw new TypeError('unreadable leaf fields');
  return v;
}
