/**
 * The JSON-lines log (src/main/ops/log.ts): sensitive keys censored at the top level and one
 * level down, request lines passed through as they are, and lines gathered in memory all on
 * disk after flush() — what a clean stop awaits — and after a quiet second without one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_FILE, fileLogger, redactLine } from '../../src/main/ops/log';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'airlock-log-'));
  dirs.push(d);
  return d;
};
const lines = (dir: string) =>
  readFileSync(join(dir, 'logs', LOG_FILE), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('redactLine', () => {
  it('censors sensitive keys at the top level and one level down, in a copy', () => {
    const line = {
      token: 't-secret',
      apiKey: 'k-secret',
      req: { authorization: 'Bearer b-secret', cookie: 'c-secret', path: '/v1/query' },
      query: { params: ['p-secret'], key: 'x-secret' },
      list: [1, 2],
    };
    const out = redactLine(line);
    expect(out).toEqual({
      token: '[redacted]',
      apiKey: '[redacted]',
      req: { authorization: '[redacted]', cookie: '[redacted]', path: '/v1/query' },
      query: { params: '[redacted]', key: '[redacted]' },
      list: [1, 2],
    });
    expect(line.token).toBe('t-secret'); // the caller's object is left alone
    expect(JSON.stringify(out)).not.toMatch(/secret/);
  });

  it('passes a line with nothing sensitive through as it is', () => {
    const line = { reqId: 'r', method: 'POST', route: '/v1/query', status: 200, ms: 1.5 };
    expect(redactLine(line)).toBe(line);
  });
});

describe('fileLogger', () => {
  it('writes every gathered line by the time flush() calls back, censored', async () => {
    const dir = dataDir();
    const log = fileLogger(dir);
    for (let i = 0; i < 1000; i++) log.info({ n: i, password: 'pw-secret' }, 'request');
    await new Promise<void>((done) => log.flush(() => done()));
    const got = lines(dir);
    expect(got.map((l) => l.n)).toEqual([...Array(1000).keys()]);
    expect(got[0]).toMatchObject({ msg: 'request', app: 'airlock', password: '[redacted]' });
    expect(readFileSync(join(dir, 'logs', LOG_FILE), 'utf8')).not.toContain('pw-secret');
  });

  it('writes a few lines of a quiet log within a second or so without a flush', async () => {
    const dir = dataDir();
    const log = fileLogger(dir);
    log.info({ n: 1 }, 'quiet');
    await new Promise((r) => setTimeout(r, 1600));
    expect(lines(dir)).toMatchObject([{ n: 1, msg: 'quiet' }]);
  });
});
