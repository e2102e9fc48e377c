/**
 * Approvals for agent writes (docs/api.md, "Approvals for agent writes"). A write whose grant
 * needs approval is not run: the pipeline's approve step (query/steps.ts) records a pending
 * approval with the dry run's preview; an officer approves or denies it; the agent's same
 * request with `approvalId` then runs once. An approval is bound to the SHA-256 of the agent,
 * the connection, the statement and the parameters, and expires `approvals.ttlSeconds` after
 * it was asked for (pending, or approved and not yet run).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type {
  AgentApprovalView,
  ApprovalPreview,
  ApprovalStatus,
  ApprovalView,
} from '../../shared/contract/approvals';
import { AirlockError } from '../../shared/errors';
import type { z } from 'zod';
import { canonicalJson } from '../audit/canonical-json';
import type { WriteImages, WritePreview } from '../connectors/types';
import type { Clock } from '../ports';
import { ApprovalsRepo, type ApprovalRow } from './approvals-repo';

/** At most this many rows are kept as before-images (preview and revert). */
export const APPROVAL_CAPTURE_CAP = 1000;
export const APPROVAL_TTL_DEFAULT_SECONDS = 3600;

type View = z.infer<typeof ApprovalView>;
type AgentView = z.infer<typeof AgentApprovalView>;

export interface ApprovalRequest {
  agent: { id: string; name: string };
  connection: string;
  statement: string;
  params: unknown;
}

/** The SHA-256 an approval is bound to: agent, connection, statement and parameters. */
export function approvalBinding(r: Omit<ApprovalRequest, 'agent'> & { agentId: string }): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        agentId: r.agentId,
        connection: r.connection.toLowerCase(),
        statement: r.statement,
        params: r.params ?? null,
      }),
    )
    .digest('hex');
}

/** The preview as the store keeps it and the officer sees it. */
export function previewOf(p: WritePreview): ApprovalPreview {
  return {
    rowsAffected: p.rowsAffected,
    ...(p.before ? { before: p.before } : {}),
    ...(p.beforeTruncated ? { beforeTruncated: true } : {}),
    revertable: p.revertable.ok,
  };
}

const opt = <K extends string>(k: K, v: string | null) =>
  (v === null ? {} : { [k]: v }) as Partial<Record<K, string>>;

export class Approvals {
  private readonly repo: ApprovalsRepo;
  private readonly requested = new Set<(a: View) => void>();

  constructor(
    db: Database,
    private readonly clock: Clock,
    private readonly ttlSeconds: () => number,
  ) {
    this.repo = new ApprovalsRepo(db);
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  /** Called with each new approval (the desktop notification, the log line headless). */
  onRequested(fn: (a: View) => void): () => void {
    this.requested.add(fn);
    return () => this.requested.delete(fn);
  }

  /** Records a pending approval for a write the dry run previewed. */
  create(r: ApprovalRequest, preview: WritePreview): View {
    const now = this.clock.now();
    const ttl = Math.max(30, this.ttlSeconds());
    const id = randomUUID();
    this.repo.insert({
      id,
      agent_id: r.agent.id,
      agent_name: r.agent.name,
      connection: r.connection,
      statement: r.statement,
      params: r.params === undefined ? null : JSON.stringify(r.params),
      binding: approvalBinding({ ...r, agentId: r.agent.id }),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttl * 1000).toISOString(),
      preview: JSON.stringify(previewOf(preview)),
    });
    return this.view(this.repo.get(id)!);
  }

  /**
   * The audit entry that recorded the request: from now on an officer may decide it, and the
   * listeners hear of it.
   */
  requestedIn(id: string, auditId: number): void {
    this.repo.setRequestAudit(id, auditId);
    const view = this.view(this.repo.get(id)!);
    for (const fn of this.requested) {
      try {
        fn(view);
      } catch {
        // A listener's failure (a notification that could not be shown) changes nothing here.
      }
    }
  }

  /** The request could not be recorded: the approval goes, so nothing unrecorded can be approved. */
  discard(id: string): void {
    this.repo.discard(id);
  }

  /**
   * The row as it stands now: an approval past its time reads (and is stored) as expired; one
   * whose request is not yet on the record does not exist for anyone.
   */
  private row(id: string): ApprovalRow | null {
    const row = this.repo.get(id);
    if (!row || row.request_audit_id === null) return null;
    if ((row.status === 'pending' || row.status === 'approved') && this.isDue(row)) {
      this.repo.expireDue(this.nowIso());
      return this.repo.get(id);
    }
    return row;
  }

  private isDue(row: ApprovalRow): boolean {
    return row.expires_at <= this.nowIso();
  }

  /** The officer's list, newest first. */
  list(status?: ApprovalStatus): View[] {
    this.repo.expireDue(this.nowIso());
    return this.repo.list(status).map((r) => this.view(r));
  }

  /** One approval as the officer sees it; NOT_FOUND when there is none. */
  get(id: string): View {
    const row = this.row(id);
    if (!row) throw notFound(id);
    return this.view(row);
  }

  /** An agent's own approval; another agent's is NOT_FOUND, exactly as one that does not exist. */
  forAgent(agentId: string, id: string): AgentView {
    const row = this.row(id);
    if (!row || row.agent_id !== agentId) throw notFound(id);
    return {
      id: row.id,
      status: row.status,
      expiresAt: row.expires_at,
      ...opt('decidedAt', row.decided_at),
      ...opt('reason', row.reason),
    };
  }

  /**
   * Takes an approval for its one execution of this request: the agent's own, approved, in
   * time, bound to this very request. Throws the refusal otherwise; a success claims the
   * approval in one store transaction, so concurrent retries cannot both run.
   */
  claim(r: ApprovalRequest, id: string): View {
    const row = this.row(id);
    if (!row || row.agent_id !== r.agent.id) throw notFound(id);
    refuseUnlessUsable(row);
    if (row.binding !== approvalBinding({ ...r, agentId: r.agent.id })) {
      throw new AirlockError(
        'APPROVAL_MISMATCH',
        `approval '${id}' was given for another request: the connection, the statement and the parameters must be exactly the ones approved`,
        { approvalId: id },
      );
    }
    if (!this.repo.claim(id, this.nowIso())) {
      // Another request took it meanwhile, or its time ran out: say which.
      refuseUnlessUsable(this.row(id)!);
      throw used(id);
    }
    return this.view(this.repo.get(id)!);
  }

  /** The claimed execution failed: nothing was written, the approval may be used again. */
  release(id: string): void {
    this.repo.release(id);
  }

  /** The claimed execution went through; `images` (officer-only) allow its revert. */
  executed(id: string, images: WriteImages | undefined, auditId: number | null): void {
    this.repo.executed(id, images ? JSON.stringify(images) : null, auditId);
  }

  /** Approves or denies a pending approval; refuses any other, an expired one with APPROVAL_EXPIRED. */
  decide(
    id: string,
    d: { status: 'approved' | 'denied'; by: string; reason?: string; note?: string },
  ): View {
    const row = this.row(id);
    if (!row) throw notFound(id);
    if (row.status !== 'pending') throw notPending(row);
    if (!this.repo.decide(id, { ...d, at: this.nowIso() })) {
      const now = this.row(id);
      if (!now) throw notFound(id);
      throw now.status === 'pending' ? expired(id) : notPending(now);
    }
    return this.view(this.repo.get(id)!);
  }

  /** Takes a decision back when its audit entry could not be written. */
  undecide(id: string, status: 'approved' | 'denied'): void {
    this.repo.undecide(id, status);
  }

  /**
   * Claims an executed approval for its revert and answers the images; refuses one that ran
   * nothing (409 APPROVAL_PENDING or APPROVAL_DENIED) or kept no images.
   */
  claimRevert(id: string): { view: View; images: WriteImages } {
    const row = this.row(id);
    if (!row) throw notFound(id);
    if (row.status !== 'executed') {
      if (row.status === 'reverted')
        throw new AirlockError('CONFLICT', `approval '${id}' was already reverted`, {
          approvalId: id,
        });
      const code = row.status === 'denied' ? 'APPROVAL_DENIED' : 'APPROVAL_PENDING';
      throw new NothingToRevert(
        code,
        `approval '${id}' is ${row.status}: nothing was executed, so there is nothing to revert`,
        { approvalId: id, status: row.status },
      );
    }
    if (!row.images) {
      throw new AirlockError(
        'CONFLICT',
        `approval '${id}' kept no before-images (a table without a primary key, or more rows than ${APPROVAL_CAPTURE_CAP}), so it cannot be reverted`,
        { approvalId: id },
      );
    }
    if (!this.repo.claimRevert(id, this.nowIso())) {
      throw new AirlockError('CONFLICT', `approval '${id}' is being reverted`, { approvalId: id });
    }
    return { view: this.view(this.repo.get(id)!), images: JSON.parse(row.images) as WriteImages };
  }

  /** The revert failed: the approval is executed again. */
  releaseRevert(id: string): void {
    this.repo.releaseRevert(id);
  }

  view(row: ApprovalRow): View {
    const preview = JSON.parse(row.preview) as ApprovalPreview;
    return {
      id: row.id,
      agent: { id: row.agent_id, name: row.agent_name },
      connection: row.connection,
      statement: row.statement,
      params: row.params === null ? null : (JSON.parse(row.params) as View['params']),
      status: row.status,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      preview: {
        ...preview,
        // Once run, what can be undone is what the execution kept.
        revertable:
          row.status === 'executed' || row.status === 'reverted'
            ? row.images !== null
            : preview.revertable,
      },
      ...opt('decidedAt', row.decided_at),
      ...opt('decidedBy', row.decided_by),
      ...opt('reason', row.reason),
      ...opt('note', row.note),
      ...opt('executedAt', row.executed_at),
      ...opt('revertedAt', row.reverted_at),
    };
  }
}

/** A revert of an approval that ran nothing: 409 whatever the code's own status (docs/api.md). */
class NothingToRevert extends AirlockError {
  override get status(): number {
    return 409;
  }
}

const notFound = (id: string) =>
  new AirlockError('NOT_FOUND', `no approval '${id.slice(0, 64)}' for this agent`);

const used = (id: string) =>
  new AirlockError(
    'APPROVAL_USED',
    `approval '${id}' was already used: an approval runs its write once; ask again for another`,
    { approvalId: id },
  );

const expired = (id: string) =>
  new AirlockError(
    'APPROVAL_EXPIRED',
    `approval '${id}' expired before it was used; send the request without approvalId to ask again`,
    { approvalId: id },
  );

function notPending(row: ApprovalRow): AirlockError {
  if (row.status === 'expired') return expired(row.id);
  return new AirlockError('CONFLICT', `approval '${row.id}' is ${row.status}, not pending`, {
    approvalId: row.id,
    status: row.status,
  });
}

/** The refusal for an approval the agent may not use (yet, or any more); nothing when approved. */
function refuseUnlessUsable(row: ApprovalRow): void {
  const id = row.id;
  switch (row.status) {
    case 'approved':
      return;
    case 'pending':
      throw new AirlockError(
        'APPROVAL_PENDING',
        `approval '${id}' is still waiting for a person's decision; ask again once GET /v1/approvals/${id} says approved`,
        { approvalId: id },
      );
    case 'denied':
      throw new AirlockError(
        'APPROVAL_DENIED',
        `approval '${id}' was denied${row.reason ? `: ${row.reason}` : ''}`,
        { approvalId: id, ...(row.reason ? { reason: row.reason } : {}) },
      );
    case 'expired':
      throw expired(id);
    default:
      throw used(id);
  }
}
