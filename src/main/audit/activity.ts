/**
 * The dashboard's figures, straight from the audit log's indexes: per status, an index on
 * (status, time) answers "how many per hour" without reading a row; administrative changes
 * (few) are counted apart, so the chart can show requests, not configuration.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { AuditEntry, AuditStatus } from '../../shared/domain';
import { rowToEntry, type AuditRow } from './audit-rows';

type HourRange = { since: string; until: string };
export interface HourCount {
  /** `YYYY-MM-DDTHH`: the first 13 characters of the entries' ISO-8601 UTC times. */
  hour: string;
  status: AuditStatus;
  n: number;
}

export class AuditActivity {
  private readonly stmts: {
    perHour: Statement<HourRange & { status: string }, { hour: string; n: number }>;
    adminPerHour: Statement<HourRange, HourCount>;
    latestDenials: Statement<[number], AuditRow>;
  };

  constructor(db: Database) {
    this.stmts = {
      perHour: db.prepare(`SELECT substr(time, 1, 13) AS hour, count(*) AS n FROM audit_log
        WHERE status = @status AND time >= @since AND time < @until GROUP BY hour`),
      adminPerHour:
        db.prepare(`SELECT substr(time, 1, 13) AS hour, status, count(*) AS n FROM audit_log
        WHERE actor = 'admin' AND time >= @since AND time < @until GROUP BY hour, status`),
      latestDenials: db.prepare(
        "SELECT * FROM audit_log WHERE status = 'denied' ORDER BY id DESC LIMIT ?",
      ),
    };
  }

  /** Entries with `status` per hour in [since, until). */
  perHour(range: HourRange, status: AuditStatus): HourCount[] {
    return this.stmts.perHour.all({ ...range, status }).map((r) => ({ ...r, status }));
  }

  /** Administrative changes per hour and status in [since, until). */
  adminPerHour(range: HourRange): HourCount[] {
    return this.stmts.adminPerHour.all(range);
  }

  latestDenials(n: number): AuditEntry[] {
    return this.stmts.latestDenials.all(n).map(rowToEntry);
  }
}
