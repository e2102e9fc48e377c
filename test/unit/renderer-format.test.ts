import { describe, expect, it } from 'vitest';
import { buildUrl, redactUrl } from '../../src/renderer/src/lib/connection-url';
import { curlExample } from '../../src/renderer/src/lib/curl-example';
import { formatBytes, formatMs, plural, relativeTime } from '../../src/renderer/src/lib/format';
import { remember, type HistoryEntry } from '../../src/renderer/src/lib/query-history';
import { timeBounds } from '../../src/renderer/src/lib/time-range';

describe('formatting', () => {
  it('durations, sizes and counts', () => {
    expect(formatMs(0.4)).toBe('<1 ms');
    expect(formatMs(35.2)).toBe('35 ms');
    expect(formatMs(1530)).toBe('1.53 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(100000, 'row')).toBe('100,000 rows');
  });

  it('relative times', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(relativeTime(null, now)).toBe('never');
    expect(relativeTime('2024-05-01T11:59:30Z', now)).toBe('just now');
    expect(relativeTime('2024-05-01T11:30:00Z', now)).toBe('30 min ago');
    expect(relativeTime('2024-05-01T09:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime('2024-04-30T10:00:00Z', now)).toBe('yesterday');
  });
});

describe('connection URLs', () => {
  it('percent-encodes credentials and applies the port', () => {
    expect(
      buildUrl('postgres', {
        host: 'db.local',
        port: '5432',
        database: 'sales',
        user: 'rd',
        password: 'p@ss:w/rd',
      }),
    ).toBe('postgresql://rd:p%40ss%3Aw%2Frd@db.local:5432/sales');
    expect(buildUrl('mysql', { host: '', port: '', database: '', user: '', password: '' })).toBe(
      'mysql://127.0.0.1',
    );
    expect(
      buildUrl('mongodb', { host: '::1', port: '27017', database: 'app', user: '', password: '' }),
    ).toBe('mongodb://[::1]:27017/app');
  });
  it('redacts passwords for display', () => {
    expect(redactUrl('postgresql://rd:secret@db:5432/sales')).toBe(
      'postgresql://rd:•••@db:5432/sales',
    );
    expect(redactUrl('mysql://127.0.0.1/x')).toBe('mysql://127.0.0.1/x');
  });
});

describe('curl example', () => {
  it('is a paste-ready request with the key and a shell-safe body', () => {
    const text = curlExample('http://127.0.0.1:7717', 'alk_abc', 'demo', "SELECT 'x'");
    expect(text).toContain("-H 'Authorization: Bearer alk_abc'");
    expect(text).toContain(`-d '{"connection":"demo","sql":"SELECT '\\''x'\\''"}'`);
  });
});

describe('audit time ranges', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('named ranges end now', () => {
    expect(timeBounds('all', {}, now)).toEqual({});
    expect(timeBounds('24h', {}, now)).toEqual({ from: '2024-04-30T12:00:00.000Z' });
  });
  it('custom ranges take local date-times and ignore blanks', () => {
    const b = timeBounds('custom', { from: '2024-05-01T08:00', to: '' }, now);
    expect(Object.keys(b)).toEqual(['from']);
    expect(new Date(b.from!).getTime()).toBe(new Date('2024-05-01T08:00').getTime());
  });
});

describe('query history', () => {
  const entry = (sql: string, at: string): HistoryEntry => ({
    sql,
    connection: 'demo',
    asAgent: null,
    at,
    result: 'ok',
    rows: 1,
  });
  it('puts the newest first, moves a repeated statement up instead of repeating it, and keeps at most max', () => {
    let h: HistoryEntry[] = [];
    h = remember(h, entry('SELECT 1', 't1'));
    h = remember(h, entry('SELECT 2', 't2'));
    h = remember(h, entry('SELECT 1', 't3'));
    expect(h.map((e) => [e.sql, e.at])).toEqual([
      ['SELECT 1', 't3'],
      ['SELECT 2', 't2'],
    ]);
    for (let i = 0; i < 10; i++) h = remember(h, entry(`SELECT ${i + 10}`, `u${i}`), 5);
    expect(h).toHaveLength(5);
    expect(h[0]!.sql).toBe('SELECT 19');
  });
  it('keeps the same statement run as an agent apart from the analyst’s own run', () => {
    const mine = entry('SELECT 1', 't1');
    const asAgent = { ...mine, asAgent: 'bot', at: 't2' };
    expect(remember([mine], asAgent)).toHaveLength(2);
  });
});
