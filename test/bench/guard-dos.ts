/**
 * Parse-DoS benchmark (`npm run bench:guard`; issue 8, class 7). Not part of `npm test`: it
 * asserts nothing, it measures and prints.
 *
 * A real Airlock server runs in a child process of its own (so its event loop and RSS are its
 * own), with the demo database on SQLite, PostgreSQL and MariaDB. Per dialect:
 *
 *  1. time to answer, over loopback HTTP, for each of the worst statements we know
 *     (test/helpers/dos-statements.ts: nesting families, long lists, many UNIONs, huge
 *     literals, unbalanced parentheses — refused by pre-lex — and the heaviest statements
 *     within the limits, which the parser must finish or be stopped at the deadline);
 *  2. an attacker agent sends them all in a loop (new text each time, so the verdict cache
 *     does not help) for BENCH_SECONDS, three at a time, while GET /v1/health is probed every
 *     10 ms and a victim agent runs ordinary queries (new text each time, so they are judged
 *     on a worker too): health and victim latency p50/p99/max, the server's event-loop delay
 *     (perf_hooks monitorEventLoopDelay, in the server) and its RSS before and after;
 *  3. memoryFigures() from test/bench/memory.ts: RSS before and after a large-value query and
 *     an export attempt (BENCH_MEMORY=0 skips it).
 *
 * Knobs: BENCH_SECONDS (default 5), BENCH_DIALECTS ("sqlite,postgres,mysql"),
 * AIRLOCK_TEST_PG_URL / AIRLOCK_TEST_MYSQL_URL (as the tests), BENCH_MEMORY, BENCH_CPU_PROF
 * (a directory: a CPU profile of the server's main thread during each attack is written there).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../../src/main/guard/dialect';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { heavyStatements, refusedStatements, type DosStatement } from '../helpers/dos-statements';

const self = fileURLToPath(import.meta.url);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres,mysql').split(',') as Dialect[];
const MB = 1024 * 1024;

type ServerReply = {
  rssMb: number;
  eld?: { p50: number; p99: number; max: number };
  profile?: string;
};

// ── child: the Airlock server ────────────────────────────────────────────────────────────
async function server() {
  const { startAirlock } = await import('../../src/main/app');
  const { envKeyProvider } = await import('../../src/main/store/key-file');
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-guard-'));
  const running = await startAirlock({
    dataDir,
    port: 0,
    keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
    rateLimits: [],
  });
  let eld: IntervalHistogram | null = null;
  // BENCH_CPU_PROF=DIR: a V8 CPU profile of the server's main thread during each attack,
  // written to DIR (test/bench/cpu-profile-summary.ts says where the time went).
  const profDir = process.env.BENCH_CPU_PROF;
  const profiler = profDir ? new inspector.Session() : null;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      profiler!.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))),
    );
  if (profiler) {
    profiler.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
  }
  let attacks = 0;
  process.on('message', async (m: string) => {
    const reply: ServerReply = { rssMb: process.memoryUsage().rss / MB };
    if (m === 'eld-start') {
      eld = monitorEventLoopDelay({ resolution: 5 });
      eld.enable();
      if (profiler) await post('Profiler.start');
    } else if (m === 'eld-stop' && eld) {
      if (profiler) {
        const { profile } = (await post('Profiler.stop')) as { profile: unknown };
        const file = join(profDir!, `attack-${++attacks}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        reply.profile = file;
      }
      eld.disable();
      const ms = (ns: number) => ns / 1e6;
      reply.eld = { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max) };
    } else if (m === 'stop') {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
    process.send!(reply);
  });
  process.send!({
    port: running.port,
    adminToken: readFileSync(running.adminTokenPath, 'utf8').trim(),
  });
}

// ── parent ───────────────────────────────────────────────────────────────────────────────
let base = '';
let adminToken = '';

async function call(token: string, method: string, path: string, body?: unknown) {
  const started = performance.now();
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await r.json().catch(() => ({}))) as {
    error?: { code?: string; rule?: string; limit?: string };
  };
  return { status: r.status, ms: performance.now() - started, json };
}

function ask(proc: ChildProcess, m: string): Promise<ServerReply> {
  return new Promise((resolve) => {
    proc.once('message', (r) => resolve(r as ServerReply));
    proc.send(m);
  });
}

async function agent(name: string, connection: string): Promise<string> {
  const made = await call(adminToken, 'POST', '/v1/admin/agents', { name });
  const { id, apiKey } = made.json as unknown as { id: string; apiKey: string };
  await call(adminToken, 'PUT', `/v1/admin/agents/${id}/grants`, {
    grants: [{ connection, table: 'employees', actions: ['read'] }],
  });
  return apiKey;
}

async function connect(dialect: Dialect): Promise<string> {
  if (dialect === 'sqlite') return 'demo';
  const name = `dos${dialect}`;
  const url = await seedDemo(dialect, demoDbName(`dos_${dialect}`));
  const r = await call(adminToken, 'POST', '/v1/admin/connections', { name, kind: dialect, url });
  if (r.status !== 201) throw new Error(`connection: ${r.status} ${JSON.stringify(r.json)}`);
  return name;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));
const outcome = (r: Awaited<ReturnType<typeof call>>) =>
  r.status === 200
    ? '200 ok'
    : `${r.status} ${r.json.error?.code ?? '?'} ${r.json.error?.rule ?? r.json.error?.limit ?? ''}`.trim();

/** New text each time, with the same shape, so that no answer comes from the verdict cache. */
const fresh = (sql: string, n: number) => `${sql} -- ${n}`;

async function bench(dialect: Dialect, proc: ChildProcess) {
  const connection = await connect(dialect);
  const attacker = await agent(`attacker-${dialect}`, connection);
  const victim = await agent(`victim-${dialect}`, connection);
  const query = (key: string, sql: string) => call(key, 'POST', '/v1/query', { connection, sql });
  // Warm: the schema is read, the workers have judged this dialect once.
  await query(victim, 'SELECT id FROM employees WHERE id = 1');
  const worst: DosStatement[] = [...refusedStatements(dialect), ...heavyStatements(dialect)];

  console.log(
    `\n── ${dialect}: time to answer each statement (ms, loopback HTTP, first time seen) ──`,
  );
  const rows: Record<string, string>[] = [];
  for (const s of worst) {
    const r = await query(attacker, fresh(s.sql, 0));
    rows.push({
      family: s.family,
      kind: s.rules ? 'over a limit' : 'within limits',
      answer: outcome(r),
      ms: f(r.ms),
    });
  }
  console.table(rows);

  console.log(
    `── ${dialect}: ${SECONDS} s of attack, 3 statements in flight, new text each time ──`,
  );
  const before = await ask(proc, 'eld-start');
  const health: number[] = [];
  const victimMs: number[] = [];
  let victimFailed = 0;
  let attacks = 0;
  let slowest = 0;
  const until = Date.now() + SECONDS * 1000;
  let n = 1;
  const attackLoop = async () => {
    while (Date.now() < until) {
      const s = worst[n % worst.length]!;
      const r = await query(attacker, fresh(s.sql, n++));
      attacks++;
      slowest = Math.max(slowest, r.ms);
    }
  };
  const healthLoop = async () => {
    while (Date.now() < until) {
      const started = performance.now();
      await (await fetch(`${base}/v1/health`)).arrayBuffer();
      health.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const victimLoop = async () => {
    let i = 0;
    while (Date.now() < until) {
      const r = await query(
        victim,
        `SELECT id, first_name FROM employees WHERE id = ${(i % 20) + 1} AND ${i} = ${i++}`,
      );
      if (r.status === 200) victimMs.push(r.ms);
      else victimFailed++;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all([attackLoop(), attackLoop(), attackLoop(), healthLoop(), victimLoop()]);
  const after = await ask(proc, 'eld-stop');
  console.table([
    {
      'attack statements': attacks,
      'slowest answer ms': f(slowest),
      'health n': health.length,
      'health p50': f(pct(health, 50)),
      'health p99': f(pct(health, 99)),
      'health max': f(Math.max(...health)),
      'victim n': victimMs.length,
      'victim failed': victimFailed,
      'victim p50': f(pct(victimMs, 50)),
      'victim p99': f(pct(victimMs, 99)),
      'loop delay p50': f(after.eld?.p50 ?? NaN),
      'loop delay p99': f(after.eld?.p99 ?? NaN),
      'loop delay max': f(after.eld?.max ?? NaN),
      'RSS before MB': f(before.rssMb),
      'RSS after MB': f(after.rssMb),
    },
  ]);
  if (after.profile) console.log(`CPU profile of the server's main thread: ${after.profile}`);
  if (dialect !== 'sqlite') await dropDemo(dialect, demoDbName(`dos_${dialect}`)).catch(() => {});
}

async function main() {
  const proc = fork(self, ['server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ port: number; adminToken: string }>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as { port: number; adminToken: string }));
    proc.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  base = `http://127.0.0.1:${ready.port}`;
  adminToken = ready.adminToken;
  console.log(`Guard parse-DoS benchmark: server pid ${proc.pid}, ${SECONDS} s per dialect`);
  try {
    for (const d of DIALECTS) {
      try {
        await bench(d, proc);
      } catch (e) {
        console.log(`${d}: skipped: ${(e as Error).message}`);
      }
    }
  } finally {
    await ask(proc, 'stop').catch(() => {});
  }
  if (process.env.BENCH_MEMORY !== '0') {
    // Helper E's figures: RSS before and after a large-value query and an export attempt.
    const { memoryFigures } = await import('./memory');
    await memoryFigures();
  }
}

if (process.argv[2] === 'server') await server();
else await main();
