import type { Database } from 'better-sqlite3-multiple-ciphers';
import { rowLeafFields, rowToRecord, type AuditRow } from '../audit-rows';
import { latestAnchor } from '../retention-anchor';
import type { Checkpointer } from '../checkpoints';
import type { AuditSigner } from '../signing-key';
import { leafNode, multiProof, multiProofAfter } from './merkle';
import {
  REPORT_FORMAT,
  signedPart,
  type AuditReport,
  type ReportEntry,
  type ReportFilters,
} from './report-format';
import { signJson } from './signature';

export interface ReportRequest {
  from?: string;
  to?: string;
  filters?: ReportFilters;
}

export interface ReportSource {
  db: Database;
  signer: AuditSigner;
  checkpoints: Pick<Checkpointer, 'checkpointNow'>;
  now: () => Date;
}

/** Progress of a report being built: entries read so far out of the log's size. */
export type ReportProgress = (done: number, total: number) => void;

const PAGE = 5000;

/**
 * Builds the signed JSON report: the entries of the range (and filters), a fresh signed
 * checkpoint at the log's head, and the Merkle proof from those entries to its root. The log
 * is append-only, so reading the ids up to the checkpoint page by page sees one consistent
 * log; between pages the event loop runs (the API stays responsive, progress can be shown).
 */
export async function buildReport(
  src: ReportSource,
  req: ReportRequest,
  onProgress?: ReportProgress,
): Promise<AuditReport> {
  const filters = req.filters ?? {};
  const from = req.from === undefined ? null : new Date(req.from).toISOString();
  const to = req.to === undefined ? null : new Date(req.to).toISOString();
  const checkpoint = src.checkpoints.checkpointNow();
  if (!checkpoint) throw new Error('the audit log is empty: there is nothing to report');
  const size = checkpoint.seq;
  // The range is the entries from the first at or after `from` to the last at or before
  // `to`, every one in between included: times of concurrent appends may interleave.
  const bound = (sql: string, t: string) =>
    src.db.prepare<[string, number], { n: number | null }>(sql).get(t, size)?.n ?? null;
  const lo =
    from === null
      ? 1
      : (bound('SELECT min(id) AS n FROM audit_log WHERE time >= ? AND id <= ?', from) ?? size + 1);
  const hi =
    to === null
      ? size
      : (bound('SELECT max(id) AS n FROM audit_log WHERE time <= ? AND id <= ?', to) ?? 0);
  const page = src.db.prepare<[number, number], AuditRow>(
    'SELECT * FROM audit_log WHERE id > ? AND id <= ? ORDER BY id LIMIT ' + PAGE,
  );
  const entries: ReportEntry[] = [];
  const leaves: Buffer[] = [];
  // After a purge the log starts past its anchor, whose kept tree edge stands for the rest.
  const anchor = latestAnchor(src.db);
  const base = anchor && anchor.seq < size ? anchor.seq : 0;
  let after = base;
  while (after < size) {
    const rows = page.all(after, size);
    if (rows.length === 0) break;
    for (const row of rows) {
      leaves.push(leafNode(row.leaf_hash));
      if (row.id >= lo && row.id <= hi && matches(row, filters)) {
        const leafFields = rowLeafFields(row);
        entries.push({
          seq: row.id,
          ...rowToRecord(row),
          leafHash: row.leaf_hash,
          chainHash: row.chain_hash,
          ...(leafFields ? { leafFields } : {}),
        });
      }
    }
    after = rows[rows.length - 1]!.id;
    onProgress?.(after, size);
    await new Promise((r) => setImmediate(r));
  }
  if (base + leaves.length !== size)
    throw new Error(
      `the audit log has ${leaves.length} entries from ${base + 1} to ${size}: run 'airlock audit verify'`,
    );
  const indices = entries.map((e) => e.seq - 1);
  const proof = (
    anchor && base > 0
      ? multiProofAfter(anchor.frontier, leaves, indices)
      : multiProof(leaves, indices)
  ).map((h) => h.toString('hex'));
  const unsigned: Omit<AuditReport, 'signature'> = {
    format: REPORT_FORMAT,
    generatedAt: src.now().toISOString(),
    range: {
      from,
      to,
      firstSeq: entries[0]?.seq ?? null,
      lastSeq: entries[entries.length - 1]?.seq ?? null,
    },
    filters,
    entries,
    proof: { treeSize: size, hashes: proof },
    checkpoint,
    signer: { publicKey: src.signer.publicKeyPem, fingerprint: src.signer.fingerprint },
  };
  return signReport(src.signer, unsigned);
}

export function signReport(
  signer: AuditSigner,
  unsigned: Omit<AuditReport, 'signature'>,
): AuditReport {
  return { ...unsigned, signature: signJson(signer.privateKey, signedPart(unsigned)) };
}

function matches(row: AuditRow, f: ReportFilters): boolean {
  if (f.agent !== undefined && row.actor !== `agent:${f.agent}`) return false;
  if (f.status !== undefined && row.status !== f.status) return false;
  if (
    f.connection !== undefined &&
    (row.connection ?? '').toLowerCase() !== f.connection.toLowerCase()
  )
    return false;
  if (f.action !== undefined && row.action !== f.action) return false;
  return true;
}
