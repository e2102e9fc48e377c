/**
 * `bin/airlock serve` as a real child process on a real port, driven over real HTTP.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { chmodSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AIRLOCK = join(ROOT, 'bin/airlock');

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('AIRLOCK_STORE_KEY' in extra)) delete env.AIRLOCK_STORE_KEY;
  if (!('AIRLOCK_HOME' in extra)) delete env.AIRLOCK_HOME;
  return env;
}

interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of running.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serve(
  dataDir: string,
  extraEnv: Record<string, string> = {},
  cwd = ROOT,
): Promise<Server> {
  const child = spawn(AIRLOCK, ['serve', '--data-dir', dataDir, '--port', '0'], {
    cwd,
    env: childEnv(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`serve did not print its address in time\nstdout: ${out}\nstderr: ${err}`),
        ),
      45_000,
    );
    const check = () => {
      const m = /UI and API:\s+(http:\/\/127\.0\.0\.1:(\d+))\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          port: Number(m[2]),
          stdout: () => out,
          stderr: () => err,
          exited,
        });
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (${code ?? signal})\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

async function stop(s: Server) {
  s.child.kill('SIGTERM');
  return s.exited;
}

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      AIRLOCK,
      args,
      { cwd: ROOT, env: childEnv(env), timeout: 60_000 },
      (e, stdout, stderr) => {
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

const mode = (p: string) => statSync(p).mode & 0o777;

function rawStatus(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/health', headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Each case starts real processes; on a loaded 2-core machine a start can take several seconds.
describe('airlock serve', { timeout: 120_000 }, () => {
  it('starts on a free port, serves the API, creates its files 0600, stops cleanly on SIGTERM, and reuses the store', async () => {
    const dataDir = tempDir('airlock-serve-');
    dirs.push(dataDir);
    const s = await serve(dataDir);
    expect(s.port).toBeGreaterThan(0);
    expect(s.port).not.toBe(7717);
    expect(s.stdout()).toContain(`Data:         ${dataDir}`);
    expect(s.stdout()).toContain(join(dataDir, 'admin.token'));

    const health = await fetch(`${s.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: '0.1.0' });
    expect(health.headers.get('x-frame-options')).toBe('DENY');

    // Only loopback names with the right port (fetch cannot set Host; node:http can).
    expect(await rawStatus(s.port, `evil.com:${s.port}`)).toBe(403);
    expect(await rawStatus(s.port, `localhost:${s.port}`)).toBe(200);
    expect(await rawStatus(s.port, `127.0.0.1:7717`)).toBe(403);

    for (const f of ['admin.token', 'store.key', 'airlock.db']) {
      expect(existsSync(join(dataDir, f)), f).toBe(true);
      expect(mode(join(dataDir, f)), f).toBe(0o600);
    }
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    const auth = { authorization: `Bearer ${token}` };

    const conns = await fetch(`${s.url}/v1/admin/connections`, { headers: auth });
    expect(conns.status).toBe(200);
    const demo = (
      (await conns.json()) as { connections: { name: string; kind: string }[] }
    ).connections.find((c) => c.name === 'demo');
    expect(demo).toMatchObject({ name: 'demo', kind: 'sqlite' });

    const created = await fetch(`${s.url}/v1/admin/agents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'persisted' }),
    });
    expect(created.status).toBe(201);
    const { id, apiKey } = (await created.json()) as { id: string; apiKey: string };
    const grant = await fetch(`${s.url}/v1/admin/agents/${id}/grants`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        grants: [{ connection: 'demo', table: 'orders', actions: ['read'] }],
      }),
    });
    expect(grant.status).toBe(200);
    const q = await fetch(`${s.url}/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        connection: 'demo',
        sql: 'SELECT id FROM orders WHERE id = ?',
        params: [1],
      }),
    });
    expect(q.status).toBe(200);
    const agentsBefore = await (await fetch(`${s.url}/v1/admin/agents`, { headers: auth })).json();

    const exit = await stop(s);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(s.stdout()).toContain('Stopping');
    expect(s.stderr()).toBe('');
    const keyBefore = readFileSync(join(dataDir, 'store.key'), 'utf8');

    // Second start on the same directory: same store, same key, same token, same agents.
    const again = await serve(dataDir);
    try {
      expect(readFileSync(join(dataDir, 'store.key'), 'utf8')).toBe(keyBefore);
      expect(readFileSync(join(dataDir, 'admin.token'), 'utf8').trim()).toBe(token);
      const agentsAfter = (await (
        await fetch(`${again.url}/v1/admin/agents`, { headers: auth })
      ).json()) as { agents: { id: string; name: string; revokedAt: string | null }[] };
      expect(agentsAfter).toEqual(agentsBefore);
      expect(agentsAfter.agents.map((a) => a.name)).toEqual(['persisted']);
      // The key issued by the first run still works; the demo connection was not added twice.
      const q2 = await fetch(`${again.url}/v1/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          connection: 'demo',
          sql: 'SELECT id FROM orders WHERE id = ?',
          params: [2],
        }),
      });
      expect(q2.status).toBe(200);
      const list = (await (
        await fetch(`${again.url}/v1/admin/connections`, { headers: auth })
      ).json()) as { connections: { name: string }[] };
      expect(list.connections.filter((c) => c.name === 'demo')).toHaveLength(1);
    } finally {
      expect(await stop(again)).toEqual({ code: 0, signal: null });
    }

    // The audit of both runs is one intact chain.
    const verified = await run(['audit', 'verify', '--data-dir', dataDir]);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('works when started from another directory (the runner finds tsx from its own location)', async () => {
    const dataDir = tempDir('airlock-serve-cwd-');
    dirs.push(dataDir);
    const s = await serve(dataDir, {}, tmpdir());
    try {
      const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
      const res = await fetch(`${s.url}/v1/admin/connections`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect(
        ((await res.json()) as { connections: { name: string }[] }).connections.map((c) => c.name),
      ).toContain('demo');
    } finally {
      expect(await stop(s)).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses a second Airlock on a data directory in use, naming the first', async () => {
    const dataDir = tempDir('airlock-serve-twice-');
    dirs.push(dataDir);
    const first = await serve(dataDir);
    try {
      const second = await run(['serve', '--data-dir', dataDir, '--port', '0']);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`pid ${first.child.pid}`);
      expect((await fetch(`${first.url}/v1/health`)).status).toBe(200);
    } finally {
      expect(await stop(first)).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses an admin.token that other users can read', async () => {
    const dataDir = tempDir('airlock-serve-token-');
    dirs.push(dataDir);
    const first = await serve(dataDir);
    expect(await stop(first)).toEqual({ code: 0, signal: null });
    chmodSync(join(dataDir, 'admin.token'), 0o644);
    const refused = await run(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/admin\.token.*chmod 600/);
  });

  it('with AIRLOCK_STORE_KEY set, no store.key is written', async () => {
    const dataDir = tempDir('airlock-serve-env-');
    dirs.push(dataDir);
    const key = 'ab'.repeat(32);
    const s = await serve(dataDir, { AIRLOCK_STORE_KEY: key });
    try {
      expect((await fetch(`${s.url}/v1/health`)).status).toBe(200);
      expect(existsSync(join(dataDir, 'store.key'))).toBe(false);
      expect(mode(join(dataDir, 'admin.token'))).toBe(0o600);
    } finally {
      expect(await stop(s)).toEqual({ code: 0, signal: null });
    }
    // And the store opens only with that key.
    const wrong = await run(['serve', '--data-dir', dataDir, '--port', '0'], {
      AIRLOCK_STORE_KEY: 'cd'.repeat(32),
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/key/);
    expect(wrong.stderr).not.toMatch(/^\s{4}at /m);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s sent the moment the address is printed still stops it cleanly (exit 0)',
    async (signal) => {
      for (let i = 0; i < 3; i++) {
        const dataDir = tempDir('airlock-serve-sig-');
        dirs.push(dataDir);
        const s = await serve(dataDir);
        s.child.kill(signal);
        expect(await s.exited, `attempt ${i + 1}: ${s.stdout()}`).toEqual({
          code: 0,
          signal: null,
        });
        expect(s.stdout()).toContain('Stopping');
      }
    },
  );

  it('a port in use is a clear error', async () => {
    const dataDir = tempDir('airlock-serve-busy-');
    dirs.push(dataDir);
    const s = await serve(dataDir);
    try {
      const other = tempDir('airlock-serve-busy2-');
      dirs.push(other);
      const r = await run(['serve', '--data-dir', other, '--port', String(s.port)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/already in use/);
      expect(r.stderr).not.toMatch(/^\s{4}at /m);
    } finally {
      await stop(s);
    }
  });
});

describe('airlock help and usage', () => {
  it.each([
    [['--help'], /Usage: airlock <command>/],
    [['help'], /Usage: airlock <command>/],
    [['serve', '--help'], /Usage: airlock serve/],
    [['serve', '-h'], /Usage: airlock serve/],
    [['audit', 'verify', '--help'], /Usage: airlock audit verify/],
    [['audit', '--help'], /Usage: airlock audit verify/],
  ])('%j exits 0 with help', async (args, pattern) => {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });

  it('--version prints the version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  });

  it.each([
    [['frobnicate']],
    [[]],
    [['serve', '--bogus']],
    [['serve', '--port']],
    [['serve', '--port', 'abc']],
    [['serve', '--port', '70000']],
    [['audit']],
  ])('%j is a usage error: exit 2, no stack trace', async (args) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(`${r.stdout}${r.stderr}`.trim().length).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
  });

  it('an unknown command names itself', async () => {
    const r = await run(['frobnicate']);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
