/**
 * Approvals for agent writes (docs/api.md, "Approvals for agent writes"): what an officer sees
 * of an approval, and the UI operations of the Approvals page. The agent's own view of an
 * approval (`GET /v1/approvals/{id}`) is smaller: AgentApprovalView.
 */
import { z } from 'zod';

export const APPROVAL_STATUSES = [
  'pending',
  'approved',
  'denied',
  'expired',
  'executed',
  'reverted',
] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

const Param = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The rows a write would change, as they were before it (capped; tables with a primary key). */
export const ApprovalBefore = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.array(z.unknown())),
});

/** The dry run's answer, rolled back inside the database. */
export const ApprovalPreview = z.object({
  rowsAffected: z.number().int(),
  before: ApprovalBefore.optional(),
  /** More rows would change than the preview holds: `before` shows the first ones. */
  beforeTruncated: z.boolean().optional(),
  /** The kept before-images allow a revert once the write ran. */
  revertable: z.boolean(),
});
export type ApprovalPreview = z.infer<typeof ApprovalPreview>;

/** The officer's view of one approval (never the kept images themselves). */
export const ApprovalView = z.object({
  id: z.string(),
  agent: z.object({ id: z.string(), name: z.string() }),
  connection: z.string(),
  statement: z.string(),
  /** Positional (a list) or named (an object), as the agent sent them; null when it sent none. */
  params: z.union([z.array(Param), z.record(z.string(), Param)]).nullable(),
  status: ApprovalStatus,
  createdAt: z.string(),
  expiresAt: z.string(),
  preview: ApprovalPreview,
  decidedAt: z.string().optional(),
  /** Who decided: the officer ("admin" for the admin token, the UI session's name otherwise). */
  decidedBy: z.string().optional(),
  /** Why it was denied. */
  reason: z.string().optional(),
  /** The officer's note on approving. */
  note: z.string().optional(),
  executedAt: z.string().optional(),
  revertedAt: z.string().optional(),
});
export type ApprovalView = z.infer<typeof ApprovalView>;

/** What an agent sees of its own approval. */
export const AgentApprovalView = z.object({
  id: z.string(),
  status: ApprovalStatus,
  expiresAt: z.string(),
  decidedAt: z.string().optional(),
  reason: z.string().optional(),
});

/** The 202 answer to a write that needs approval. */
export const ApprovalPending = z.object({
  approval: z.object({
    id: z.string(),
    status: z.literal('pending'),
    expiresAt: z.string(),
    preview: z.object({
      rowsAffected: z.number().int(),
      before: ApprovalBefore.optional(),
      beforeTruncated: z.boolean().optional(),
    }),
  }),
  auditId: z.number().int(),
});

export const ApprovalIdInput = z.strictObject({ id: z.string().min(1).max(64) });
export const ApproveInput = z.strictObject({
  id: z.string().min(1).max(64),
  note: z.string().max(2000).optional(),
});
export const DenyInput = z.strictObject({
  id: z.string().min(1).max(64),
  reason: z.string().trim().min(1).max(2000),
});
export const ListApprovalsInput = z.strictObject({ status: ApprovalStatus.optional() });

const OneApproval = z.object({ approval: ApprovalView });

export const APPROVAL_OPS = {
  /** Newest first; every status when `status` is absent. */
  listApprovals: {
    input: ListApprovalsInput,
    output: z.object({ approvals: z.array(ApprovalView) }),
  },
  /** Only a pending approval; an expired one answers APPROVAL_EXPIRED. */
  approveApproval: { input: ApproveInput, output: OneApproval },
  /** Only a pending approval; the reason is required and reaches the agent. */
  denyApproval: { input: DenyInput, output: OneApproval },
  /** Undoes an executed write from its kept before-images; REVERT_CONFLICT when the rows changed since. */
  revertApproval: { input: ApprovalIdInput, output: OneApproval },
};
