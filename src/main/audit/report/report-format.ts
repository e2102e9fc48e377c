/**
 * The signed audit report (`airlock-audit-report/1`) as data: its schema, how an entry maps to
 * the record its leaf hash commits to, and what the signature covers. Shared by the builder
 * and the offline verifier, so both read the same bytes the same way.
 */
import { z } from 'zod';
import { AuditEntryView } from '../../../shared/contract/api';
import type { AuditRecord } from '../../../shared/domain';
import { LEAF_FORMAT_2, type LeafFields } from '../chain';
import { Checkpoint } from './checkpoint';

export const REPORT_FORMAT = 'airlock-audit-report/1';
export const REPORT_FORMATS = ['json', 'csv', 'pdf'] as const;
export type ReportFileFormat = (typeof REPORT_FORMATS)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** An entry as a report carries it: the audit view's fields, numbered by `seq`, with both hashes. */
/** Leaf format 2's salts and redacted commitments (audit/chain.ts); absent for format 1. */
export const ReportLeafFields = z.object({
  v: z.literal(LEAF_FORMAT_2),
  salt: z.record(z.string(), z.string()),
  redacted: z.record(z.string(), hex64).optional(),
});

export const ReportEntry = AuditEntryView.omit({ id: true, chainHash: true }).extend({
  seq: z.number().int().min(1),
  leafHash: hex64,
  chainHash: hex64,
  /** What the leaf commits with, so the entry can be checked offline (format 2 entries). */
  leafFields: ReportLeafFields.optional(),
});
export type ReportEntry = z.infer<typeof ReportEntry>;

export const ReportFilters = z.object({
  agent: z.string().optional(),
  status: z.enum(['allowed', 'denied', 'error']).optional(),
  connection: z.string().optional(),
  action: z.string().optional(),
});
export type ReportFilters = z.infer<typeof ReportFilters>;

export const AuditReport = z.object({
  format: z.literal(REPORT_FORMAT),
  generatedAt: z.string(),
  range: z.object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    firstSeq: z.number().int().nullable(),
    lastSeq: z.number().int().nullable(),
  }),
  /** Filters narrow the entries; without any, the range is complete and contiguous. */
  filters: ReportFilters,
  entries: z.array(ReportEntry),
  /** RFC 6962 multi-proof: the entries' leaves lead to checkpoint.treeRoot over treeSize leaves. */
  proof: z.object({ treeSize: z.number().int().min(0), hashes: z.array(hex64) }),
  checkpoint: Checkpoint,
  signer: z.object({ publicKey: z.string(), fingerprint: hex64 }),
  /** CSV and PDF sidecars: the file this report vouches for. */
  file: z.object({ name: z.string(), format: z.enum(REPORT_FORMATS), sha256: hex64 }).optional(),
  signature: z.string(),
});
export type AuditReport = z.infer<typeof AuditReport>;

export function recordOf(e: ReportEntry): AuditRecord {
  const { seq: _s, leafHash: _l, chainHash: _c, leafFields: _f, ...record } = e;
  return record;
}

export const leafFieldsOf = (e: ReportEntry): LeafFields | null => e.leafFields ?? null;

/** What the report's signature covers: everything but the signature itself. */
export function signedPart(
  r: AuditReport | Omit<AuditReport, 'signature'>,
): Omit<AuditReport, 'signature'> {
  const { signature: _sig, ...rest } = r as AuditReport;
  return rest;
}

export const CSV_COLUMNS = [
  'seq',
  'time',
  'actor',
  'action',
  'connection',
  'statement',
  'paramsHash',
  'decision',
  'rule',
  'reason',
  'status',
  'rowCount',
  'latencyMs',
  'details',
  'leafHash',
  'chainHash',
] as const;
