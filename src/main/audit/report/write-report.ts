import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { AuditSigner } from '../signing-key';
import { signReport } from './build-report';
import { entriesToCsv } from './csv-report';
import { renderPdf } from './pdf-report';
import { signedPart, type AuditReport, type ReportFileFormat } from './report-format';

export interface ReportFile {
  name: string;
  mime: string;
  content: Buffer;
}

export const SIDECAR_SUFFIX = '.sig.json';

/**
 * The files of a report in a format: the JSON report alone, or the CSV/PDF and its
 * FILE.sig.json (the JSON report plus the SHA-256 of FILE, signed the same way).
 */
export async function reportFiles(
  signer: AuditSigner,
  report: AuditReport,
  format: ReportFileFormat,
  fileName: string,
): Promise<ReportFile[]> {
  const name = basename(fileName);
  if (format === 'json')
    return [
      {
        name,
        mime: 'application/json',
        content: Buffer.from(`${JSON.stringify(report, null, 2)}\n`),
      },
    ];
  const content =
    format === 'csv' ? Buffer.from(entriesToCsv(report.entries)) : await renderPdf(report, name);
  const sidecar = signReport(signer, {
    ...signedPart(report),
    file: { name, format, sha256: createHash('sha256').update(content).digest('hex') },
  });
  return [
    { name, mime: format === 'csv' ? 'text/csv' : 'application/pdf', content },
    {
      name: `${name}${SIDECAR_SUFFIX}`,
      mime: 'application/json',
      content: Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`),
    },
  ];
}
