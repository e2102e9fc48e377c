/**
 * The officer's side of approvals (docs/api.md, "Approvals for agent writes"): approve, deny,
 * and revert an executed write from the before-images it kept. Each is one audit entry naming
 * `details.approvalId`, a refused one too (admin-actions.ts `recorded`). Only the UI session
 * and the admin token reach these; an agent key never does.
 */
import type { ApprovalView } from '../../shared/contract/approvals';
import { AirlockError } from '../../shared/errors';
import { sqlConnector } from '../connectors/types';
import type { Core } from '../core';
import { ADMIN_ACTIONS, recorded } from './admin-actions';

/** Who decides: the officer (the UI session and the admin token are the same person). */
const OFFICER = 'admin';

const about = (a: ApprovalView) => ({
  approvalId: a.id,
  agentId: a.agent.id,
  agent: a.agent.name,
});

/** A decision the audit could not record is taken back: an unrecorded change is not made. */
async function decided(
  core: Core,
  action: string,
  view: ApprovalView,
  status: 'approved' | 'denied',
  details: Record<string, unknown>,
): Promise<ApprovalView> {
  try {
    await core.auditAdmin(
      action,
      { ...about(view), ...details },
      { connection: view.connection, statement: view.statement },
    );
  } catch (e) {
    core.approvals.undecide(view.id, status);
    throw e;
  }
  return view;
}

export function approveApproval(core: Core, id: string, note?: string): Promise<ApprovalView> {
  const action = ADMIN_ACTIONS.approvalApprove;
  return recorded(core, action, { approvalId: id }, async () => {
    const view = core.approvals.decide(id, {
      status: 'approved',
      by: OFFICER,
      ...(note !== undefined ? { note } : {}),
    });
    return decided(core, action, view, 'approved', note !== undefined ? { note } : {});
  });
}

export function denyApproval(core: Core, id: string, reason: string): Promise<ApprovalView> {
  const action = ADMIN_ACTIONS.approvalDeny;
  return recorded(core, action, { approvalId: id }, async () => {
    const view = core.approvals.decide(id, { status: 'denied', by: OFFICER, reason });
    return decided(core, action, view, 'denied', { reason });
  });
}

/**
 * Undoes an executed approved write: a compensating write from the kept images, in one
 * transaction, refused (REVERT_CONFLICT, nothing restored) when the rows changed since.
 */
export function revertApproval(core: Core, id: string): Promise<ApprovalView> {
  const action = ADMIN_ACTIONS.approvalRevert;
  return recorded(core, action, { approvalId: id }, async () => {
    const { view, images } = core.approvals.claimRevert(id);
    let rowCount: number;
    try {
      const record = core.connections.get(view.connection);
      if (!record) {
        throw new AirlockError(
          'NOT_FOUND',
          `connection '${view.connection}' no longer exists; the write cannot be reverted`,
          { approvalId: id },
        );
      }
      const connector = sqlConnector(core.connections.connector(record.name));
      ({ rowCount } = await connector.revert(images));
    } catch (e) {
      core.approvals.releaseRevert(id);
      throw e;
    }
    await core.auditAdmin(
      action,
      { ...about(view), table: images.table, kind: images.kind },
      { connection: view.connection, statement: view.statement, rowCount },
    );
    return core.approvals.get(id);
  });
}
