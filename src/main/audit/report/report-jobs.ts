/**
 * Reports made for the admin API and the UI: built page by page (progress for big ranges),
 * recorded in the audit log (who exported what is itself audited), kept for a while so the
 * UI can poll for them and the API can hand out a CSV's or PDF's FILE.sig.json.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditRecord } from '../../../shared/domain';
import type { Clock } from '../../ports';
import type { Checkpointer } from '../checkpoints';
import type { AuditSigner } from '../signing-key';
import { buildReport, type ReportRequest } from './build-report';
import type { ReportFileFormat } from './report-format';
import { reportFiles, type ReportFile } from './write-report';

export interface ReportJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  format: ReportFileFormat;
  /** Entries read so far, of `total` (the log's size at the checkpoint). */
  done: number;
  total: number;
  entries: number | null;
  files: ReportFile[] | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface ReportJobsDeps {
  db: Database;
  signer: AuditSigner;
  checkpoints: Pick<Checkpointer, 'checkpointNow'>;
  clock: Clock;
  auditAdmin(
    action: string,
    details: Record<string, unknown>,
    extra?: Partial<AuditRecord>,
  ): Promise<number>;
}

const KEEP = 10;

export class ReportJobs {
  private readonly jobs = new Map<string, ReportJob>();

  constructor(private readonly deps: ReportJobsDeps) {}

  /** Starts a report; `finished` resolves with the job once its files are ready (or it failed). */
  start(
    req: ReportRequest & { format: ReportFileFormat },
    by: string,
  ): { job: ReportJob; finished: Promise<ReportJob> } {
    const job: ReportJob = {
      id: randomUUID(),
      state: 'running',
      format: req.format,
      done: 0,
      total: 0,
      entries: null,
      files: null,
      error: null,
      startedAt: this.deps.clock.now().toISOString(),
      finishedAt: null,
    };
    this.jobs.set(job.id, job);
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEEP)))
      this.jobs.delete(old);
    const finished = this.run(job, req, by);
    return { job: { ...job }, finished };
  }

  get(id: string): ReportJob | undefined {
    const j = this.jobs.get(id);
    return j ? { ...j } : undefined;
  }

  private async run(
    job: ReportJob,
    req: ReportRequest & { format: ReportFileFormat },
    by: string,
  ): Promise<ReportJob> {
    const { format, ...range } = req;
    const stamp = this.deps.clock.now().toISOString().replace(/[:.]/g, '-');
    try {
      const report = await buildReport(
        { ...this.deps, now: () => this.deps.clock.now() },
        range,
        (done, total) => {
          job.done = done;
          job.total = total;
        },
      );
      const files = await reportFiles(
        this.deps.signer,
        report,
        format,
        `airlock-audit-${stamp}.${format}`,
      );
      // On the record before anyone receives it.
      await this.deps.auditAdmin('admin.audit.export', {
        by,
        format,
        from: report.range.from,
        to: report.range.to,
        filters: report.filters,
        entries: report.entries.length,
        firstSeq: report.range.firstSeq,
        lastSeq: report.range.lastSeq,
        checkpointSeq: report.checkpoint.seq,
      });
      Object.assign(job, {
        state: 'done',
        files,
        entries: report.entries.length,
        finishedAt: this.deps.clock.now().toISOString(),
      });
    } catch (e) {
      const message = (e as Error).message;
      await this.deps
        .auditAdmin(
          'admin.audit.export',
          { by, format, error: message },
          { status: 'error', reason: message },
        )
        .catch(() => {});
      Object.assign(job, {
        state: 'failed',
        error: `the report could not be made: ${message}`,
        finishedAt: this.deps.clock.now().toISOString(),
      });
    }
    return { ...job };
  }
}

const perCore = new WeakMap<object, ReportJobs>();

/** One set of report jobs per core, shared by the admin API and the UI. */
export function reportJobsOf(core: ReportJobsDeps): ReportJobs {
  let jobs = perCore.get(core);
  if (!jobs) perCore.set(core, (jobs = new ReportJobs(core)));
  return jobs;
}
