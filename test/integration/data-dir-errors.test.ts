/**
 * Data-directory mistakes (issue 10, finding 11) are told plainly, through the real command
 * line: a file where the directory should be, a directory or admin.token this user may not
 * read, and `audit verify` on a store it may not read — never Node's raw `EEXIST … mkdir` or
 * `EACCES … open`, and never "no Airlock store" for a store that is there.
 *
 * Permission cases run the command as another user (`nobody`) when the tests run as root, for
 * whom no mode bit is a barrier; as any other user, the modes alone make the case.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AIRLOCK = join(ROOT, 'bin/airlock');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'airlock-datadir-'));
  dirs.push(d);
  // The other user must reach into the temp folder to meet the one barrier under test.
  chmodSync(d, 0o755);
  return d;
}

function airlock(args: string[], opts: { other?: boolean; env?: Record<string, string> } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete env.AIRLOCK_HOME;
  if (!opts.env?.AIRLOCK_STORE_KEY) delete env.AIRLOCK_STORE_KEY;
  const r = spawnSync(AIRLOCK, args, {
    cwd: ROOT,
    env: opts.other && asRoot ? { ...env, HOME: '/tmp' } : env,
    encoding: 'utf8',
    timeout: 90_000,
    ...(opts.other && asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const RAW = /EEXIST|EACCES|ENOTDIR|EPERM|mkdir '|open '/;
const KEY = { AIRLOCK_STORE_KEY: 'ab'.repeat(32) };

describe('data-directory mistakes', { timeout: 120_000 }, () => {
  it('a file where the data directory should be', () => {
    const file = join(dir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = airlock(['serve', '--data-dir', file, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${file} (or a folder above it) is a file, not a directory`);
    expect(r.out).not.toMatch(RAW);
    // …or above it.
    const below = airlock(['serve', '--data-dir', join(file, 'data'), '--port', '0']);
    expect(below.code).toBe(2);
    expect(below.out).toMatch(/is a file, not a directory/);
    expect(below.out).not.toMatch(RAW);
  });

  it('a data directory this user may not use', () => {
    const d = join(dir(), 'data');
    mkdirSync(d, { mode: 0o700 });
    if (!asRoot) chmodSync(d, 0o000);
    const r = airlock(['serve', '--data-dir', d, '--port', '0'], { other: true, env: KEY });
    if (!asRoot) chmodSync(d, 0o700);
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      `the data directory ${d} cannot be read or written by this user (permission denied)`,
    );
    expect(r.out).not.toMatch(RAW);
  });

  it('an admin.token this user may not read', () => {
    const d = join(dir(), 'data');
    mkdirSync(d, { mode: 0o700 });
    const token = join(d, 'admin.token');
    writeFileSync(token, `adm_${'t'.repeat(40)}\n`, { mode: 0o600 });
    if (asRoot) chownSync(d, NOBODY, NOBODY);
    else chmodSync(token, 0o000);
    const r = airlock(['serve', '--data-dir', d, '--port', '0'], { other: true, env: KEY });
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      `the admin token ${token} cannot be read or written by this user (permission denied)`,
    );
    expect(r.out).not.toMatch(RAW);
  });

  it('`audit verify` on a store this user may not read says so, not "no Airlock store"', () => {
    const d = join(dir(), 'data');
    // A real store first, made by this user.
    const made = airlock(['audit', 'verify', '--data-dir', d], { env: KEY });
    expect(made.out).toMatch(/no Airlock store/);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    writeFileSync(join(d, 'airlock.db'), 'not empty', { mode: 0o600 });
    if (!asRoot) chmodSync(join(d, 'airlock.db'), 0o000);
    const r = airlock(['audit', 'verify', '--data-dir', d], { other: true, env: KEY });
    expect(r.code).toBe(2);
    expect(r.out).not.toMatch(/no Airlock store/);
    expect(r.out).toMatch(/cannot be read or written by this user \(permission denied\)/);
    expect(r.out).not.toMatch(RAW);
  });
});
