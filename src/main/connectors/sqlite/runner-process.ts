import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AirlockError, type ErrorCode, ERROR_STATUS } from '../../../shared/errors';
import { tsxEntry } from '../../worker-entry';
import type { RunnerRequest, RunnerResponse, RunnerResult, StreamBatch } from './protocol';

type Job = {
  request: RunnerRequest;
  timeoutMs: number;
  resolve: (r: RunnerResult) => void;
  reject: (e: Error) => void;
  /** A streamed read: each batch is delivered before the runner is asked for the next. */
  onBatch?: (b: StreamBatch) => Promise<void>;
  signal?: AbortSignal;
};

/**
 * Where the runner lives: beside this module when built (`sqlite-runner.js`), or as
 * TypeScript run through tsx when Airlock runs from source (tests, `bin/airlock`).
 */
function runnerEntry(): { path: string; execArgv: string[] } {
  const built = fileURLToPath(new URL('./sqlite-runner.js', import.meta.url));
  if (existsSync(built)) return { path: built, execArgv: [] };
  const source = fileURLToPath(new URL('./sqlite-runner.ts', import.meta.url));
  return { path: source, execArgv: ['--import', tsxEntry('.')] };
}

export const OPEN_TIMEOUT_MS = 15_000;

const abandoned = () =>
  new AirlockError(
    'QUERY_FAILED',
    'the request was abandoned by the client; the statement was stopped',
  );

/**
 * One runner process and its queue: one statement at a time, each with a deadline after which
 * the process is killed (SQLite cannot be interrupted from outside) and started afresh for
 * the next job. The process starts with the first job.
 */
export class RunnerProcess {
  private child: ChildProcess | null = null;
  private opened = false;
  private queue: Job[] = [];
  private running: (Job & { timer: NodeJS.Timeout }) | null = null;
  private nextId = 1;
  private closed = false;

  constructor(private readonly path: string) {}

  /** Jobs waiting or running: how busy this runner is. */
  get load(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /**
   * Starts the process now if it is not running, without a job: the fork (which holds the
   * main thread) happens here rather than on the path of the next statement. The file is
   * opened with the first job.
   */
  start(): void {
    if (this.child || this.closed) return;
    this.child = this.spawn();
    this.opened = false;
  }

  call(
    request: RunnerRequest,
    timeoutMs: number,
    stream: Pick<Job, 'onBatch' | 'signal'> = {},
  ): Promise<RunnerResult> {
    if (this.closed)
      return Promise.reject(new AirlockError('CONNECTION_FAILED', 'the connection is closed'));
    const { signal } = stream;
    if (signal?.aborted) return Promise.reject(abandoned());
    return new Promise((resolve, reject) => {
      const job: Job = { request, timeoutMs, resolve, reject, ...stream };
      this.queue.push(job);
      // The client went away while the job waited its turn: it never starts.
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(job);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(abandoned());
          }
        },
        { once: true },
      );
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    for (const j of this.queue.splice(0))
      j.reject(new AirlockError('CONNECTION_FAILED', 'the connection was closed'));
    // The running job ends here too: once killed, its runner's exit is no longer this
    // process's to handle, and a timer left set would hold a stop for the job's whole limit.
    const running = this.running;
    this.running = null;
    if (running) {
      clearTimeout(running.timer);
      running.reject(
        new AirlockError('CONNECTION_FAILED', 'the connection was closed while the statement ran'),
      );
    }
    this.kill();
  }

  private spawn(): ChildProcess {
    const { path, execArgv } = runnerEntry();
    const child = fork(path, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr?.resume();
    child.on('message', (msg: RunnerResponse) => this.onMessage(child, msg));
    child.on('exit', () => this.onExit(child));
    return child;
  }

  /** Sends the next job; a fresh runner is first told which file to open. */
  private pump() {
    if (this.running || this.queue.length === 0) return;
    if (!this.child) {
      this.child = this.spawn();
      this.opened = false;
    }
    let job: Job;
    if (!this.opened) {
      const waiting = this.queue[0]!;
      job = {
        request: { id: 0, op: 'open', path: this.path },
        timeoutMs: OPEN_TIMEOUT_MS,
        resolve: () => (this.opened = true),
        // The runner could not open the file: the statement waiting for it fails with that reason.
        reject: (e) => {
          const i = this.queue.indexOf(waiting);
          if (i < 0) return; // abandoned meanwhile
          this.queue.splice(i, 1);
          waiting.reject(e);
        },
      };
    } else job = this.queue.shift()!;
    job.request = { ...job.request, id: this.nextId++ };
    const timer = setTimeout(() => this.onTimeout(), job.timeoutMs);
    this.running = { ...job, timer };
    if (job.signal) {
      // The client went away: stop the statement the only way SQLite allows, by killing the runner.
      const running = this.running;
      job.signal.addEventListener('abort', () => this.onAbort(running), { once: true });
    }
    this.child.send(job.request);
  }

  private onAbort(job: Job & { timer: NodeJS.Timeout }) {
    if (this.running !== job) return;
    clearTimeout(job.timer);
    this.running = null;
    this.kill();
    job.reject(abandoned());
    this.pump();
  }

  /** Hands a streamed batch over, then asks for the next one (or finishes the job). */
  private async onBatch(
    child: ChildProcess,
    job: Job & { timer: NodeJS.Timeout },
    batch: StreamBatch,
  ) {
    try {
      await job.onBatch!(batch);
    } catch (e) {
      if (this.running === job) {
        clearTimeout(job.timer);
        this.running = null;
        this.kill(); // the runner is mid-stream; a fresh one serves the next job
        job.reject(e as Error);
        this.pump();
      }
      return;
    }
    if (this.running !== job || child !== this.child) return; // timed out or aborted meanwhile
    if (batch.done) {
      clearTimeout(job.timer);
      this.running = null;
      job.resolve(null);
      this.pump();
    } else {
      child.send({ id: job.request.id, op: 'next' } satisfies RunnerRequest);
    }
  }

  private onMessage(child: ChildProcess, msg: RunnerResponse) {
    if (child !== this.child || !this.running || msg.id !== this.running.request.id) return;
    const job = this.running;
    if (msg.ok && 'batch' in msg) {
      void this.onBatch(child, job, msg.batch);
      return;
    }
    clearTimeout(job.timer);
    this.running = null;
    if (msg.ok) job.resolve(msg.result);
    else {
      const code = (msg.error.code in ERROR_STATUS ? msg.error.code : 'QUERY_FAILED') as ErrorCode;
      job.reject(new AirlockError(code, msg.error.message, msg.error.details));
    }
    this.pump();
  }

  private onTimeout() {
    const job = this.running;
    if (!job) return;
    this.running = null;
    this.kill();
    job.reject(
      new AirlockError(
        'QUERY_TIMEOUT',
        `the statement ran longer than ${job.timeoutMs} ms and was stopped`,
        {
          timeoutMs: job.timeoutMs,
        },
      ),
    );
    this.pump();
  }

  private onExit(child: ChildProcess) {
    if (child !== this.child) return;
    this.child = null;
    this.opened = false;
    const job = this.running;
    if (job) {
      clearTimeout(job.timer);
      this.running = null;
      job.reject(
        new AirlockError(
          'QUERY_FAILED',
          'the SQLite runner stopped unexpectedly; the statement was not completed',
        ),
      );
    }
    this.pump();
  }

  private kill() {
    const c = this.child;
    this.child = null;
    this.opened = false;
    if (c && c.exitCode === null) c.kill('SIGKILL');
  }
}
