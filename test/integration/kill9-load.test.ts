/**
 * Durability under a crash: `bin/airlock serve` as a real process, agents querying it
 * concurrently over loopback HTTP, SIGKILL in the middle of the load, a restart on the same
 * data directory. Every answer that carried an `auditId` was a promise that the entry is on
 * disk: each one must be in the store after the restart, and `airlock audit verify` must
 * exit 0. Prints acknowledged / lost.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/store/open-store';
import { fileKeyProvider } from '../../src/main/store/key-file';
import { ROOT, startServe } from '../e2e/browser-env';
import { httpCall } from '../helpers/http-call';

const AIRLOCK = join(ROOT, 'bin/airlock');
const AGENTS = 6;
/** Requests in flight per agent: the per-agent concurrency limit (2) is the load's shape. */
const PER_AGENT = 2;
/** Acknowledged answers before the kill. */
const TARGET = 300;

const children: ChildProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'airlock-kill9-'));
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.AIRLOCK_STORE_KEY;
  delete e.AIRLOCK_HOME;
  return e;
}

async function serve(): Promise<{ child: ChildProcess; port: number; exited: Promise<unknown> }> {
  const running = await startServe(dataDir);
  children.push(running.child);
  const exited = new Promise((resolve) => {
    if (running.child.exitCode !== null || running.child.signalCode !== null) resolve(undefined);
    else running.child.once('exit', resolve);
  });
  return { child: running.child, port: Number(new URL(running.base).port), exited };
}

async function call(
  port: number,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const a = await httpCall(port, method, path, token, body);
  try {
    return { status: a.status, json: JSON.parse(a.body) as Record<string, unknown> };
  } catch {
    throw new Error(`not JSON (${a.status}): ${a.body.slice(0, 200)}`);
  }
}

describe('kill -9 under concurrent load', { timeout: 300_000 }, () => {
  it('loses no acknowledged audit entry, and the chain verifies after the restart', async () => {
    const first = await serve();
    const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const keys: string[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const c = await call(first.port, 'POST', '/v1/admin/agents', admin, { name: `load-${i}` });
      expect(c.status).toBe(201);
      const g = await call(
        first.port,
        'PUT',
        `/v1/admin/agents/${String(c.json.id)}/grants`,
        admin,
        {
          grants: [{ connection: 'demo', table: 'products', actions: ['read'] }],
        },
      );
      expect(g.status).toBe(200);
      keys.push(String(c.json.apiKey));
    }

    const acknowledged = new Set<number>();
    const statuses = new Map<string, number>();
    let failedInFlight = 0;
    let killed = false;
    const loop = async (key: string, n: number) => {
      for (let i = 0; !killed; i++) {
        try {
          const r = await call(first.port, 'POST', '/v1/query', key, {
            connection: 'demo',
            sql: `SELECT id, name FROM products WHERE id > ${(n * 7 + i) % 20} LIMIT 3`,
          });
          const tag = `${r.status}${r.json.error ? ` ${(r.json.error as { code: string }).code}` : ''}`;
          statuses.set(tag, (statuses.get(tag) ?? 0) + 1);
          // Allowed or refused, an answer with an auditId says the entry is durable.
          if (typeof r.json.auditId === 'number') acknowledged.add(r.json.auditId);
        } catch {
          failedInFlight++;
          if (!killed) await new Promise((r) => setTimeout(r, 10));
        }
      }
    };
    const loops = keys.flatMap((k, a) =>
      Array.from({ length: PER_AGENT }, (_, j) => loop(k, a * PER_AGENT + j)),
    );
    // Mid-load: once the answers flow (a cold, loaded machine starts slowly), at a moment of its own.
    const until = Date.now() + 90_000;
    while (acknowledged.size < TARGET && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 200)));
    first.child.kill('SIGKILL');
    await first.exited;
    killed = true;
    await Promise.all(loops);
    expect(acknowledged.size, JSON.stringify([...statuses])).toBeGreaterThan(TARGET / 2);

    // Restart on the same data directory: the stale lock of the killed process is taken over.
    const second = await serve();
    const afterRestart = await call(second.port, 'POST', '/v1/query', keys[0]!, {
      connection: 'demo',
      sql: 'SELECT 1 AS one',
    });
    expect(afterRestart.status).toBe(200);
    second.child.kill('SIGTERM');
    await second.exited;

    const { db } = await openStore(dataDir, fileKeyProvider(dataDir));
    const present = new Set(
      db
        .prepare<[], { id: number }>('SELECT id FROM audit_log')
        .all()
        .map((r) => r.id),
    );
    db.close();
    const lost = [...acknowledged].filter((id) => !present.has(id));

    const verify = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        AIRLOCK,
        ['audit', 'verify', '--data-dir', dataDir],
        { cwd: ROOT, env: env(), timeout: 120_000 },
        (e, stdout, stderr) =>
          resolve({
            code: e ? (typeof e.code === 'number' ? e.code : -1) : 0,
            out: `${stdout}${stderr}`,
          }),
      ),
    );
    const answered = [...statuses.entries()].map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(
      `kill9-load: acknowledged ${acknowledged.size}, lost ${lost.length}, in flight at the kill ${failedInFlight}; answers ${answered}; verify exit ${verify.code}`,
    );
    expect(lost).toEqual([]);
    expect(verify.code, verify.out).toBe(0);
  });
});
