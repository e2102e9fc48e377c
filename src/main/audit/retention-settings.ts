/**
 * The retention settings as the audit reads them: `audit.retentionDays` (purge entries older
 * than that) and `audit.anonymizeAfterDays` (anonymize entries older than that). Neither set:
 * entries are kept whole, forever.
 */
import type { RetentionPolicy } from './retention';

export function retentionPolicyOf(settings: { audit?: unknown }): RetentionPolicy {
  const audit = (settings.audit ?? {}) as { retentionDays?: unknown; anonymizeAfterDays?: unknown };
  const days = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  return {
    retentionDays: days(audit.retentionDays),
    anonymizeAfterDays: days(audit.anonymizeAfterDays),
  };
}
