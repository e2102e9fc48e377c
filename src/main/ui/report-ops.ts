/** The Audit page's "Export report" and the signer shown in Settings. */
import type { z } from 'zod';
import type { ReportJobView } from '../../shared/contract/ops';
import { AirlockError } from '../../shared/errors';
import { reportJobsOf, type ReportJob } from '../audit/report/report-jobs';
import type { Core } from '../core';
import type { OpsHandlers } from './ops-types';

const view = (j: ReportJob): z.infer<typeof ReportJobView> => ({
  id: j.id,
  state: j.state,
  format: j.format,
  done: j.done,
  total: j.total,
  entries: j.entries,
  files:
    j.files?.map((f) => ({
      name: f.name,
      mime: f.mime,
      contentBase64: f.content.toString('base64'),
    })) ?? null,
  error: j.error,
});

export function reportOps(
  core: Core,
): Pick<OpsHandlers, 'auditSigner' | 'startReport' | 'reportStatus'> {
  return {
    auditSigner: async () => ({
      publicKey: core.signer.publicKeyPem,
      fingerprint: core.signer.fingerprint,
    }),
    startReport: async ({ from, to, format, ...filters }) => {
      const { job } = reportJobsOf(core).start(
        { ...(from ? { from } : {}), ...(to ? { to } : {}), filters, format },
        'ui',
      );
      return view(job);
    },
    reportStatus: async ({ id }) => {
      const job = reportJobsOf(core).get(id);
      if (!job)
        throw new AirlockError(
          'NOT_FOUND',
          `no report job '${id}' (the last ten are kept until Airlock restarts)`,
        );
      return view(job);
    },
  };
}
