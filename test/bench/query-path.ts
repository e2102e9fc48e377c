/**
 * Query-path benchmark (`npm run bench`). Not part of `npm test`: it asserts nothing, it
 * measures and prints.
 *
 *  1. The guarded path: a real Airlock (startAirlock on a fresh data dir) driven over HTTP on
 *     127.0.0.1 by a closed-loop load generator (C concurrent keep-alive clients).
 *  2. The baseline: a bare Fastify route running the same SELECT in-process with
 *     better-sqlite3 on a copy of resources/demo.db — no guard, no runner, no audit.
 *  3. The guarded path at a fixed offered rate (open loop: latency counted from each
 *     request's scheduled start, so queueing behind a slow response is not hidden).
 *  4. Audit appends with group commit, against the same appends awaited one at a time.
 *
 * The servers run on this process's main thread; the load generator runs on a worker
 * thread (its own event loop) so that it does not share the servers' loop. Both share the
 * machine's cores with the SQLite runner process.
 *
 * Knobs (environment): BENCH_CONCURRENCY (default 16), BENCH_SECONDS (closed-loop measure,
 * default 5), BENCH_WARMUP_REQUESTS / BENCH_WARMUP_SECONDS (closed-loop warm-up lasts until
 * both are reached; defaults 4000 and 2 — node-sql-parser needs a few thousand statements to
 * reach its JIT steady state), BENCH_RATES (open-loop offered rates, default "1000,250"),
 * BENCH_OPEN_SECONDS (default 5), BENCH_AUDIT_N (default 2000).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from '../../src/shared/domain';
import { ownThreadClock, threadCpuMs } from '../../src/main/guard/thread-cpu';

// ── shared between the main thread and the load-generator worker ───────────────────────

interface Target {
  port: number;
  path: string;
  /** Authorization header value, or null. */
  auth: string | null;
  /** Request bodies, cycled through (varying the id). */
  bodies: string[];
}

type Job =
  | {
      kind: 'closed';
      target: Target;
      concurrency: number;
      warmupMs: number;
      warmupRequests: number;
      durationMs: number;
    }
  | {
      kind: 'open';
      target: Target;
      rate: number;
      warmupMs: number;
      durationMs: number;
      maxSockets: number;
    };

/** Worker → main: 'measure' when the warm-up ends (the main thread then starts its own counters), then the result. */
type WorkerMessage =
  | { type: 'measure'; cpuMs: number | undefined }
  | { type: 'result'; result: RunResult; cpuMs: number | undefined };

interface RunResult {
  /** Latencies (ms) of the measured requests that got a 2xx answer. */
  latencies: Float64Array;
  ok: number;
  /** Non-2xx answers and transport errors during the measured phase. */
  failed: number;
  firstFailure: string | null;
  /** Measured wall time (ms): closed loop = the fixed duration; open loop = first schedule → last answer. */
  elapsedMs: number;
  /** Open loop only: requests scheduled in the measured phase. */
  scheduled: number;
  /** Open loop only: the largest number of requests in flight at once. */
  maxInFlight: number;
  /** Open loop only: the generator's worst lateness in issuing a request (ms), a check on the generator itself. */
  maxIssueLagMs: number;
  /** Requests answered during the warm-up. */
  warmupRequests: number;
}

// ── load generator (worker thread) ─────────────────────────────────────────────────────

function send(
  agent: http.Agent,
  t: Target,
  body: string,
  done: (status: number, err: string | null) => void,
): void {
  const headers: http.OutgoingHttpHeaders = {
    host: `127.0.0.1:${t.port}`,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  };
  if (t.auth) headers.authorization = t.auth;
  const req = http.request(
    { agent, host: '127.0.0.1', port: t.port, method: 'POST', path: t.path, headers },
    (res) => {
      const status = res.statusCode ?? 0;
      let head = '';
      if (status >= 300)
        res.on('data', (c: Buffer) =>
          head.length < 300 ? (head += c.toString('utf8')) : undefined,
        );
      else res.resume();
      res.on('end', () =>
        done(status, status >= 300 ? `HTTP ${status} ${head.slice(0, 300)}` : null),
      );
      res.on('error', (e) => done(0, e.message));
    },
  );
  req.on('error', (e) => done(0, e.message));
  req.end(body);
}

class Recorder {
  private buf = new Float64Array(1 << 16);
  ok = 0;
  failed = 0;
  firstFailure: string | null = null;
  record(ms: number, status: number, err: string | null) {
    if (status >= 200 && status < 300) {
      if (this.ok === this.buf.length) {
        const bigger = new Float64Array(this.buf.length * 2);
        bigger.set(this.buf);
        this.buf = bigger;
      }
      this.buf[this.ok++] = ms;
    } else {
      this.failed++;
      this.firstFailure ??= err ?? `HTTP ${status}`;
    }
  }
  latencies(): Float64Array {
    return this.buf.slice(0, this.ok);
  }
}

/**
 * Closed loop: each client sends its next request when the previous answer arrives. The
 * warm-up lasts until both warmupRequests answers and warmupMs have passed (JIT warm-up of
 * the SQL parser takes thousands of statements), at most WARMUP_CAP_MS.
 */
async function closedLoop(
  job: Extract<Job, { kind: 'closed' }>,
  onMeasure: () => void,
): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const t = job.target;
  let next = 0;
  const t0 = performance.now();
  let warmed = 0;
  let measureFrom = Infinity;
  let stopAt = Infinity;
  const rec = new Recorder();
  const client = () =>
    new Promise<void>((resolve) => {
      const loop = () => {
        const start = performance.now();
        if (start >= stopAt) return resolve();
        const body = t.bodies[next++ % t.bodies.length]!;
        send(agent, t, body, (status, err) => {
          const end = performance.now();
          if (start >= measureFrom) rec.record(end - start, status, err);
          else if (measureFrom === Infinity) {
            warmed++;
            if (
              (warmed >= job.warmupRequests && end - t0 >= job.warmupMs) ||
              end - t0 >= WARMUP_CAP_MS
            ) {
              measureFrom = end;
              stopAt = end + job.durationMs;
              onMeasure();
            }
          }
          loop();
        });
      };
      loop();
    });
  await Promise.all(Array.from({ length: job.concurrency }, client));
  agent.destroy();
  return {
    latencies: rec.latencies(),
    ok: rec.ok,
    failed: rec.failed,
    firstFailure: rec.firstFailure,
    elapsedMs: job.durationMs,
    scheduled: 0,
    maxInFlight: job.concurrency,
    maxIssueLagMs: 0,
    warmupRequests: warmed,
  };
}

/** Open loop: request i is due at start + i/rate, whatever happened to the earlier ones. */
function openLoopPhase(
  agent: http.Agent,
  t: Target,
  rate: number,
  durationMs: number,
  rec: Recorder | null,
) {
  return new Promise<{
    scheduled: number;
    elapsedMs: number;
    maxInFlight: number;
    maxIssueLagMs: number;
  }>((resolve) => {
    const total = Math.round((rate * durationMs) / 1000);
    const interval = 1000 / rate;
    const start = performance.now();
    let issued = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let maxIssueLagMs = 0;
    let lastEnd = start;
    let finished = false;
    // Nothing waits longer than this after the schedule ends; stragglers count as failures.
    const hardStop = setTimeout(() => finish(), durationMs + 30_000);
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(hardStop);
      if (rec) {
        rec.failed += inFlight;
        if (inFlight > 0)
          rec.firstFailure ??= `${inFlight} requests unanswered 30 s after the schedule ended`;
      }
      resolve({ scheduled: issued, elapsedMs: lastEnd - start, maxInFlight, maxIssueLagMs });
    };
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      while (issued < due) {
        const scheduledAt = start + issued * interval;
        maxIssueLagMs = Math.max(maxIssueLagMs, now - scheduledAt);
        const body = t.bodies[issued % t.bodies.length]!;
        issued++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        send(agent, t, body, (status, err) => {
          inFlight--;
          lastEnd = performance.now();
          rec?.record(lastEnd - scheduledAt, status, err);
          if (issued >= total && inFlight === 0) finish();
        });
      }
      if (issued < total)
        setTimeout(tick, Math.max(0, Math.min(1, start + issued * interval - performance.now())));
    };
    tick();
  });
}

async function openLoop(
  job: Extract<Job, { kind: 'open' }>,
  onMeasure: () => void,
): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.maxSockets });
  // The warm-up phase ends only once all its requests are answered: no backlog is carried over.
  const warm =
    job.warmupMs > 0 ? await openLoopPhase(agent, job.target, job.rate, job.warmupMs, null) : null;
  onMeasure();
  const rec = new Recorder();
  const r = await openLoopPhase(agent, job.target, job.rate, job.durationMs, rec);
  agent.destroy();
  return {
    latencies: rec.latencies(),
    ok: rec.ok,
    failed: rec.failed,
    firstFailure: rec.firstFailure,
    elapsedMs: r.elapsedMs,
    scheduled: r.scheduled,
    maxInFlight: r.maxInFlight,
    maxIssueLagMs: r.maxIssueLagMs,
    warmupRequests: warm?.scheduled ?? 0,
  };
}

function workerMain(): void {
  const port = parentPort;
  if (!port) return;
  const job = workerData as Job;
  // The generator's own CPU time, which the main thread subtracts from the process's.
  const clock = ownThreadClock();
  const cpuMs = () => (clock ? threadCpuMs(clock) : undefined);
  const onMeasure = () =>
    port.postMessage({ type: 'measure', cpuMs: cpuMs() } satisfies WorkerMessage);
  const run = job.kind === 'closed' ? closedLoop(job, onMeasure) : openLoop(job, onMeasure);
  void run.then((result) =>
    port.postMessage({ type: 'result', result, cpuMs: cpuMs() } satisfies WorkerMessage, [
      result.latencies.buffer as ArrayBuffer,
    ]),
  );
}

// ── main thread ───────────────────────────────────────────────────────────────────────

const WARMUP_CAP_MS = 60_000;
const SQL = 'SELECT id, status, total FROM orders WHERE id = ?';
const ORDER_IDS = 3000;

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

/** A load run, with how busy the server's event loop (this thread) was while it was measured. */
interface Measured extends RunResult {
  /** Event-loop utilisation of the main thread (where the server runs) during the measured phase, 0..1. */
  serverBusy: number;
  /**
   * CPU time (ms) the server used during the measured phase: every thread of this process
   * but the load generator's (main thread, guard workers, audit writer) plus its child
   * processes (the SQLite runners); NaN where /proc cannot be read.
   */
  serverCpuMs: number;
  /** CPU time (ms) of the main thread alone during the measured phase. */
  mainCpuMs: number;
}

/** CPU time (ms) of this process's child processes, from /proc (the SQLite runners). */
function childrenCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      // f[1] = ppid, f[11] = utime, f[12] = stime (ticks of 10 ms).
      if (Number(f[1]) === process.pid) total += (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

interface CpuSnapshot {
  processMs: number;
  mainMs: number;
  childrenMs: number;
}

const mainClock = isMainThread ? ownThreadClock() : undefined;

function cpuSnapshot(): CpuSnapshot {
  const u = process.cpuUsage();
  return {
    processMs: (u.user + u.system) / 1000,
    mainMs: mainClock ? (threadCpuMs(mainClock) ?? NaN) : NaN,
    childrenMs: existsSync('/proc/self/stat') ? childrenCpuMs() : NaN,
  };
}

/** `onMeasure` / `onResult`: the measured phase starts / has ended (the caller's own counters). */
function runLoad(
  job: Job,
  hooks: { onMeasure?: () => void; onResult?: () => void } = {},
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    // The worker runs this same file; a worker cannot start from a .ts entry, so a one-line
    // JavaScript entry loads it through tsx's API.
    const api = import.meta.resolve('tsx/esm/api');
    const self = import.meta.url;
    const entry = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(self)}, ${JSON.stringify(self)}))`;
    const w = new Worker(entry, { eval: true, workerData: job });
    let elu = performance.eventLoopUtilization();
    let cpu0 = cpuSnapshot();
    let gen0: number | undefined;
    let result: Measured | null = null;
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'measure') {
        elu = performance.eventLoopUtilization();
        cpu0 = cpuSnapshot();
        gen0 = m.cpuMs;
        hooks.onMeasure?.();
      } else {
        const cpu1 = cpuSnapshot();
        hooks.onResult?.();
        const generator = gen0 !== undefined && m.cpuMs !== undefined ? m.cpuMs - gen0 : NaN;
        result = {
          ...m.result,
          serverBusy: performance.eventLoopUtilization(elu).utilization,
          serverCpuMs:
            cpu1.processMs - cpu0.processMs - generator + (cpu1.childrenMs - cpu0.childrenMs),
          mainCpuMs: cpu1.mainMs - cpu0.mainMs,
        };
      }
    });
    w.once('error', reject);
    w.once('exit', (code) =>
      result
        ? resolve(result)
        : reject(new Error(`load generator exited with ${code} and no result`)),
    );
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

interface Summary {
  name: string;
  inFlight: string;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  ok: number;
  failed: number;
  busy: number;
  /** Server CPU ms per answered request: all its threads and the SQLite runners / the main thread. */
  cpuPerReq: number;
  mainPerReq: number;
}

function summarize(name: string, inFlight: string, r: Measured): Summary {
  const sorted = r.latencies.slice().sort();
  if (r.firstFailure) console.log(`  ! ${name}: ${r.failed} failed; first: ${r.firstFailure}`);
  return {
    name,
    inFlight,
    rps: (r.ok / r.elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    ok: r.ok,
    failed: r.failed,
    busy: r.serverBusy,
    cpuPerReq: r.serverCpuMs / Math.max(1, r.ok),
    mainPerReq: r.mainCpuMs / Math.max(1, r.ok),
  };
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '-');
const pc = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '-');

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function adminCall(
  url: string,
  token: string,
  method: string,
  path: string,
  body: unknown,
): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

const queryBodies = (): string[] =>
  Array.from({ length: ORDER_IDS }, (_, i) =>
    JSON.stringify({ connection: 'demo', sql: SQL, params: [i + 1] }),
  );

interface Config {
  concurrency: number;
  warmupMs: number;
  warmupRequests: number;
  durationMs: number;
  rates: number[];
  openMs: number;
  auditN: number;
}

/** A Prometheus histogram's cumulative buckets (le → count), its sum and count. */
interface Histo {
  buckets: Map<string, number>;
  sum: number;
  count: number;
}

async function scrapeHistogram(url: string, token: string, name: string): Promise<Histo> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status} ${text.slice(0, 200)}`);
  const h: Histo = { buckets: new Map(), sum: 0, count: 0 };
  for (const line of text.split('\n')) {
    const bucket = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`).exec(line);
    if (bucket) h.buckets.set(bucket[1]!, Number(bucket[2]));
    else if (line.startsWith(`${name}_sum `)) h.sum = Number(line.split(' ')[1]);
    else if (line.startsWith(`${name}_count `)) h.count = Number(line.split(' ')[1]);
  }
  return h;
}

/** What happened between two scrapes: commits per bucket (non-cumulative), sum and count. */
function histoDelta(
  a: Histo,
  b: Histo,
  integer = true,
): { ranges: [string, number][]; sum: number; count: number } {
  const ranges: [string, number][] = [];
  let prevLe = '0';
  let prevCum = 0;
  for (const [le, cum] of b.buckets) {
    const n = cum - (a.buckets.get(le) ?? 0);
    const label =
      le === '+Inf'
        ? `>${prevLe}`
        : !integer
          ? `≤${le}`
          : Number(prevLe) + 1 === Number(le) || le === '1'
            ? le
            : `${Number(prevLe) + 1}–${le}`;
    ranges.push([label, n - prevCum]);
    prevCum = n;
    prevLe = le;
  }
  return { ranges, sum: b.sum - a.sum, count: b.count - a.count };
}

/** Audit commit sizes and times during one measured phase, from the server's own /metrics. */
interface CommitStats {
  sizes: ReturnType<typeof histoDelta>;
  seconds: ReturnType<typeof histoDelta>;
}

/** 1 + 3: the real Airlock. */
async function benchGuarded(
  root: string,
  cfg: Config,
): Promise<{
  closed: Measured & { commits: CommitStats };
  open: { rate: number; r: Measured & { commits: CommitStats } }[];
  sample: string;
}> {
  const { startAirlock } = await import('../../src/main/app');
  const { envKeyProvider } = await import('../../src/main/store/key-file');
  const { DEFAULT_SETTINGS, queryLimitsOf } = await import('../../src/main/settings/settings');
  const dataDir = join(root, 'airlock');
  const airlock = await startAirlock({
    dataDir,
    port: 0,
    keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
    // Generous limits: the bench measures the path, not the limiter's refusals. Its one agent
    // stands for many clients, so it may run as many statements at once as there are clients.
    rateLimits: [{ windowMs: 60_000, max: 1_000_000_000, label: 'minute' }],
    queryLimits: { ...queryLimitsOf(DEFAULT_SETTINGS), agentConcurrency: 1024 },
  });
  try {
    const adminToken = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const created = (await adminCall(airlock.url, adminToken, 'POST', '/v1/admin/agents', {
      name: 'bench',
    })) as { id: string; apiKey: string };
    await adminCall(airlock.url, adminToken, 'PUT', `/v1/admin/agents/${created.id}/grants`, {
      grants: [{ connection: 'demo', table: 'orders', actions: ['read'] }],
    });
    const auth = `Bearer ${created.apiKey}`;
    // One request by hand: proves the path works before any load and shows what is measured.
    const probe = await fetch(`${airlock.url}/v1/query`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ connection: 'demo', sql: SQL, params: [42] }),
    });
    const sample = await probe.text();
    if (probe.status !== 200) throw new Error(`probe query: HTTP ${probe.status} ${sample}`);

    const target: Target = { port: airlock.port, path: '/v1/query', auth, bodies: queryBodies() };
    // The audit's group commits during the measured phase, read from the server's /metrics.
    const scrape = async () => ({
      sizes: await scrapeHistogram(airlock.url, adminToken, 'airlock_audit_commit_entries'),
      seconds: await scrapeHistogram(
        airlock.url,
        adminToken,
        'airlock_audit_commit_duration_seconds',
      ),
    });
    const withCommits = async (job: Job): Promise<Measured & { commits: CommitStats }> => {
      let before: ReturnType<typeof scrape> | null = null;
      let after: ReturnType<typeof scrape> | null = null;
      const r = await runLoad(job, {
        onMeasure: () => (before = scrape()),
        onResult: () => (after = scrape()),
      });
      const [a, b] = await Promise.all([before!, after!]);
      return {
        ...r,
        commits: {
          sizes: histoDelta(a.sizes, b.sizes),
          seconds: histoDelta(a.seconds, b.seconds, false),
        },
      };
    };
    console.log(
      `  guarded, closed loop: ${cfg.concurrency} clients; warm-up ≥ ${cfg.warmupRequests} requests and ≥ ${cfg.warmupMs / 1000} s, then ${cfg.durationMs / 1000} s …`,
    );
    const closed = await withCommits({
      kind: 'closed',
      target,
      concurrency: cfg.concurrency,
      warmupMs: cfg.warmupMs,
      warmupRequests: cfg.warmupRequests,
      durationMs: cfg.durationMs,
    });
    console.log(`    warm-up took ${closed.warmupRequests} requests`);
    const open: { rate: number; r: Measured & { commits: CommitStats } }[] = [];
    for (const rate of cfg.rates) {
      console.log(
        `  guarded, open loop at ${rate} req/s: 1 s warm-up (drained) + ${cfg.openMs / 1000} s …`,
      );
      open.push({
        rate,
        r: await withCommits({
          kind: 'open',
          target,
          rate,
          warmupMs: 1000,
          durationMs: cfg.openMs,
          maxSockets: 256,
        }),
      });
    }
    return { closed, open, sample };
  } finally {
    await airlock.close();
  }
}

/** 2: bare Fastify + in-process better-sqlite3 on a copy of the demo database. */
async function benchBare(root: string, cfg: Config): Promise<Measured> {
  // Imported here, not at the top: the load-generator worker loads this file too and needs neither.
  const { default: Database } = await import('better-sqlite3-multiple-ciphers');
  const { default: Fastify } = await import('fastify');
  const dbPath = join(root, 'bare-demo.db');
  copyFileSync(fileURLToPath(new URL('../../resources/demo.db', import.meta.url)), dbPath);
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const stmt = db.prepare(SQL).raw(true);
  const app = Fastify({ logger: false });
  app.post('/q', async (request) => {
    const body = request.body as { params?: unknown[] };
    const rows = stmt.all(Number(body.params?.[0])) as unknown[][];
    return {
      columns: [{ name: 'id' }, { name: 'status' }, { name: 'total' }],
      rows,
      rowCount: rows.length,
    };
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address !== 'object') throw new Error('bare server has no port');
    const target: Target = { port: address.port, path: '/q', auth: null, bodies: queryBodies() };
    console.log(
      `  bare Fastify, closed loop: ${cfg.concurrency} clients; same warm-up rule, then ${cfg.durationMs / 1000} s …`,
    );
    return await runLoad({
      kind: 'closed',
      target,
      concurrency: cfg.concurrency,
      warmupMs: cfg.warmupMs,
      warmupRequests: cfg.warmupRequests,
      durationMs: cfg.durationMs,
    });
  } finally {
    await app.close();
    db.close();
  }
}

interface AuditRun {
  mode: string;
  seconds: number;
  commits: number;
  entries: number;
}

/** 4: AuditLog appends, grouped and one at a time, on a real (encrypted, WAL, synchronous=FULL) store. */
async function benchAudit(root: string, n: number): Promise<AuditRun[]> {
  const { createCore } = await import('../../src/main/core');
  const { envKeyProvider } = await import('../../src/main/store/key-file');
  const core = await createCore({
    dataDir: join(root, 'audit'),
    keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
    demo: false,
  });
  const record = (i: number): AuditRecord => ({
    time: new Date().toISOString(),
    actor: 'agent:bench',
    action: 'query.read',
    connection: 'demo',
    statement: SQL,
    paramsHash: randomBytes(32).toString('hex'),
    decision: 'allow',
    rule: 'grant:demo.orders:read',
    reason: "access to orders is covered by agent 'bench''s grants",
    status: 'allowed',
    rowCount: 1,
    latencyMs: 1.234,
    details: { agentId: 'bench', truncated: false, i },
  });
  const runs: AuditRun[] = [];
  const measure = async (mode: string, body: () => Promise<void>) => {
    const before = { ...core.audit.stats };
    const t0 = performance.now();
    await body();
    const seconds = (performance.now() - t0) / 1000;
    runs.push({
      mode,
      seconds,
      commits: core.audit.stats.commits - before.commits,
      entries: core.audit.stats.entries - before.entries,
    });
  };
  try {
    // Warm-up: statements, hashing, page cache, WAL file.
    await Promise.all(Array.from({ length: 500 }, (_, i) => core.audit.append(record(i))));
    for (let i = 0; i < 100; i++) await core.audit.append(record(i));

    for (const batch of [10, 100, 1000]) {
      await measure(`group commit, batches of ${batch}`, async () => {
        for (let done = 0; done < n; done += batch) {
          const size = Math.min(batch, n - done);
          await Promise.all(
            Array.from({ length: size }, (_, i) => core.audit.append(record(done + i))),
          );
        }
      });
    }
    await measure('group commit, all N at once', async () => {
      await Promise.all(Array.from({ length: n }, (_, i) => core.audit.append(record(i))));
    });
    await measure('one at a time (each awaited)', async () => {
      for (let i = 0; i < n; i++) await core.audit.append(record(i));
    });
  } finally {
    await core.close();
  }
  return runs;
}

async function main(): Promise<void> {
  const cfg: Config = {
    concurrency: Math.round(env('BENCH_CONCURRENCY', 16)),
    warmupMs: env('BENCH_WARMUP_SECONDS', 2) * 1000,
    warmupRequests: Math.round(env('BENCH_WARMUP_REQUESTS', 4000)),
    durationMs: env('BENCH_SECONDS', 5) * 1000,
    rates: (process.env.BENCH_RATES ?? '1000,250')
      .split(',')
      .map(Number)
      .filter((r) => Number.isFinite(r) && r > 0),
    openMs: env('BENCH_OPEN_SECONDS', 5) * 1000,
    auditN: Math.round(env('BENCH_AUDIT_N', 2000)),
  };
  const cores = availableParallelism();
  console.log(
    `Airlock query-path bench — node ${process.version}, ${cores} cores (${(cpus()[0]?.model ?? 'unknown CPU').trim()})`,
  );
  console.log(
    'The servers run on the main thread, the SQLite runner in its own process and the load generator (node:http,\n' +
      `keep-alive) on a worker thread: all share these ${cores} cores, so every figure includes the generator's own cost.`,
  );
  console.log(`Statement: ${SQL}  (id cycles 1..${ORDER_IDS}); grant: read on demo.orders`);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `Load average before the run: ${load()} (anything else running on the machine skews the figures)\n`,
  );

  const root = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  try {
    const guarded = await benchGuarded(root, cfg);
    const bare = await benchBare(root, cfg);
    console.log(`  audit appends: N = ${cfg.auditN} per mode …`);
    const audit = await benchAudit(root, cfg.auditN);

    const g = summarize(
      'guarded POST /v1/query, closed loop',
      String(cfg.concurrency),
      guarded.closed,
    );
    const b = summarize(
      'bare Fastify + better-sqlite3, closed loop',
      String(cfg.concurrency),
      bare,
    );
    const opens = guarded.open.map(({ rate, r }) => ({
      rate,
      r,
      s: summarize(`guarded, open loop, offered ${rate} req/s`, `≤${r.maxInFlight}`, r),
    }));

    console.log(`\nSample guarded answer: ${guarded.sample}\n`);
    console.log(
      "HTTP on 127.0.0.1 — latency in ms; closed loop: per request; open loop: from each request's scheduled start.",
    );
    console.log(
      '"server busy" = event-loop utilisation of the thread running the server, during the measured phase.\n' +
        '"CPU ms/req" = CPU time of the server (every thread but the load generator\'s, and the SQLite runner\n' +
        'processes) per answered request; "main ms/req" = the main thread\'s share (/proc, 10 ms ticks).',
    );
    console.log(
      table(
        [
          'scenario',
          'in flight',
          'req/s',
          'p50',
          'p90',
          'p99',
          'max',
          'ok',
          'failed',
          'server busy',
          'CPU ms/req',
          'main ms/req',
        ],
        [g, b, ...opens.map((o) => o.s)].map((s) => [
          s.name,
          s.inFlight,
          f1(s.rps),
          f2(s.p50),
          f2(s.p90),
          f2(s.p99),
          f2(s.max),
          String(s.ok),
          String(s.failed),
          pc(s.busy),
          f3(s.cpuPerReq),
          f3(s.mainPerReq),
        ]),
      ),
    );
    console.log(
      `\nThroughput guarded / bare: ${f2(g.rps / b.rps)} (the bare server does ${f1(b.rps / g.rps)}x the guarded path's req/s)`,
    );
    for (const o of opens) {
      const saturated = o.s.rps < o.rate * 0.97;
      console.log(
        `Open loop @ ${o.rate} req/s: achieved ${f1(o.s.rps)} req/s, p50 ${f2(o.s.p50)} ms, p99 ${f2(o.s.p99)} ms — ` +
          `${o.s.p99 < 10 ? 'under' : 'NOT under'} the 10 ms p99 aim` +
          (saturated
            ? '; the server could not keep up, so latency is queueing that grows over the run'
            : '') +
          ` (generator's worst issue lag ${f1(o.r.maxIssueLagMs)} ms)`,
      );
    }

    console.log(`Load average after the run: ${load()}`);
    console.log(
      '\nAudit group commits during each guarded phase (from /metrics: airlock_audit_commit_entries, _duration_seconds)',
    );
    for (const [name, c] of [
      ['closed loop', guarded.closed.commits],
      ...guarded.open.map((o) => [`open loop ${o.rate} req/s`, o.r.commits] as const),
    ] as const) {
      const n = c.sizes.count;
      console.log(
        `  ${name}: ${n} commits, ${f1(c.sizes.sum / Math.max(1, n))} entries/commit, ` +
          `${f2((c.seconds.sum * 1000) / Math.max(1, c.seconds.count))} ms/commit; entries per commit: ` +
          c.sizes.ranges
            .filter(([, k]) => k > 0)
            .map(([label, k]) => `${label}: ${pc(k / Math.max(1, n))}`)
            .join(', ') +
          '; commit time (s): ' +
          c.seconds.ranges
            .filter(([, k]) => k > 0)
            .map(([label, k]) => `${label}: ${k}`)
            .join(', '),
      );
    }
    console.log(
      `\nAudit appends — AuditLog on a fresh store (SQLCipher, WAL, synchronous=FULL); N = ${cfg.auditN} per row`,
    );
    const seq = audit.find((a) => a.mode.startsWith('one at a time'));
    const seqRate = seq ? seq.entries / seq.seconds : NaN;
    console.log(
      table(
        ['mode', 'appends/s', 'commits', 'entries/commit', 'ms/commit', 'vs one at a time'],
        audit.map((a) => [
          a.mode,
          f1(a.entries / a.seconds),
          String(a.commits),
          f1(a.entries / Math.max(1, a.commits)),
          f2((a.seconds * 1000) / Math.max(1, a.commits)),
          `${f1(a.entries / a.seconds / seqRate)}x`,
        ]),
      ),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  workerMain();
}
