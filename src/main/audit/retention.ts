/**
 * Retention and anonymization that keep the audit verifiable.
 *
 * Anonymization (after `audit.anonymizeAfterDays`): in each entry written in leaf format 2,
 * the fields that can hold personal data are replaced by a stable pseudonym, and their
 * salts dropped, their commitments kept (audit/chain.ts): the leaf, the chain, the Merkle tree
 * and every signed checkpoint still verify, and nothing left can be hashed back to the value.
 * Format 1 entries (written before) have no per-field commitments: they are only purged.
 *
 * Purge (after `audit.retentionDays`, or `airlock audit purge --before`): the entries up to a
 * cut are checked once more, then deleted under a signed anchor (audit/retention-anchor.ts);
 * the newest entry always stays, as the chain goes on from it. Both are audit entries.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditRecord } from '../../shared/domain';
import { canonicalJson } from './canonical-json';
import { GENESIS, chainHash, fieldCommitment, fieldsOf } from './chain';
import { recomputeLeaf, rowLeafFields, rowToRecord, type AuditRow } from './audit-rows';
import { listCheckpoints } from './checkpoints';
import { MerkleFrontier, leafNode } from './report/merkle';
import {
  anchorProblem,
  anchorSummary,
  insertAnchor,
  latestAnchor,
  signAnchor,
  type Anchor,
} from './retention-anchor';
import type { AuditSigner } from './signing-key';
import type { Clock } from '../ports';
import { auditEntry } from './entry';

const DAY_MS = 86_400_000;

/** details keys that can hold personal data: questions, values, messages, names. */
export const ANONYMIZED_DETAILS = [
  'question',
  'history',
  'sampledValues',
  'params',
  'internal',
  'message',
  'name',
  'by',
  'email',
] as const;

/** Every field anonymization replaces, as leaf format 2 names them. */
export const ANONYMIZED_FIELDS = [
  'actor',
  'statement',
  'reason',
  'paramsHash',
  ...ANONYMIZED_DETAILS.map((k) => `details.${k}`),
];

/**
 * Stable pseudonyms: `anon-` and 12 hex digits of an HMAC keyed from the audit signing key
 * (private, only in the encrypted store), so the same name reads the same in every entry
 * while no one without the store can test a guess against it.
 */
export function pseudonymizer(signer: AuditSigner): (value: string) => string {
  const key = createHash('sha256')
    .update('airlock-audit-pseudonym/1\n')
    .update(signer.privateKey.export({ type: 'pkcs8', format: 'der' }))
    .digest();
  return (value) => `anon-${createHmac('sha256', key).update(value).digest('hex').slice(0, 12)}`;
}

type Pseudo = (value: string) => string;

/** `agent:bot`, `user:analyst as agent:bot`: each name after its kind. */
const anonActor = (actor: string, p: Pseudo) =>
  actor.replace(
    /\b(agent|user):([^\s]+)/g,
    (_m, kind: string, name: string) => `${kind}:${p(name)}`,
  );

/** The literals of a statement: SQL strings and numbers; for a JSON (MongoDB) query, its values. */
function anonStatement(sql: string, p: Pseudo): string {
  const t = sql.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(anonJsonValues(JSON.parse(t) as unknown, p));
    } catch {
      // not JSON after all: treated as SQL
    }
  }
  return sql.replace(/'(?:[^']|'')*'|(?<![\w.$])\d+(?:\.\d+)?(?![\w.])/g, (lit) =>
    lit.startsWith("'") ? `'${p(lit)}'` : p(lit),
  );
}

function anonJsonValues(v: unknown, p: Pseudo): unknown {
  if (typeof v === 'string' || typeof v === 'number') return p(String(v));
  if (Array.isArray(v)) return v.map((x) => anonJsonValues(x, p));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, anonJsonValues(x, p)]));
  return v;
}

/** Quoted parts of a reason ('bob', "x"): names and values an engine or rule quoted. */
const anonReason = (reason: string, p: Pseudo) =>
  reason.replace(/'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"/g, (lit) => `${lit[0]}${p(lit)}${lit[0]}`);

function pseudonymOf(name: string, value: unknown, p: Pseudo): unknown {
  switch (name) {
    case 'actor':
      return anonActor(value as string, p);
    case 'statement':
      return anonStatement(value as string, p);
    case 'reason':
      return anonReason(value as string, p);
    default:
      return p(typeof value === 'string' ? value : canonicalJson(value));
  }
}

export interface AnonymizedRow {
  id: number;
  actor: string;
  statement: string | null;
  reason: string | null;
  paramsHash: string | null;
  details: string | null;
  leafFields: string;
  redacted: number;
}

/**
 * The row with its personal fields replaced by pseudonyms and their commitments kept; null
 * when it is format 1, already anonymized, or does not verify (left as it is for `audit
 * verify` to report: anonymizing it would hide what was changed).
 */
export function anonymizeRow(row: AuditRow, p: Pseudo): AnonymizedRow | null {
  let lf;
  try {
    lf = rowLeafFields(row);
    if (!lf || lf.redacted !== undefined || recomputeLeaf(row) !== row.leaf_hash) return null;
  } catch {
    return null;
  }
  const record = rowToRecord(row);
  const fields = fieldsOf(record);
  const salt = { ...lf.salt };
  const redacted: Record<string, string> = {};
  const out: Record<string, unknown> = { ...record };
  const details = record.details ? { ...record.details } : null;
  for (const name of ANONYMIZED_FIELDS) {
    const value = fields.get(name);
    if (value === undefined || value === null || salt[name] === undefined) continue;
    redacted[name] = fieldCommitment(name, salt[name]!, value);
    delete salt[name];
    const pseudonym = pseudonymOf(name, value, p);
    if (name.startsWith('details.')) details![name.slice('details.'.length)] = pseudonym;
    else out[name] = pseudonym;
  }
  const r = out as unknown as AuditRecord;
  return {
    id: row.id,
    actor: r.actor,
    statement: r.statement,
    reason: r.reason,
    paramsHash: r.paramsHash,
    details: details === null ? null : JSON.stringify(details),
    leafFields: JSON.stringify({ ...lf, salt, redacted }),
    redacted: Object.keys(redacted).length,
  };
}

export interface AnonymizeResult {
  entries: number;
  fields: number;
  /** Up to which entry (format 2, older than the cutoff) everything is now anonymized. */
  throughSeq: number | null;
}

/** Anonymizes every format 2 entry written before `cutoff`, in batches of one transaction each. */
export function anonymizeBefore(
  db: Database,
  signer: AuditSigner,
  cutoff: Date,
  batch = 1000,
): AnonymizeResult {
  const run = anonymizeBatches(db, signer, cutoff, batch);
  let step = run.next();
  while (!step.done) step = run.next();
  return step.value;
}

/** The same, one transaction per step, so a caller on the server can let the API run between. */
export function* anonymizeBatches(
  db: Database,
  signer: AuditSigner,
  cutoff: Date,
  batch = 1000,
): Generator<void, AnonymizeResult> {
  const p = pseudonymizer(signer);
  const select = db.prepare<[string, number], AuditRow>(
    `SELECT * FROM audit_log WHERE time < ? AND id > ? AND leaf_fields IS NOT NULL
       AND json_extract(leaf_fields, '$.redacted') IS NULL ORDER BY id LIMIT ${batch}`,
  );
  const update = db.prepare(
    `UPDATE audit_log SET actor = @actor, statement = @statement, reason = @reason,
       params_hash = @paramsHash, details = @details, leaf_fields = @leafFields WHERE id = @id`,
  );
  const result: AnonymizeResult = { entries: 0, fields: 0, throughSeq: null };
  const iso = cutoff.toISOString();
  let after = 0;
  const step = db.transaction(() => {
    const rows = select.all(iso, after);
    for (const row of rows) {
      after = row.id;
      const a = anonymizeRow(row, p);
      if (!a) continue;
      update.run(a);
      result.entries += 1;
      result.fields += a.redacted;
      result.throughSeq = row.id;
    }
    return rows.length < batch;
  });
  while (!step.immediate()) yield;
  return result;
}

/** The cut for `--before`: a date purges entries written before it, a seq those below it. */
export function cutFor(db: Database, before: Date | number): number {
  if (typeof before === 'number') return before - 1;
  const firstKept = db
    .prepare<[string], { id: number | null }>('SELECT min(id) AS id FROM audit_log WHERE time >= ?')
    .get(before.toISOString())?.id;
  if (firstKept !== null && firstKept !== undefined) return firstKept - 1;
  return (
    db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM audit_log').get()?.id ?? 0
  );
}

export class PurgeRefused extends Error {}

export interface PurgeResult {
  /** Entries deleted by this purge. */
  purged: number;
  anchor: Anchor | null;
}

/**
 * Deletes the entries up to `cut` (kept: the newest entry) under a signed anchor, in one
 * transaction. The entries from the previous anchor to the cut are verified first (leaf,
 * chain, and every checkpoint among them): a log that does not verify is never purged, since
 * that would destroy the evidence.
 */
export function purgeThrough(
  db: Database,
  signer: AuditSigner,
  requestedCut: number,
  now: Date,
): PurgeResult {
  return db
    .transaction((): PurgeResult => {
      const prior = latestAnchor(db);
      const base = prior?.seq ?? 0;
      const head =
        db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM audit_log').get()?.id ??
        base;
      const cut = Math.min(requestedCut, head - 1);
      if (cut <= base) return { purged: 0, anchor: null };
      if (prior) {
        const bad = anchorProblem(signer.publicKey, prior);
        if (bad) throw new PurgeRefused(`${bad}; run 'airlock audit verify'`);
      }
      const tree = prior ? MerkleFrontier.restore(prior.frontier) : MerkleFrontier.empty();
      const checkpoints = new Map(listCheckpoints(db).map((c) => [c.seq, c]));
      let prev = prior?.headHash ?? GENESIS;
      let expected = base + 1;
      const rows = db
        .prepare<[number, number], AuditRow>(
          'SELECT * FROM audit_log WHERE id > ? AND id <= ? ORDER BY id',
        )
        .iterate(base, cut);
      for (const row of rows) {
        const refuse = (why: string) => {
          rows.return?.();
          return new PurgeRefused(
            `the entries to purge do not verify (${why}); nothing was purged: run 'airlock audit verify'`,
          );
        };
        if (row.id !== expected) throw refuse(`entry ${expected} is missing`);
        let leaf: string;
        try {
          leaf = recomputeLeaf(row);
        } catch {
          throw refuse(`entry ${row.id} is unreadable`);
        }
        if (leaf !== row.leaf_hash) throw refuse(`entry ${row.id} was changed`);
        prev = chainHash(prev, leaf);
        if (prev !== row.chain_hash) throw refuse(`entry ${row.id} does not link`);
        tree.push(leafNode(leaf));
        const cp = checkpoints.get(row.id);
        if (cp && (cp.headHash !== prev || cp.treeRoot !== tree.root().toString('hex')))
          throw refuse(`entry ${row.id} differs from its signed checkpoint`);
        expected += 1;
      }
      if (expected !== cut + 1) throw new PurgeRefused(`entry ${expected} is missing`);
      const anchor = signAnchor(signer.privateKey, {
        seq: cut,
        headHash: prev,
        treeRoot: tree.root().toString('hex'),
        time: now.toISOString(),
        frontier: tree.save(),
      });
      insertAnchor(db, anchor);
      const deleted = db.prepare('DELETE FROM audit_log WHERE id > ? AND id <= ?').run(base, cut);
      return { purged: deleted.changes, anchor };
    })
    .immediate();
}

export interface RetentionPolicy {
  retentionDays?: number | undefined;
  anonymizeAfterDays?: number | undefined;
}

export interface RetentionDeps {
  db: Database;
  signer: AuditSigner;
  append(record: AuditRecord): Promise<number>;
  clock: Clock;
}

/** The audit entry that records a purge or an anonymization (no personal data in it). */
const retentionEntry = (
  clock: Clock,
  action: 'admin.audit.purge' | 'admin.audit.anonymize',
  details: Record<string, unknown>,
) => auditEntry(clock, { actor: 'admin', action, details });

export interface RetentionRun {
  anonymized: AnonymizeResult | null;
  purge: { purged: number; anchor: ReturnType<typeof anchorSummary> | null; cutoff: string } | null;
}

/**
 * Applies the settings now: anonymizes entries older than `anonymizeAfterDays`, purges those
 * older than `retentionDays`, and records each in the audit (only when it changed anything).
 */
export async function applyRetention(
  deps: RetentionDeps,
  policy: RetentionPolicy,
  by = 'retention',
): Promise<RetentionRun> {
  const now = deps.clock.now();
  const run: RetentionRun = { anonymized: null, purge: null };
  if (policy.anonymizeAfterDays !== undefined) {
    const cutoff = new Date(now.getTime() - policy.anonymizeAfterDays * DAY_MS);
    const batches = anonymizeBatches(deps.db, deps.signer, cutoff);
    let step = batches.next();
    for (; !step.done; step = batches.next()) await new Promise((r) => setImmediate(r));
    run.anonymized = step.value;
    if (run.anonymized.entries > 0)
      await deps.append(
        retentionEntry(deps.clock, 'admin.audit.anonymize', {
          by,
          before: cutoff.toISOString(),
          entries: run.anonymized.entries,
          fields: run.anonymized.fields,
          throughSeq: run.anonymized.throughSeq,
        }),
      );
  }
  if (policy.retentionDays !== undefined) {
    const cutoff = new Date(now.getTime() - policy.retentionDays * DAY_MS);
    run.purge = await purgeAndRecord(deps, cutoff, by);
  }
  return run;
}

/** Purges before a date or a seq and records it; the record names the anchor. */
export async function purgeAndRecord(
  deps: RetentionDeps,
  before: Date | number,
  by: string,
): Promise<NonNullable<RetentionRun['purge']>> {
  const cut = cutFor(deps.db, before);
  const { purged, anchor } = purgeThrough(deps.db, deps.signer, cut, deps.clock.now());
  const summary = anchor ? anchorSummary(anchor) : null;
  const cutoff = typeof before === 'number' ? `entry ${before}` : before.toISOString();
  if (anchor)
    await deps.append(
      retentionEntry(deps.clock, 'admin.audit.purge', {
        by,
        before: cutoff,
        purged,
        anchor: { seq: anchor.seq, headHash: anchor.headHash, treeRoot: anchor.treeRoot },
      }),
    );
  return { purged, anchor: summary, cutoff };
}

/** Runs `applyRetention` hourly while the policy asks for anything; failures wait for the next hour. */
export interface Retention {
  stop(): void;
  /** Applies the settings at once (`POST /v1/admin/audit/purge`); one run at a time. */
  runNow(by?: string): Promise<RetentionRun>;
}

export function startRetention(
  deps: RetentionDeps,
  policy: () => RetentionPolicy,
  intervalMs = 3_600_000,
): Retention {
  let running: Promise<RetentionRun> | null = null;
  const runNow = (by = 'retention') => {
    running ??= applyRetention(deps, policy(), by).finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => {
    const p = policy();
    if (p.retentionDays !== undefined || p.anonymizeAfterDays !== undefined)
      runNow().catch(() => {});
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runNow };
}
