/**
 * "Verify chain" from the UI: a job on a worker thread (audit/verify-worker.ts) that the page
 * polls for progress. One job runs at a time; asking again while it runs returns it. The
 * verdict is itself recorded in the audit log, so an officer can show when the check was made.
 */
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { z } from 'zod';
import type { VerifyJob } from '../../shared/contract/ops';
import { AirlockError } from '../../shared/errors';
import type { VerifyMessage, VerifySetup } from '../audit/verify-protocol';
import { ADMIN_ACTIONS } from '../admin/admin-actions';
import type { Core } from '../core';
import { startWorker } from '../worker-entry';

export type VerifyJobView = z.infer<typeof VerifyJob>;

/** Finished jobs kept for polling; older ones are forgotten. */
const KEEP_FINISHED = 20;

export interface VerifyJobsOptions {
  /** Progress message interval, in entries (default 1,000: a smooth bar without chatter). */
  progressEvery?: number;
  /** Called on every change of a job (tests watch the progress with it). */
  onUpdate?: (job: VerifyJobView) => void;
}

export class VerifyJobs {
  private readonly jobs = new Map<string, VerifyJobView>();
  private readonly workers = new Map<string, Worker>();
  /** Jobs whose verdict arrived and is being recorded: their worker's exit is expected. */
  private readonly recording = new Set<string>();
  private readonly lastId;

  constructor(
    private readonly core: Pick<Core, 'db' | 'clock' | 'storePath' | 'storeKey' | 'auditAdmin'>,
    private readonly options: VerifyJobsOptions = {},
  ) {
    this.lastId = core.db.prepare<[], { n: number | null }>('SELECT max(id) AS n FROM audit_log');
  }

  async start(): Promise<VerifyJobView> {
    const running = [...this.jobs.values()].find((j) => j.state === 'running');
    if (running) return { ...running };
    const job: VerifyJobView = {
      id: randomUUID(),
      state: 'running',
      verified: 0,
      total: this.lastId.get()?.n ?? 0,
      result: null,
      error: null,
      startedAt: this.core.clock.now().toISOString(),
      finishedAt: null,
    };
    this.remember(job);
    let worker: Worker;
    try {
      const key = await this.core.storeKey();
      try {
        const setup: VerifySetup = {
          path: this.core.storePath,
          keyHex: key.toString('hex'),
          progressEvery: this.options.progressEvery ?? 1000,
        };
        worker = startWorker(
          new URL('./verify-worker.js', import.meta.url),
          new URL('../audit/verify-worker.ts', import.meta.url),
          { workerData: setup },
        );
      } finally {
        key.fill(0);
      }
    } catch (e) {
      this.finish(job, { type: 'failed', error: (e as Error).message });
      return { ...job };
    }
    this.workers.set(job.id, worker);
    worker.on('message', (m: VerifyMessage) => this.onMessage(job, m));
    worker.on('error', (e) => this.finish(job, { type: 'failed', error: e.message }));
    worker.on('exit', () => {
      this.workers.delete(job.id);
      if (job.state === 'running' && !this.recording.has(job.id))
        this.finish(job, { type: 'failed', error: 'the verifier stopped before it finished' });
    });
    return { ...job };
  }

  status(id: string): VerifyJobView {
    const job = this.jobs.get(id);
    if (!job)
      throw new AirlockError(
        'NOT_FOUND',
        `no verification job '${id}' (jobs are kept until Airlock restarts)`,
      );
    return { ...job };
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.terminate()));
    this.workers.clear();
  }

  private onMessage(job: VerifyJobView, m: VerifyMessage) {
    if (job.state !== 'running') return;
    if (m.type === 'progress') {
      job.verified = m.verified;
      this.options.onUpdate?.({ ...job });
    } else if (m.type === 'done') {
      // The verdict is on the record before anyone is shown it.
      // The head verified goes on the record: kept elsewhere, it catches a later rewrite.
      const { ok, entries, firstBroken, problem, headSeq, headHash, checkpoints } = m.result;
      this.recording.add(job.id);
      void this.core
        .auditAdmin(ADMIN_ACTIONS.auditVerify, {
          ok,
          entries,
          firstBroken,
          problem,
          headSeq,
          headHash,
          checkpoints,
        })
        .catch(() => {})
        .then(() => {
          this.recording.delete(job.id);
          this.finish(job, m);
        });
    } else {
      this.finish(job, m);
    }
  }

  private finish(job: VerifyJobView, m: Exclude<VerifyMessage, { type: 'progress' }>) {
    if (job.state !== 'running') return;
    job.finishedAt = this.core.clock.now().toISOString();
    if (m.type === 'done') {
      job.state = 'done';
      job.result = m.result;
      job.verified = m.result.entries;
      // The log may have grown while it ran; the verdict covers what the snapshot held.
      job.total = Math.max(job.total, m.result.entries);
    } else {
      job.state = 'failed';
      job.error = `the verification could not run: ${m.error}`;
    }
    this.options.onUpdate?.({ ...job });
  }

  private remember(job: VerifyJobView) {
    this.jobs.set(job.id, job);
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      this.jobs.delete(old.id);
  }
}
