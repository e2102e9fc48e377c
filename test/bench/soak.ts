/**
 * Soak (issue 10): `npm run bench:soak`. Not part of `npm test`: it measures and prints, and
 * asserts nothing timed.
 *
 * Starts `bin/airlock serve` as a child process on a fresh data directory, then runs a mixed
 * load for SOAK_SECONDS (default 60) over loopback HTTP: agents' allowed, denied and invalid
 * queries, schema and semantic-layer reads, malformed bodies, an administrator's audit
 * searches and agent listings, health probes. Every SOAK_SAMPLE_SECONDS (default 5) it reads
 * the server's RSS and open file descriptors from /proc, and prints a row; at the end, the
 * totals: requests, answers by status, errors (5xx or no answer), RSS and descriptors start → end.
 *
 * Knobs: SOAK_SECONDS, SOAK_SAMPLE_SECONDS, SOAK_AGENTS (default 6), SOAK_CLIENTS (in flight at
 * once, default 8).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServe } from '../e2e/browser-env';
import { httpCall as call, type HttpAnswer as Answer } from '../helpers/http-call';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5);
const AGENTS = Number(process.env.SOAK_AGENTS ?? 6);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 8);

/** RSS (MB) and open descriptors of a process, from /proc (Linux). */
function reading(pid: number): { rssMb: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

const percentile = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-soak-'));
  const env = { ...process.env };
  delete env.AIRLOCK_STORE_KEY;
  delete env.AIRLOCK_HOME;
  const running = await startServe(dataDir);
  const child = running.child;
  const port = Number(new URL(running.base).port);
  const pid = child.pid!;
  const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();

  const keys: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const c = await call(
      port,
      'POST',
      '/v1/admin/agents',
      admin,
      JSON.stringify({ name: `soak-${i}` }),
    );
    const { id, apiKey } = JSON.parse(c.body) as { id: string; apiKey: string };
    await call(
      port,
      'PUT',
      `/v1/admin/agents/${id}/grants`,
      admin,
      JSON.stringify({ grants: [{ connection: 'demo', table: 'products', actions: ['read'] }] }),
    );
    keys.push(apiKey);
  }

  // The mix: what each request is, weighted by how often it comes.
  type Req = (n: number) => Promise<Answer>;
  const q = (key: string, sql: string) =>
    call(port, 'POST', '/v1/query', key, JSON.stringify({ connection: 'demo', sql }));
  const mix: [number, string, Req][] = [
    [
      30,
      'query',
      (n) =>
        q(keys[n % keys.length]!, `SELECT id, name FROM products WHERE id > ${n % 50} LIMIT 5`),
    ],
    [8, 'query-denied', (n) => q(keys[n % keys.length]!, 'SELECT * FROM customers LIMIT 1')],
    [6, 'query-invalid', (n) => q(keys[n % keys.length]!, 'SELEC nonsense FROM')],
    [
      4,
      'body-malformed',
      (n) => call(port, 'POST', '/v1/query', keys[n % keys.length]!, '{"connection":'),
    ],
    [8, 'connections', (n) => call(port, 'GET', '/v1/connections', keys[n % keys.length]!)],
    [8, 'tables', (n) => call(port, 'GET', '/v1/connections/demo/tables', keys[n % keys.length]!)],
    [
      4,
      'semantic',
      (n) => call(port, 'GET', '/v1/connections/demo/semantic', keys[n % keys.length]!),
    ],
    [4, 'unauthenticated', () => call(port, 'GET', '/v1/connections', 'alk_wrong')],
    [6, 'audit-search', () => call(port, 'GET', '/v1/admin/audit?limit=50', admin)],
    [4, 'agents', () => call(port, 'GET', '/v1/admin/agents', admin)],
    [8, 'health', () => call(port, 'GET', '/v1/health/ready', null)],
  ];
  const total = mix.reduce((s, [w]) => s + w, 0);
  const choose = (n: number): [string, Req] => {
    let x = (n * 2654435761) % total;
    for (const [w, name, f] of mix) {
      if (x < w) return [name, f];
      x -= w;
    }
    return [mix[0]![1], mix[0]![2]];
  };

  const byStatus = new Map<number, number>();
  const byKind = new Map<string, number>();
  let errors = 0;
  let sent = 0;
  const firstErrors: string[] = [];
  let latencies: number[] = [];
  const end = Date.now() + SECONDS * 1000;
  const client = async () => {
    while (Date.now() < end) {
      const n = sent++;
      const [name, f] = choose(n);
      byKind.set(name, (byKind.get(name) ?? 0) + 1);
      const t0 = performance.now();
      try {
        const a = await f(n);
        latencies.push(performance.now() - t0);
        byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
        if (a.status >= 500) {
          errors++;
          if (firstErrors.length < 5)
            firstErrors.push(`${name}: ${a.status} ${a.body.slice(0, 200)}`);
        }
      } catch (e) {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(`${name}: ${(e as Error).message}`);
      }
    }
  };

  const start = reading(pid);
  const samples = [{ t: 0, ...start, requests: 0, rps: 0, p50: 0, p99: 0 }];
  console.log(
    `soak: ${SECONDS} s, ${AGENTS} agents, ${CLIENTS} clients in flight, server pid ${pid}`,
  );
  console.log('   t(s)  requests    req/s   p50 ms   p99 ms   RSS MB   FDs');
  const row = (s: (typeof samples)[number]) =>
    console.log(
      `${String(s.t).padStart(7)} ${String(s.requests).padStart(9)} ${s.rps.toFixed(0).padStart(8)} ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)} ${s.rssMb.toFixed(1).padStart(8)} ${String(s.fds).padStart(5)}`,
    );
  row(samples[0]!);
  const t0 = Date.now();
  let lastCount = 0;
  const sampler = setInterval(() => {
    const r = reading(pid);
    const done = [...byStatus.values()].reduce((a, b) => a + b, 0);
    const s = {
      t: Math.round((Date.now() - t0) / 1000),
      ...r,
      requests: done,
      rps: (done - lastCount) / SAMPLE_SECONDS,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
    lastCount = done;
    latencies = [];
    samples.push(s);
    row(s);
  }, SAMPLE_SECONDS * 1000);
  await Promise.all(Array.from({ length: CLIENTS }, client));
  clearInterval(sampler);
  const last = reading(pid);

  child.kill('SIGTERM');
  const stopped = await new Promise<number | null>((resolve) =>
    child.on('exit', (code) => resolve(code)),
  );
  const verify = await new Promise<number | null>((resolve) => {
    const v = spawn(join(ROOT, 'bin/airlock'), ['audit', 'verify', '--data-dir', dataDir], {
      cwd: ROOT,
      env,
      stdio: 'ignore',
    });
    v.on('exit', (code) => resolve(code));
  });
  rmSync(dataDir, { recursive: true, force: true });

  const answered = [...byStatus.values()].reduce((a, b) => a + b, 0);
  const rssPeak = Math.max(...samples.map((s) => s.rssMb), last.rssMb);
  console.log(
    `\nsoak: ${answered} requests answered in ${SECONDS} s (${(answered / SECONDS).toFixed(0)}/s), errors = ${errors} (5xx or no answer)`,
  );
  console.log(
    `  by status: ${[...byStatus.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ')}`,
  );
  console.log(`  by kind:   ${[...byKind.entries()].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  console.log(
    `  RSS ${start.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MB (peak ${rssPeak.toFixed(1)}); file descriptors ${start.fds} → ${last.fds}`,
  );
  console.log(`  stop on SIGTERM: exit ${await stopped}; audit verify afterwards: exit ${verify}`);
  if (firstErrors.length) console.log(`  first errors:\n    ${firstErrors.join('\n    ')}`);
}

await main();
