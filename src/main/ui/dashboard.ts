/**
 * The dashboard: the audit log's figures per hour (audit/activity.ts), administrative changes
 * taken out so the chart shows requests, not configuration.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import type { DashboardSummary } from '../../shared/contract/ops';
import type { AuditStatus } from '../../shared/domain';
import { AuditActivity } from '../audit/activity';
import type { Core } from '../core';
import { auditEntryView } from './views';

const HOUR_MS = 3_600_000;
const STATUSES: AuditStatus[] = ['allowed', 'denied', 'error'];
const LATEST_DENIALS = 8;

type Summary = z.infer<typeof DashboardSummary>;

export class Dashboard {
  private readonly activity: AuditActivity;

  constructor(
    db: Database,
    private readonly core: Pick<Core, 'clock' | 'agents' | 'connections'>,
  ) {
    this.activity = new AuditActivity(db);
  }

  summary(): Summary {
    const now = this.core.clock.now().getTime();
    const lastHour = Math.floor(now / HOUR_MS) * HOUR_MS;
    const hours = Array.from({ length: 24 }, (_, i) =>
      new Date(lastHour - (23 - i) * HOUR_MS).toISOString(),
    );
    const window = { since: hours[0]!, until: new Date(lastHour + HOUR_MS).toISOString() };
    const series = hours.map((hour) => ({ hour, allowed: 0, denied: 0, error: 0 }));
    const bucket = new Map(series.map((b) => [b.hour.slice(0, 13), b]));
    for (const status of STATUSES) {
      for (const r of this.activity.perHour(window, status)) {
        const b = bucket.get(r.hour);
        if (b) b[status] += r.n;
      }
    }
    for (const r of this.activity.adminPerHour(window)) {
      const b = bucket.get(r.hour);
      if (b && STATUSES.includes(r.status)) b[r.status] -= r.n;
    }
    const agents = this.core.agents.list();
    const active = agents.filter(
      (a) => !a.revokedAt && (!a.expiresAt || new Date(a.expiresAt).getTime() > now),
    );
    return {
      agents: agents.length,
      activeAgents: active.length,
      connections: this.core.connections.list().length,
      requests24h: series.reduce((n, b) => n + b.allowed + b.denied + b.error, 0),
      denials24h: series.reduce((n, b) => n + b.denied, 0),
      series,
      latestDenials: this.activity.latestDenials(LATEST_DENIALS).map(auditEntryView),
    };
  }
}
