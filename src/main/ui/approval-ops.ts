/**
 * The Approvals page's operations (src/shared/contract/approvals.ts): the officer's list, and
 * approve, deny and revert through the audited admin actions. The `/v1/admin/approvals` routes
 * call these same handlers (ops-handlers.ts adminHandlers).
 */
import * as approvals from '../admin/approval-actions';
import type { Core } from '../core';
import type { SomeOps } from './ops-types';

type ApprovalOps = 'listApprovals' | 'approveApproval' | 'denyApproval' | 'revertApproval';

export function approvalOps(core: Core): SomeOps<ApprovalOps> {
  return {
    listApprovals: async ({ status }) => ({ approvals: core.approvals.list(status) }),
    approveApproval: async ({ id, note }) => ({
      approval: await approvals.approveApproval(core, id, note),
    }),
    denyApproval: async ({ id, reason }) => ({
      approval: await approvals.denyApproval(core, id, reason),
    }),
    revertApproval: async ({ id }) => ({ approval: await approvals.revertApproval(core, id) }),
  };
}
