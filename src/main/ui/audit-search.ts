/**
 * The audit search as the contract shows it: the one search over the audit log
 * (audit/search.ts), each entry through the view that picks its fields. The Audit page
 * (`searchAudit`, `auditEntry`) and `GET /v1/admin/audit` both answer through this.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import type { AuditEntryView } from '../../shared/contract/api';
import { auditSearchOf, type AuditFilter, type AuditLogSearch } from '../audit/search';
import { auditEntryView } from './views';

export interface AuditPage {
  entries: z.infer<typeof AuditEntryView>[];
  total: number;
  totalCapped: boolean;
  nextBeforeId: number | null;
}

export class AuditSearch {
  private readonly log: AuditLogSearch;

  constructor(db: Database) {
    this.log = auditSearchOf(db);
  }

  entry(id: number): z.infer<typeof AuditEntryView> {
    return auditEntryView(this.log.entry(id));
  }

  search(f: AuditFilter): AuditPage {
    const page = this.log.search(f);
    return { ...page, entries: page.entries.map(auditEntryView) };
  }
}
