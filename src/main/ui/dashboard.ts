/**
 * The dashboard's numbers, straight from the audit log's indexes: per status, an index on
 * (status, time) answers "how many per hour" without reading a row; administrative changes
 * (few) are then taken out, so the chart shows requests, not configuration.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import type { DashboardSummary } from '../../shared/contract/ops';
import type { AuditStatus } from '../../shared/domain';
import { rowToEntry, type AuditRow } from '../audit/audit-rows';
import type { Core } from '../core';
import { auditEntryView } from './views';

const HOUR_MS = 3_600_000;
const STATUSES: AuditStatus[] = ['allowed', 'denied', 'error'];
const LATEST_DENIALS = 8;

type Summary = z.infer<typeof DashboardSummary>;
type HourRange = { since: string; until: string };

export class Dashboard {
  private readonly stmts: {
    perHour: Statement<HourRange & { status: string }, { hour: string; n: number }>;
    adminPerHour: Statement<HourRange, { hour: string; status: AuditStatus; n: number }>;
    latestDenials: Statement<[number], AuditRow>;
  };

  constructor(
    db: Database,
    private readonly core: Pick<Core, 'clock' | 'agents' | 'connections'>,
  ) {
    // Times are ISO-8601 UTC strings, so the first 13 characters name the hour.
    this.stmts = {
      perHour: db.prepare(`SELECT substr(time, 1, 13) AS hour, count(*) AS n FROM audit_log
        WHERE status = @status AND time >= @since AND time < @until GROUP BY hour`),
      adminPerHour: db.prepare(`SELECT substr(time, 1, 13) AS hour, status, count(*) AS n FROM audit_log
        WHERE actor = 'admin' AND time >= @since AND time < @until GROUP BY hour, status`),
      latestDenials: db.prepare("SELECT * FROM audit_log WHERE status = 'denied' ORDER BY id DESC LIMIT ?"),
    };
  }

  summary(): Summary {
    const now = this.core.clock.now().getTime();
    const lastHour = Math.floor(now / HOUR_MS) * HOUR_MS;
    const hours = Array.from({ length: 24 }, (_, i) => new Date(lastHour - (23 - i) * HOUR_MS).toISOString());
    const window = { since: hours[0]!, until: new Date(lastHour + HOUR_MS).toISOString() };
    const series = hours.map((hour) => ({ hour, allowed: 0, denied: 0, error: 0 }));
    const bucket = new Map(series.map((b) => [b.hour.slice(0, 13), b]));
    for (const status of STATUSES) {
      for (const r of this.stmts.perHour.all({ ...window, status })) {
        const b = bucket.get(r.hour);
        if (b) b[status] += r.n;
      }
    }
    for (const r of this.stmts.adminPerHour.all(window)) {
      const b = bucket.get(r.hour);
      if (b && STATUSES.includes(r.status)) b[r.status] -= r.n;
    }
    const agents = this.core.agents.list();
    const active = agents.filter((a) => !a.revokedAt && (!a.expiresAt || new Date(a.expiresAt).getTime() > now));
    return {
      agents: agents.length,
      activeAgents: active.length,
      connections: this.core.connections.list().length,
      requests24h: series.reduce((n, b) => n + b.allowed + b.denied + b.error, 0),
      denials24h: series.reduce((n, b) => n + b.denied, 0),
      series,
      latestDenials: this.stmts.latestDenials.all(LATEST_DENIALS).map((r) => auditEntryView(rowToEntry(r))),
    };
  }
}
