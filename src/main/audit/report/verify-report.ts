/**
 * Offline verification of a signed audit report: no store, no store key, only the report (and,
 * for CSV or PDF, the file beside its FILE.sig.json) and optionally the public key the
 * officer expects. It names the first bad entry, or which signature fails.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { chainHash, entryLeafHash } from '../chain';
import { checkpointProblem } from './checkpoint';
import { expectedCells, parseCsv } from './csv-report';
import { leafNode, rootFromMultiProof } from './merkle';
import { AuditReport, CSV_COLUMNS, leafFieldsOf, recordOf, signedPart } from './report-format';
import { fingerprintOf, parsePublicKey, verifyJson } from './signature';

export type ReportVerdict =
  | {
      ok: true;
      fingerprint: string;
      range: AuditReport['range'];
      entries: number;
      checkpointSeq: number;
      file: string | null;
    }
  | { ok: false; problem: string; badEntry: number | null; fingerprint: string | null };

export interface VerifyReportInput {
  /** The report JSON as parsed from the file (the JSON report, or a CSV/PDF's sidecar). */
  report: unknown;
  /** For a sidecar: the bytes of the file it vouches for. */
  file?: Buffer;
  /** The key the report must be signed with; without it, the report's own key is reported. */
  expectedKey?: KeyObject;
}

export function verifyReport(input: VerifyReportInput): ReportVerdict {
  const bad = (
    problem: string,
    badEntry: number | null = null,
    fingerprint: string | null = null,
  ): ReportVerdict => ({ ok: false, problem, badEntry, fingerprint });
  const parsed = AuditReport.safeParse(input.report);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path ?? [];
    const entryIndex = at[0] === 'entries' && typeof at[1] === 'number' ? at[1] : null;
    const raw = input.report as { entries?: { seq?: unknown }[] } | null;
    const seq = entryIndex !== null ? raw?.entries?.[entryIndex]?.seq : null;
    return bad(
      `not a valid Airlock audit report: ${at.join('.') || 'document'}: ${issue?.message ?? 'unreadable'}`,
      typeof seq === 'number' ? seq : null,
    );
  }
  const r = parsed.data;
  const key = parsePublicKey(r.signer.publicKey);
  if (!key) return bad("the report's signer key is not an Ed25519 public key");
  const fingerprint = fingerprintOf(key);
  if (fingerprint !== r.signer.fingerprint)
    return bad(
      `the report's signer fingerprint ${r.signer.fingerprint} is not that of its public key (${fingerprint})`,
      null,
      fingerprint,
    );
  if (input.expectedKey) {
    const expected = fingerprintOf(input.expectedKey);
    if (expected !== fingerprint)
      return bad(
        `the report is signed by another key: fingerprint ${fingerprint}, expected ${expected}`,
        null,
        fingerprint,
      );
  }

  // Entries: each recomputed from its fields, in order, linked where consecutive.
  // Without filters a report holds every entry from firstSeq to lastSeq, so a gap is a deletion.
  const contiguous = Object.keys(r.filters).length === 0;
  // Order first: a swap would otherwise read as a gap before the later entry.
  for (let i = 1; i < r.entries.length; i++) {
    const [a, b] = [r.entries[i - 1]!, r.entries[i]!];
    if (b.seq <= a.seq) {
      return bad(
        `entry ${b.seq} is out of order (it comes after entry ${a.seq})`,
        b.seq,
        fingerprint,
      );
    }
  }
  let prev: (typeof r.entries)[number] | null = null;
  for (const e of r.entries) {
    if (prev && e.seq !== prev.seq + 1 && contiguous) {
      return bad(
        `entr${e.seq - prev.seq > 2 ? `ies ${prev.seq + 1}–${e.seq - 1} are` : `y ${prev.seq + 1} is`} missing before entry ${e.seq}`,
        prev.seq + 1,
        fingerprint,
      );
    }
    if (leafOf(e) !== e.leafHash)
      return bad(
        `entry ${e.seq} was changed: its fields do not match its hash`,
        e.seq,
        fingerprint,
      );
    if (prev && e.seq === prev.seq + 1 && chainHash(prev.chainHash, e.leafHash) !== e.chainHash) {
      return bad(
        `entry ${e.seq} does not link to entry ${prev.seq} in the hash chain`,
        e.seq,
        fingerprint,
      );
    }
    prev = e;
  }
  const first = r.entries[0]?.seq ?? null;
  const last = r.entries[r.entries.length - 1]?.seq ?? null;
  if (r.range.firstSeq !== first || r.range.lastSeq !== last) {
    return bad(
      `the report's range says entries ${r.range.firstSeq}–${r.range.lastSeq} but holds ${first}–${last}: entries were removed`,
      last !== null && r.range.lastSeq !== null && last < r.range.lastSeq ? last + 1 : first,
      fingerprint,
    );
  }

  // The checkpoint, signed by the same key, and the Merkle proof from the entries to its root.
  const cpProblem = checkpointProblem(key, r.checkpoint);
  if (cpProblem) return bad(cpProblem, null, fingerprint);
  if (r.proof.treeSize !== r.checkpoint.seq)
    return bad(
      `the proof is for ${r.proof.treeSize} entries but the checkpoint for ${r.checkpoint.seq}`,
      null,
      fingerprint,
    );
  if (last !== null && last > r.checkpoint.seq)
    return bad(
      `entry ${last} comes after the signed checkpoint at entry ${r.checkpoint.seq}`,
      last,
      fingerprint,
    );
  const tail = r.entries[r.entries.length - 1];
  if (tail && tail.seq === r.checkpoint.seq && tail.chainHash !== r.checkpoint.headHash) {
    return bad(
      `entry ${tail.seq} does not match the chain head in the signed checkpoint`,
      tail.seq,
      fingerprint,
    );
  }
  if (r.entries.length > 0) {
    const root = rootFromMultiProof(
      r.checkpoint.seq,
      r.entries.map((e) => e.seq - 1),
      r.entries.map((e) => leafNode(e.leafHash)),
      r.proof.hashes.map((h) => Buffer.from(h, 'hex')),
    );
    if (!root || root.toString('hex') !== r.checkpoint.treeRoot) {
      return bad(
        `the entries do not belong to the log the checkpoint at entry ${r.checkpoint.seq} signs (their Merkle proof fails): an entry was changed, added or removed`,
        null,
        fingerprint,
      );
    }
  }

  // The file a sidecar vouches for: its bytes, and for CSV each row against the signed entries.
  if (r.file) {
    if (!input.file)
      return bad(
        `this is the signature of ${r.file.name}; verify that file (the .sig.json is found beside it)`,
        null,
        fingerprint,
      );
    if (r.file.format === 'csv') {
      const rowProblem = csvProblem(input.file.toString('utf8'), r);
      if (rowProblem) return bad(rowProblem.problem, rowProblem.seq, fingerprint);
    }
    const sha = createHash('sha256').update(input.file).digest('hex');
    if (sha !== r.file.sha256)
      return bad(
        `${r.file.name} was changed: its SHA-256 is ${sha}, the signed one ${r.file.sha256}`,
        null,
        fingerprint,
      );
  } else if (input.file) {
    return bad('the signature file does not name a CSV or PDF file', null, fingerprint);
  }

  // Last, the signature over the whole document: anything else altered shows here.
  if (!verifyJson(key, signedPart(input.report as AuditReport), r.signature))
    return bad(
      "the report's signature does not verify: the report was altered after it was signed",
      null,
      fingerprint,
    );
  return {
    ok: true,
    fingerprint,
    range: r.range,
    entries: r.entries.length,
    checkpointSeq: r.checkpoint.seq,
    file: r.file?.name ?? null,
  };
}

function csvProblem(text: string, r: AuditReport): { problem: string; seq: number | null } | null {
  const rows = parseCsv(text);
  const header = rows.shift();
  if (!header || header.join(',') !== CSV_COLUMNS.join(','))
    return { problem: `${r.file!.name} does not start with the report's column header`, seq: null };
  const bySeq = new Map(r.entries.map((e) => [e.seq, e]));
  let prevSeq = 0;
  for (const [i, row] of rows.entries()) {
    const seq = Number(row[0]);
    const e = bySeq.get(seq);
    if (!e)
      return {
        problem: `row ${i + 2} of ${r.file!.name} (entry ${row[0]}) is not in the signed report`,
        seq: Number.isInteger(seq) ? seq : null,
      };
    if (seq <= prevSeq) return { problem: `entry ${seq} in ${r.file!.name} is out of order`, seq };
    const want = expectedCells(e);
    if (row.length !== want.length || row.some((c, k) => c !== want[k]))
      return {
        problem: `entry ${seq} in ${r.file!.name} was changed: it differs from the signed entry`,
        seq,
      };
    prevSeq = seq;
  }
  if (rows.length !== r.entries.length) {
    const seen = new Set(rows.map((row) => Number(row[0])));
    const missing = r.entries.find((e) => !seen.has(e.seq));
    return {
      problem: `entry ${missing?.seq ?? '?'} is missing from ${r.file!.name}`,
      seq: missing?.seq ?? null,
    };
  }
  return null;
}

/** The entry's leaf recomputed in its own format; null when its commitments do not fit it. */
function leafOf(e: AuditReport['entries'][number]): string | null {
  try {
    return entryLeafHash(e.seq, recordOf(e), leafFieldsOf(e));
  } catch {
    return null;
  }
}
