/**
 * The `approvals` table (migration 9): one row per agent write that waited for a person. The
 * kept images (what revert needs) stay here and reach only the officer's revert, never an
 * agent nor a view. Every change of status is one conditional UPDATE, so two callers racing
 * for the same approval (two retries, an approve and a deny) cannot both win.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { ApprovalStatus } from '../../shared/contract/approvals';

export interface ApprovalRow {
  id: string;
  agent_id: string;
  agent_name: string;
  connection: string;
  statement: string;
  /** JSON of the parameters as sent, or null. */
  params: string | null;
  binding: string;
  status: ApprovalStatus;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  reason: string | null;
  note: string | null;
  executed_at: string | null;
  reverted_at: string | null;
  /** JSON of the dry run's preview (rows affected, before-images, revertable). */
  preview: string;
  /** JSON of the images the executed write kept (connectors/types.ts WriteImages), or null. */
  images: string | null;
  request_audit_id: number | null;
  execution_audit_id: number | null;
}

export type NewApproval = Pick<
  ApprovalRow,
  | 'id'
  | 'agent_id'
  | 'agent_name'
  | 'connection'
  | 'statement'
  | 'params'
  | 'binding'
  | 'created_at'
  | 'expires_at'
  | 'preview'
>;

export class ApprovalsRepo {
  private readonly s: {
    insert: Statement;
    get: Statement<[string], ApprovalRow>;
    list: Statement<[], ApprovalRow>;
    listStatus: Statement<[string], ApprovalRow>;
    expire: Statement<[string]>;
    decide: Statement;
    undecide: Statement<[string, string]>;
    claim: Statement<[string, string, string]>;
    release: Statement<[string]>;
    executed: Statement;
    setRequestAudit: Statement<[number, string]>;
    discard: Statement<[string]>;
    claimRevert: Statement<[string, string]>;
    releaseRevert: Statement<[string]>;
  };

  constructor(private readonly db: Database) {
    const cols = '*';
    this.s = {
      insert: db.prepare(`INSERT INTO approvals
        (id, agent_id, agent_name, connection, statement, params, binding, status, created_at, expires_at, preview)
        VALUES (@id, @agent_id, @agent_name, @connection, @statement, @params, @binding, 'pending', @created_at, @expires_at, @preview)`),
      get: db.prepare(`SELECT ${cols} FROM approvals WHERE id = ?`),
      // Only approvals whose request is on the record: one still being recorded is not listed.
      list: db.prepare(
        `SELECT ${cols} FROM approvals WHERE request_audit_id IS NOT NULL ORDER BY created_at DESC, rowid DESC`,
      ),
      listStatus: db.prepare(
        `SELECT ${cols} FROM approvals WHERE request_audit_id IS NOT NULL AND status = ? ORDER BY created_at DESC, rowid DESC`,
      ),
      // Pending or approved-not-run past their time: expired, for good.
      expire: db.prepare(
        `UPDATE approvals SET status = 'expired' WHERE status IN ('pending', 'approved') AND expires_at <= ?`,
      ),
      decide: db.prepare(`UPDATE approvals
        SET status = @status, decided_at = @at, decided_by = @by, reason = @reason, note = @note
        WHERE id = @id AND status = 'pending' AND expires_at > @at AND request_audit_id IS NOT NULL`),
      undecide: db.prepare(
        `UPDATE approvals SET status = 'pending', decided_at = NULL, decided_by = NULL, reason = NULL, note = NULL
         WHERE id = ? AND status = ?`,
      ),
      // Single use: only one caller turns an approved approval into an executed one.
      claim: db.prepare(
        `UPDATE approvals SET status = 'executed', executed_at = ? WHERE id = ? AND status = 'approved' AND expires_at > ?`,
      ),
      release: db.prepare(
        `UPDATE approvals SET status = 'approved', executed_at = NULL WHERE id = ? AND status = 'executed' AND images IS NULL`,
      ),
      executed: db.prepare(
        `UPDATE approvals SET images = @images, execution_audit_id = @auditId WHERE id = @id AND status = 'executed'`,
      ),
      setRequestAudit: db.prepare(`UPDATE approvals SET request_audit_id = ? WHERE id = ?`),
      discard: db.prepare(`DELETE FROM approvals WHERE id = ? AND request_audit_id IS NULL`),
      claimRevert: db.prepare(
        `UPDATE approvals SET status = 'reverted', reverted_at = ? WHERE id = ? AND status = 'executed' AND images IS NOT NULL`,
      ),
      releaseRevert: db.prepare(
        `UPDATE approvals SET status = 'executed', reverted_at = NULL WHERE id = ? AND status = 'reverted'`,
      ),
    };
  }

  insert(row: NewApproval): void {
    this.s.insert.run(row);
  }

  get(id: string): ApprovalRow | null {
    return this.s.get.get(id) ?? null;
  }

  list(status?: ApprovalStatus): ApprovalRow[] {
    return status ? this.s.listStatus.all(status) : this.s.list.all();
  }

  /** Marks every approval past its time as expired (pending, or approved and not run). */
  expireDue(nowIso: string): number {
    return this.s.expire.run(nowIso).changes;
  }

  /** Approves or denies a pending approval still in time; false when it was not (any more). */
  decide(
    id: string,
    d: { status: 'approved' | 'denied'; at: string; by: string; reason?: string; note?: string },
  ): boolean {
    return (
      this.s.decide.run({
        id,
        status: d.status,
        at: d.at,
        by: d.by,
        reason: d.reason ?? null,
        note: d.note ?? null,
      }).changes === 1
    );
  }

  /** Takes a decision back (its audit entry could not be written). */
  undecide(id: string, status: 'approved' | 'denied'): void {
    this.s.undecide.run(id, status);
  }

  /** Claims an approved approval for its one execution; false when another caller has it, or it expired. */
  claim(id: string, nowIso: string): boolean {
    return this.s.claim.run(nowIso, id, nowIso).changes === 1;
  }

  /** The claimed execution failed before anything was written: the approval may be used again. */
  release(id: string): void {
    this.s.release.run(id);
  }

  executed(id: string, images: string | null, auditId: number | null): void {
    this.s.executed.run({ id, images, auditId });
  }

  setRequestAudit(id: string, auditId: number): void {
    this.s.setRequestAudit.run(auditId, id);
  }

  /** Removes an approval whose request was never recorded. */
  discard(id: string): void {
    this.s.discard.run(id);
  }

  /** Claims an executed approval with images for its one revert. */
  claimRevert(id: string, nowIso: string): boolean {
    return this.s.claimRevert.run(nowIso, id).changes === 1;
  }

  releaseRevert(id: string): void {
    this.s.releaseRevert.run(id);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
