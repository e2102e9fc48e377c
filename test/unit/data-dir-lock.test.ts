import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/main/store/data-dir-lock';
import { StoreError } from '../../src/main/store/store-error';
import { tempDir } from '../helpers/harness';

describe('data directory lock', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = () => {
    const d = tempDir('airlock-lock-');
    dirs.push(d);
    return d;
  };

  it('admits one holder at a time and names it', () => {
    const d = dir();
    const release = lockDataDir(d, 'serve');
    expect(JSON.parse(readFileSync(join(d, 'airlock.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      what: 'serve',
    });
    expect(() => lockDataDir(d, 'eval')).toThrow(StoreError);
    release();
    expect(existsSync(join(d, 'airlock.lock'))).toBe(false);
    lockDataDir(d, 'eval')();
  });

  it('refuses while another live process holds it, with its pid', () => {
    const d = dir();
    // The parent of this test process is alive for the whole test.
    writeFileSync(
      join(d, 'airlock.lock'),
      JSON.stringify({ pid: process.ppid, what: 'serve --data-dir x' }),
    );
    expect(() => lockDataDir(d, 'eval')).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it('takes over a lock left by a process that is gone', () => {
    const d = dir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(
      join(d, 'airlock.lock'),
      JSON.stringify({ pid: Number(gone.stdout), what: 'serve' }),
    );
    const release = lockDataDir(d, 'serve');
    expect(JSON.parse(readFileSync(join(d, 'airlock.lock'), 'utf8')).pid).toBe(process.pid);
    release();
  });
});
