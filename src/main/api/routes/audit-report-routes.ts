/**
 * Audit for security officers over the admin API: the signer's public key, the signed
 * checkpoints, signed reports (JSON, or CSV/PDF with their FILE.sig.json), and retention
 * applied at once.
 */
import { z } from 'zod';
import { AirlockError } from '../../../shared/errors';
import { listCheckpoints } from '../../audit/checkpoints';
import { Checkpoint } from '../../audit/report/checkpoint';
import { reportJobsOf } from '../../audit/report/report-jobs';
import { PurgeRefused } from '../../audit/retention';
import { REPORT_FORMATS, ReportFilters } from '../../audit/report/report-format';
import type { Core } from '../../core';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';

const Signer = z.object({ publicKey: z.string(), fingerprint: z.string() });
export const ReportRequestBody = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(REPORT_FORMATS).default('json'),
  ...ReportFilters.shape,
});

export function auditReportRoutes(core: Core): [RouteSpec, Handler][] {
  const signer = () => ({
    publicKey: core.signer.publicKeyPem,
    fingerprint: core.signer.fingerprint,
  });
  return [
    [
      {
        method: 'GET',
        url: '/v1/admin/audit/public-key',
        auth: 'admin',
        summary: 'The audit signing key (PEM) and its SHA-256 fingerprint',
        responses: { 200: Signer },
      },
      async () => ({ body: signer() }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/audit/checkpoints',
        auth: 'admin',
        summary: 'Signed checkpoints of the audit log, oldest first',
        responses: { 200: z.object({ checkpoints: z.array(Checkpoint), signer: Signer }) },
      },
      async () => ({ body: { checkpoints: listCheckpoints(core.db), signer: signer() } }),
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/audit/reports',
        auth: 'admin',
        summary:
          'A signed audit report of a range → the file (CSV and PDF: the header x-airlock-signature names the URL of FILE.sig.json)',
        body: ReportRequestBody,
        responses: { 200: z.unknown() },
      },
      async ({ body }) => {
        const { from, to, format, ...filters } = body as z.infer<typeof ReportRequestBody>;
        const { finished } = reportJobsOf(core).start(
          { ...(from ? { from } : {}), ...(to ? { to } : {}), filters, format },
          'admin-api',
        );
        const job = await finished;
        if (job.state !== 'done' || !job.files)
          throw new AirlockError('INTERNAL', job.error ?? 'the report could not be made');
        const [file] = job.files;
        return {
          body: file!.content,
          headers: {
            'content-type': file!.mime,
            'content-disposition': `attachment; filename="${file!.name}"`,
            ...(job.files.length > 1
              ? { 'x-airlock-signature': `/v1/admin/audit/reports/${job.id}/signature` }
              : {}),
          },
        };
      },
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/audit/purge',
        auth: 'admin',
        summary:
          'Applies audit.anonymizeAfterDays and audit.retentionDays now (they also run hourly) → what was anonymized and purged, and the signed anchor',
        responses: { 200: z.unknown() },
      },
      async () => {
        try {
          return { body: await core.retention.runNow('admin-api') };
        } catch (e) {
          // The entries to purge do not verify: nothing was purged (409, as the CLI's exit 1).
          if (e instanceof PurgeRefused) throw new AirlockError('CONFLICT', e.message);
          throw e;
        }
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/audit/reports/:id/signature',
        auth: 'admin',
        summary:
          "A CSV or PDF report's FILE.sig.json (kept for the last ten reports until Airlock stops)",
        params: z.object({ id: z.string() }),
        responses: { 200: z.unknown() },
      },
      async ({ params }) => {
        const job = reportJobsOf(core).get((params as { id: string }).id);
        const side = job?.files?.[1];
        if (!side)
          throw new AirlockError(
            'NOT_FOUND',
            'no such report signature (only the last ten reports are kept, until Airlock stops)',
          );
        return {
          body: side.content,
          headers: {
            'content-type': side.mime,
            'content-disposition': `attachment; filename="${side.name}"`,
          },
        };
      },
    ],
  ];
}
