/**
 * Streaming benchmark (`npm run bench:streaming`, or `npx tsx test/bench/streaming.ts`). Not
 * part of `npm test`: it asserts nothing, it measures and prints.
 *
 * The same read of N rows from PostgreSQL (table `bench_rows` in database
 * `airlock_demo_bench`, created here and dropped at the end), two ways, for N = 100k and 1M:
 *
 *  - through Airlock: a real server (startAirlock, in a child process of its own) answering
 *    `POST /v1/query` with `maxRows: N` (an export), streamed as NDJSON and as JSON to an HTTP
 *    client in this process, which counts bytes and lines;
 *  - directly with `pg` (in another child process): a cursor read in batches, each row also
 *    turned into a JSON line as a client would (and, separately, the bare read).
 *
 * Both sides first read 20,000 rows to warm up. Each figure comes from a fresh process, so a
 * process's RSS high-water mark
 * (`process.resourceUsage().maxRSS`) belongs to that run alone: the server's, while it
 * streamed N rows, against the direct reader's.
 *
 * Knobs (environment): BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432),
 * BENCH_ROWS (default "100000,1000000").
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Cursor from 'pg-cursor';

const BASE = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB = 'airlock_demo_bench';
const DB_URL = `${BASE}/${DB}`;
const SIZES = (process.env.BENCH_ROWS ?? '100000,1000000').split(',').map(Number);
const MAX = Math.max(...SIZES);
const SQL = 'SELECT id, label, amount, created FROM bench_rows ORDER BY id';
const self = fileURLToPath(import.meta.url);
/** Rows read once before each measured read, so that both sides run JIT-compiled code. */
const WARMUP = 20_000;

// ── child: the direct reader ─────────────────────────────────────────────────────────────
async function direct(n: number, serialize: boolean) {
  const baseline = process.resourceUsage().maxRSS;
  const c = new pg.Client({ connectionString: DB_URL });
  await c.connect();
  const read = async (limit: number) => {
    const cursor = c.query(new Cursor(`${SQL} LIMIT ${limit}`, [], { rowMode: 'array' }));
    let rows = 0;
    let bytes = 0;
    for (;;) {
      const batch = await new Promise<unknown[][]>((resolve, reject) =>
        cursor.read(5000, (e, r) => (e ? reject(e) : resolve(r))),
      );
      if (batch.length === 0) break;
      rows += batch.length;
      if (serialize) for (const r of batch) bytes += JSON.stringify(r).length + 1;
    }
    await cursor.close();
    return { rows, bytes };
  };
  await read(WARMUP); // the same warm-up the server gets
  const started = performance.now();
  const { rows, bytes } = await read(n);
  const ms = performance.now() - started;
  await c.end();
  process.send!({
    rows,
    bytes,
    ms,
    maxRssKb: process.resourceUsage().maxRSS,
    baselineKb: baseline,
  });
}

// ── child: the Airlock server ────────────────────────────────────────────────────────────
async function server() {
  const { startAirlock } = await import('../../src/main/app');
  const { envKeyProvider } = await import('../../src/main/store/key-file');
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-stream-'));
  const running = await startAirlock({
    dataDir,
    port: 0,
    keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
    queryLimits: { exportMaxRows: MAX, exportMaxBytes: 2 * 1024 ** 3, exportTimeoutMs: 600_000 },
  });
  const baseline = process.resourceUsage().maxRSS;
  process.on('message', async (m: string) => {
    if (m === 'rss')
      process.send!({ maxRssKb: process.resourceUsage().maxRSS, baselineKb: baseline });
    if (m === 'stop') {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send!({
    port: running.port,
    adminToken: readFileSync(running.adminTokenPath, 'utf8').trim(),
  });
}

// ── parent ───────────────────────────────────────────────────────────────────────────────
function child<T>(args: string[]): { proc: ChildProcess; first: Promise<T> } {
  const proc = fork(self, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = new Promise<T>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as T));
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return { proc, first };
}

function request(
  port: number,
  path: string,
  token: string,
  body: unknown,
  accept = 'application/json',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Streams the query, keeping nothing but counts (and the last line, which holds the audit id). */
function streamQuery(
  port: number,
  key: string,
  n: number,
  accept: string,
): Promise<{ ms: number; bytes: number; lines: number; tail: string; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/query',
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept },
      },
      (res) => {
        let bytes = 0;
        let lines = 0;
        let tail = '';
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
          tail = (tail + chunk.toString('utf8', Math.max(0, chunk.length - 300))).slice(-300);
        });
        res.on('end', () =>
          resolve({
            ms: performance.now() - started,
            bytes,
            lines,
            tail,
            status: res.statusCode ?? 0,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ connection: 'bench', sql: SQL, maxRows: n }));
  });
}

async function seed() {
  const admin = new pg.Client({ connectionString: `${BASE}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const c = new pg.Client({ connectionString: DB_URL });
  await c.connect();
  await c.query(`CREATE TABLE bench_rows AS
    SELECT g AS id, md5(g::text) AS label, (g % 100000)::numeric(12,2) / 100 AS amount, DATE '2024-01-01' + (g % 365) AS created
    FROM generate_series(1, ${MAX}) g`);
  await c.query('ALTER TABLE bench_rows ADD PRIMARY KEY (id)');
  await c.query('ANALYZE bench_rows');
  await c.end();
}

async function drop() {
  const admin = new pg.Client({ connectionString: `${BASE}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const rate = (rows: number, ms: number) =>
  `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;

async function main() {
  console.log(`seeding ${MAX.toLocaleString('en-US')} rows into ${DB} …`);
  await seed();
  const results: string[] = [];
  try {
    for (const n of SIZES) {
      const bare = await child<{ rows: number; ms: number; maxRssKb: number; baselineKb: number }>([
        'direct',
        String(n),
        'bare',
      ]).first;
      const dir = await child<{
        rows: number;
        bytes: number;
        ms: number;
        maxRssKb: number;
        baselineKb: number;
      }>(['direct', String(n), 'json']).first;
      const runs: Record<
        string,
        { ms: number; bytes: number; lines: number; tail: string; status: number }
      > = {};
      let serverRss = { maxRssKb: 0, baselineKb: 0 };
      for (const accept of ['application/x-ndjson', 'application/json']) {
        const { proc, first } = child<{ port: number; adminToken: string }>(['server']);
        const { port, adminToken } = await first;
        const conn = await request(port, '/v1/admin/connections', adminToken, {
          name: 'bench',
          kind: 'postgres',
          url: DB_URL,
        });
        if (conn.status !== 201) throw new Error(`connection: ${conn.status} ${conn.text}`);
        const agent = JSON.parse(
          (await request(port, '/v1/admin/agents', adminToken, { name: 'exporter' })).text,
        ) as { id: string; apiKey: string };
        await new Promise<void>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port,
              path: `/v1/admin/agents/${agent.id}/grants`,
              method: 'PUT',
              headers: {
                authorization: `Bearer ${adminToken}`,
                'content-type': 'application/json',
              },
            },
            (res) => {
              res.resume();
              res.on('end', () =>
                res.statusCode === 200 ? resolve() : reject(new Error(`grants: ${res.statusCode}`)),
              );
            },
          );
          req.end(
            JSON.stringify({
              grants: [{ connection: 'bench', table: 'bench_rows', actions: ['read', 'export'] }],
            }),
          );
        });
        await streamQuery(port, agent.apiKey, WARMUP, accept);
        const run = await streamQuery(port, agent.apiKey, n, accept);
        if (run.status !== 200 || !/"auditId":\d+/.test(run.tail))
          throw new Error(`stream failed: ${run.status} …${run.tail}`);
        runs[accept] = run;
        const rss = await new Promise<{ maxRssKb: number; baselineKb: number }>((resolve) => {
          proc.once('message', (m) => resolve(m as { maxRssKb: number; baselineKb: number }));
          proc.send('rss');
        });
        if (rss.maxRssKb > serverRss.maxRssKb) serverRss = rss;
        proc.send('stop');
        await new Promise((r) => proc.once('exit', r));
      }
      const nd = runs['application/x-ndjson']!;
      const js = runs['application/json']!;
      results.push(
        [
          `── ${n.toLocaleString('en-US')} rows ──`,
          `direct pg (cursor, bare read)           ${bare.ms.toFixed(0).padStart(7)} ms   ${rate(bare.rows, bare.ms).padStart(16)}   peak RSS ${mb(bare.maxRssKb)} (after connect ${mb(bare.baselineKb)})`,
          `direct pg (cursor + JSON lines)         ${dir.ms.toFixed(0).padStart(7)} ms   ${rate(dir.rows, dir.ms).padStart(16)}   peak RSS ${mb(dir.maxRssKb)} (after connect ${mb(dir.baselineKb)})`,
          `Airlock POST /v1/query, NDJSON          ${nd.ms.toFixed(0).padStart(7)} ms   ${rate(n, nd.ms).padStart(16)}   ${(nd.bytes / 1024 ** 2).toFixed(1)} MiB, ${nd.lines.toLocaleString('en-US')} lines`,
          `Airlock POST /v1/query, JSON            ${js.ms.toFixed(0).padStart(7)} ms   ${rate(n, js.ms).padStart(16)}   ${(js.bytes / 1024 ** 2).toFixed(1)} MiB`,
          `Airlock server peak RSS                 ${mb(serverRss.maxRssKb)} (after start ${mb(serverRss.baselineKb)})`,
          `throughput ratio Airlock/direct         NDJSON ${(bare.ms / nd.ms).toFixed(2)}× of the bare read, ${(dir.ms / nd.ms).toFixed(2)}× of read + JSON lines; JSON ${(bare.ms / js.ms).toFixed(2)}× / ${(dir.ms / js.ms).toFixed(2)}×`,
        ].join('\n'),
      );
      console.log(results[results.length - 1]);
    }
  } finally {
    await drop();
  }
}

const [role, arg, mode] = process.argv.slice(2);
if (role === 'direct') void direct(Number(arg), mode === 'json').then(() => process.exit(0));
else if (role === 'server') void server();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
