/**
 * Server memory under large values (issue 8, class 8): `npx tsx test/bench/memory.ts`, or
 * `memoryFigures()` from the guard benchmark (test/bench/guard-dos.ts). Not part of `npm test`:
 * it asserts nothing, it measures and prints.
 *
 * Per dialect (PostgreSQL, MariaDB, SQLite): a table of 40 rows of 6 MB text values, read
 * through a real Airlock server running in a child process of its own, so the RSS figures are
 * the server's alone:
 *
 *  - a large-value query under the default byte cap (10 MB): cut at the cap;
 *  - an export attempt without an export grant: refused before any row;
 *  - an export with a grant whose byte cap is 128 MB, streamed as NDJSON and counted, not kept.
 *
 * For each: the HTTP status, rows and bytes, and the server's RSS before and after (and its
 * high-water mark, `maxRSS`). Knobs: BENCH_PG_URL, BENCH_MYSQL_URL, BENCH_DIALECTS
 * ("postgres,mysql,sqlite").
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import mysql from 'mysql2/promise';
import pg from 'pg';

const PG =
  process.env.BENCH_PG_URL ??
  process.env.AIRLOCK_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432';
const MYSQL =
  process.env.BENCH_MYSQL_URL ??
  process.env.AIRLOCK_TEST_MYSQL_URL ??
  'mysql://root@127.0.0.1:3306';
const DB = 'airlock_bench_memory';
const ROWS = 40;
const VALUE = 6 * 1024 * 1024;
const MB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

type Dialect = 'postgres' | 'mysql' | 'sqlite';

// ── child: the Airlock server ────────────────────────────────────────────────────────────
async function server() {
  const { startAirlock } = await import('../../src/main/app');
  const { envKeyProvider } = await import('../../src/main/store/key-file');
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-bench-memory-'));
  const running = await startAirlock({
    dataDir,
    port: 0,
    keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
  });
  process.on('message', async (m: string) => {
    if (m === 'rss') {
      process.send!({
        rssMb: process.memoryUsage().rss / MB,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
      });
    }
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
function startServer(): {
  proc: ChildProcess;
  ready: Promise<{ port: number; adminToken: string }>;
} {
  const proc = fork(self, ['server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise<{ port: number; adminToken: string }>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as { port: number; adminToken: string }));
    proc.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return { proc, ready };
}

const rssOf = (proc: ChildProcess) =>
  new Promise<{ rssMb: number; maxRssMb: number }>((resolve) => {
    proc.once('message', (m) => resolve(m as { rssMb: number; maxRssMb: number }));
    proc.send('rss');
  });

/** One request; the body is counted (bytes, lines) and only its last 300 characters kept. */
function call(
  port: number,
  token: string,
  method: string,
  path: string,
  body: unknown,
  accept = 'application/json',
) {
  return new Promise<{ status: number; bytes: number; lines: number; tail: string }>(
    (resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept },
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
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines, tail }));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    },
  );
}

async function seed(dialect: Dialect, dir: string): Promise<Record<string, unknown>> {
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: `${PG}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    const c = new pg.Client({ connectionString: `${PG}/${DB}` });
    await c.connect();
    await c.query('CREATE TABLE blobs (id integer PRIMARY KEY, body text)');
    for (let i = 1; i <= ROWS; i++)
      await c.query(`INSERT INTO blobs VALUES (${i}, repeat(md5('${i}'), ${VALUE / 32}))`);
    await c.end();
    return { kind: 'postgres', url: `${PG}/${DB}` };
  }
  if (dialect === 'mysql') {
    const admin = await mysql.createConnection({ uri: MYSQL });
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.query(`USE ${DB}`);
    await admin.query('CREATE TABLE blobs (id integer PRIMARY KEY, body LONGTEXT)');
    for (let i = 1; i <= ROWS; i++)
      await admin.query(`INSERT INTO blobs VALUES (${i}, REPEAT(MD5('${i}'), ${VALUE / 32}))`);
    await admin.end();
    return { kind: 'mysql', url: `${MYSQL}/${DB}` };
  }
  const path = join(dir, 'blobs.db');
  const db = new Database(path);
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO blobs VALUES (?, ?)');
  for (let i = 1; i <= ROWS; i++) insert.run(i, 'x'.repeat(VALUE));
  db.close();
  return { kind: 'sqlite', path };
}

async function unseed(dialect: Dialect) {
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: `${PG}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
  } else if (dialect === 'mysql') {
    const admin = await mysql.createConnection({ uri: MYSQL });
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.end();
  }
}

export interface MemoryFigure {
  dialect: Dialect;
  step: string;
  status: number;
  rows: number | null;
  mbSent: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  maxRssMb: number;
}

/** Measures one dialect in a fresh server process. */
async function measure(dialect: Dialect): Promise<MemoryFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-memory-db-'));
  const { proc, ready } = startServer();
  const out: MemoryFigure[] = [];
  try {
    const target = await seed(dialect, dir);
    const { port, adminToken } = await ready;
    const conn = await call(port, adminToken, 'POST', '/v1/admin/connections', {
      name: 'mem',
      ...target,
    });
    if (conn.status !== 201) throw new Error(`adding the connection: ${conn.status} ${conn.tail}`);
    const agent = async (name: string, grants: unknown[]) => {
      let body = '';
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/admin/agents',
            method: 'POST',
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          },
          (res) => {
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ name }));
      });
      const { id, apiKey } = JSON.parse(body) as { id: string; apiKey: string };
      const put = await call(port, adminToken, 'PUT', `/v1/admin/agents/${id}/grants`, { grants });
      if (put.status !== 200) throw new Error(`grants: ${put.status} ${put.tail}`);
      return apiKey;
    };
    const reader = await agent('reader', [{ connection: 'mem', table: '*', actions: ['read'] }]);
    const exporter = await agent('exporter', [
      {
        connection: 'mem',
        table: '*',
        actions: ['read', 'export'],
        exportLimits: { maxBytes: 128 * MB },
      },
    ]);
    const step = async (
      name: string,
      key: string,
      body: Record<string, unknown>,
      accept?: string,
    ) => {
      const before = await rssOf(proc);
      const r = await call(port, key, 'POST', '/v1/query', { connection: 'mem', ...body }, accept);
      const after = await rssOf(proc);
      let rows: number | null = null;
      const m = /"rowCount":(\d+)/.exec(r.tail);
      if (m) rows = Number(m[1]);
      out.push({
        dialect,
        step: name,
        status: r.status,
        rows,
        mbSent: Math.round((r.bytes / MB) * 10) / 10,
        rssBeforeMb: Math.round(before.rssMb),
        rssAfterMb: Math.round(after.rssMb),
        maxRssMb: Math.round(after.maxRssMb),
      });
    };
    await step('large values, 10 MB cap', reader, {
      sql: 'SELECT id, body FROM blobs ORDER BY id',
    });
    await step('export without grant', reader, {
      sql: 'SELECT id, body FROM blobs ORDER BY id',
      maxRows: 100_000,
    });
    await step(
      'export with grant (128 MB)',
      exporter,
      { sql: 'SELECT id, body FROM blobs ORDER BY id', maxRows: 100_000 },
      'application/x-ndjson',
    );
  } finally {
    proc.send('stop');
    await new Promise((r) => proc.once('exit', r));
    await unseed(dialect).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Server RSS before and after a large-value query and an export attempt, per dialect; prints a table and returns it. */
export async function memoryFigures(
  dialects: Dialect[] = (process.env.BENCH_DIALECTS ?? 'postgres,mysql,sqlite').split(
    ',',
  ) as Dialect[],
): Promise<MemoryFigure[]> {
  const all: MemoryFigure[] = [];
  for (const d of dialects) {
    try {
      all.push(...(await measure(d)));
    } catch (e) {
      console.log(`memory: ${d} skipped: ${(e as Error).message}`);
    }
  }
  console.log(
    `\nServer memory with ${ROWS} rows of ${VALUE / MB} MB values (RSS in MB, the server process's own)`,
  );
  console.table(all);
  return all;
}

// Only when run as a script (or as this file's server child), never when imported.
if (process.argv[1] === self) {
  if (process.argv[2] === 'server') await server();
  else await memoryFigures();
}
