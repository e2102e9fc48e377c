/**
 * Browser mode end to end, without a browser: `bin/airlock serve` prints a working sign-in
 * link, `bin/airlock login-link` gets another from the running server, and the server hands
 * client-side routes to the single-page app.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { HOST, TEST_PORT, startTestAirlock, tempDir } from '../helpers/harness';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AIRLOCK = join(ROOT, 'bin/airlock');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.AIRLOCK_STORE_KEY;
  delete e.AIRLOCK_HOME;
  return e;
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(AIRLOCK, args, { cwd: ROOT, env: env(), timeout: 60_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Starts `serve` on a free port; resolves once it printed its sign-in link. */
function serve(
  dataDir: string,
): Promise<{ child: ChildProcess; port: number; link: string; exited: Promise<number | null> }> {
  const child = spawn(AIRLOCK, ['serve', '--data-dir', dataDir, '--port', '0'], {
    cwd: ROOT,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not start\n${out}\n${err}`)),
      45_000,
    );
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Sign in:\s+(http:\/\/127\.0\.0\.1:(\d+)\/login\?token=[A-Za-z0-9_-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[2]), link: m[1]!, exited });
      }
    });
  });
}

/** Opens a link like a browser would (without following the redirect); returns the cookie. */
async function open(link: string): Promise<{ status: number; cookie: string | null }> {
  const res = await fetch(link, { redirect: 'manual' });
  const set = res.headers.get('set-cookie');
  return { status: res.status, cookie: set ? set.split(';')[0]! : null };
}

async function systemInfo(port: number, cookie: string) {
  return fetch(`http://127.0.0.1:${port}/v1/ui/systemInfo`, {
    method: 'POST',
    headers: {
      cookie,
      'x-airlock-ui': '1',
      'content-type': 'application/json',
      origin: `http://127.0.0.1:${port}`,
    },
    body: '{}',
  });
}

describe('airlock serve and airlock login-link', () => {
  it('serve prints a one-time sign-in link; login-link issues another from the running server', async () => {
    const dataDir = tempDir('airlock-ui-serve-');
    dirs.push(dataDir);
    const s = await serve(dataDir);
    try {
      const first = await open(s.link);
      expect(first.status).toBe(303);
      expect(first.cookie).toMatch(/^airlock_session=/);
      const info = await systemInfo(s.port, first.cookie!);
      expect(info.status).toBe(200);
      expect(await info.json()).toMatchObject({
        shell: 'browser',
        dataDir,
        url: `http://127.0.0.1:${s.port}`,
      });
      expect((await open(s.link)).status).toBe(401);

      const fresh = await run(['login-link', '--data-dir', dataDir, '--port', String(s.port)]);
      expect(fresh.code, fresh.stderr).toBe(0);
      const url = fresh.stdout.trim();
      expect(url).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:${s.port}/login\\?token=[A-Za-z0-9_-]{43}$`),
      );
      const second = await open(url);
      expect(second.status).toBe(303);
      expect((await systemInfo(s.port, second.cookie!)).status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
  });

  it('login-link explains what is wrong when nothing answers or the data dir has no token', async () => {
    const dataDir = tempDir('airlock-ui-link-');
    dirs.push(dataDir);
    const none = await run(['login-link', '--data-dir', dataDir, '--port', '1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no admin token/);
    writeFileSync(join(dataDir, 'admin.token'), `adm_${'x'.repeat(43)}\n`, { mode: 0o600 });
    const down = await run(['login-link', '--data-dir', dataDir, '--port', '1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/not answering on http:\/\/127\.0\.0\.1:1/);
    expect((await run(['login-link', '--port', 'x'])).code).toBe(2);
    const help = await run(['login-link', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/one-time login link/);
    expect((await run(['--help'])).stdout).toMatch(/login-link/);
  });
});

describe('the single-page app', () => {
  it('client routes get index.html; API paths, files and other methods do not', async () => {
    const t = await startTestAirlock();
    const renderer = tempDir('airlock-renderer-');
    dirs.push(renderer);
    mkdirSync(join(renderer, 'assets'));
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Airlock UI</title>');
    writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
    const app = await buildServer({
      core: t.core,
      adminToken: t.adminToken,
      port: TEST_PORT,
      rendererDir: renderer,
    });
    const get = (url: string, method: 'GET' | 'POST' = 'GET') =>
      app.inject({ method, url, headers: { host: HOST } });
    try {
      for (const url of ['/', '/agents', '/agents/3f2a/grants', '/audit?status=denied']) {
        const r = await get(url);
        expect(r.statusCode, url).toBe(200);
        expect(r.body).toContain('Airlock UI');
        expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
      }
      expect((await get('/agents')).headers['cache-control']).toBe('no-cache');
      expect((await get('/assets/app.js')).body).toBe('console.log(1)');
      for (const url of ['/assets/missing.js', '/v1/nope', '/v1/ui/nope', '/favicon.ico']) {
        const r = await get(url);
        expect(r.statusCode, url).toBe(404);
        expect(r.headers['content-type']).toMatch(/application\/json/);
      }
      expect((await get('/agents', 'POST')).statusCode).toBe(404);
    } finally {
      await app.close();
      await t.close();
    }
  });
});
