/**
 * Core records as the contract shows them: fields are picked, never spread, so something
 * added to a record later (a key hash, a leaf hash) does not reach the UI by accident.
 */
import type { z } from 'zod';
import type { AgentView, AuditEntryView } from '../../shared/contract/api';
import type { AuditEntry } from '../../shared/domain';
import type { Agent } from '../identity/agents';

export function agentView(a: Agent): z.infer<typeof AgentView> {
  return {
    id: a.id,
    name: a.name,
    keyPrefix: a.keyPrefix,
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    lastUsedAt: a.lastUsedAt,
    revokedAt: a.revokedAt,
  };
}

export function auditEntryView(e: AuditEntry): z.infer<typeof AuditEntryView> {
  return {
    id: e.id,
    time: e.time,
    actor: e.actor,
    action: e.action,
    connection: e.connection,
    statement: e.statement,
    paramsHash: e.paramsHash,
    decision: e.decision,
    rule: e.rule,
    reason: e.reason,
    status: e.status,
    rowCount: e.rowCount,
    latencyMs: e.latencyMs,
    details: e.details,
    chainHash: e.chainHash,
  };
}
