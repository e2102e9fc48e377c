/**
 * The sliding-window limiter, driven by an injected clock: no sleeping, exact times.
 */
import { describe, expect, it } from 'vitest';
import {
  SlidingWindowLimiter,
  type RateDecision,
  type RateLimit,
} from '../../src/main/ratelimit/sliding-window';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** A time that starts a minute, an hour and a day, so window boundaries are easy to reason about. */
const T0 = 20_000 * 86_400_000;

function clock(start = T0) {
  let t = start;
  return {
    now: () => t,
    set: (v: number) => {
      t = v;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function takeN(l: SlidingWindowLimiter, key: string, n: number): RateDecision[] {
  return Array.from({ length: n }, () => l.take(key));
}

const refused = (d: RateDecision) => {
  if (d.ok) throw new Error('expected a refusal');
  return d;
};

describe('SlidingWindowLimiter', () => {
  const perMinute = (max: number): RateLimit[] => [{ windowMs: MINUTE, max, label: 'minute' }];

  it('admits up to max, then refuses with retryAfterSec ≥ 1 and the limit that refused', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(perMinute(5), c.now);
    expect(takeN(l, 'a', 5).every((d) => d.ok)).toBe(true);
    const d = refused(l.take('a'));
    expect(d.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(d.retryAfterSec)).toBe(true);
    expect(d.limit).toEqual({ windowMs: MINUTE, max: 5, label: 'minute' });
  });

  it('keeps refusing while the window is full: refused requests are not counted, and do not reset anything', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(perMinute(3), c.now);
    takeN(l, 'a', 3);
    for (let i = 0; i < 20; i++) {
      c.advance(1000);
      expect(l.take('a').ok).toBe(false);
    }
  });

  it('retryAfterSec is never more than needed: refused until just before, admitted after', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(perMinute(10), c.now);
    c.advance(15_000);
    takeN(l, 'a', 10);
    const d = refused(l.take('a'));
    // The window's count must fall: at the latest once this window (45 s left) has slid past.
    expect(d.retryAfterSec).toBeLessThanOrEqual(60 + 45);
  });

  it('a client that waits Retry-After seconds is admitted (full current window)', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(perMinute(10), c.now);
    takeN(l, 'a', 10);
    const d = refused(l.take('a'));
    c.advance(d.retryAfterSec * 1000);
    expect(l.take('a')).toEqual({ ok: true });
  });

  it('a client that waits Retry-After seconds is admitted (weighted previous window)', () => {
    for (const into of [0, 1_000, 20_000, 45_000, 59_000, 59_999]) {
      const c = clock();
      const l = new SlidingWindowLimiter(perMinute(10), c.now);
      takeN(l, 'a', 10);
      c.set(T0 + MINUTE + into);
      // Fill whatever the weighted previous window leaves free.
      let d = l.take('a');
      while (d.ok) d = l.take('a');
      const wait = refused(d).retryAfterSec;
      c.advance(wait * 1000);
      expect(l.take('a').ok, `${into} ms into the window: told to retry after ${wait} s`).toBe(
        true,
      );
    }
  });

  it('a client that waits Retry-After seconds is admitted (partly used current window, several starts)', () => {
    for (const start of [0, 10_000, 30_000, 59_000]) {
      for (const max of [1, 3, 10]) {
        const c = clock();
        const l = new SlidingWindowLimiter(perMinute(max), c.now);
        c.advance(start);
        takeN(l, 'a', max);
        const wait = refused(l.take('a')).retryAfterSec;
        c.advance(wait * 1000);
        expect(l.take('a').ok, `start ${start} ms, max ${max}: told to retry after ${wait} s`).toBe(
          true,
        );
      }
    }
  });

  it('weights the previous window by how much of it still overlaps', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(perMinute(10), c.now);
    expect(takeN(l, 'a', 10).every((d) => d.ok)).toBe(true);

    // At the very start of the next window the previous one still counts in full.
    c.set(T0 + MINUTE);
    expect(l.take('a').ok).toBe(false);

    // Half-way through, the previous window counts for 5: five more are admitted, not ten.
    c.set(T0 + MINUTE + 30_000);
    const admitted = takeN(l, 'a', 10).filter((d) => d.ok).length;
    expect(admitted).toBe(5);

    // 90 % through: the previous window counts 1, the current 5 → 4 more.
    c.set(T0 + MINUTE + 54_000);
    expect(takeN(l, 'a', 10).filter((d) => d.ok).length).toBe(4);
  });

  it('forgets a window that is more than one window old', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(perMinute(10), c.now);
    takeN(l, 'a', 10);
    c.set(T0 + 2 * MINUTE);
    expect(takeN(l, 'a', 11).filter((d) => d.ok).length).toBe(10);
  });

  it('keeps separate keys independent', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(perMinute(2), c.now);
    takeN(l, 'a', 2);
    expect(l.take('a').ok).toBe(false);
    expect(l.take('b').ok).toBe(true);
    expect(l.take('b').ok).toBe(true);
    expect(l.take('b').ok).toBe(false);
    expect(l.take('c').ok).toBe(true);
    expect(l.take('a').ok).toBe(false);
  });

  it('enforces every window: the minute first, then the hour', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(
      [
        { windowMs: MINUTE, max: 5, label: 'minute' },
        { windowMs: HOUR, max: 8, label: 'hour' },
      ],
      c.now,
    );
    expect(takeN(l, 'a', 5).every((d) => d.ok)).toBe(true);
    const byMinute = refused(l.take('a'));
    expect(byMinute.limit.label).toBe('minute');
    expect(byMinute.retryAfterSec).toBeLessThanOrEqual(2 * 60);

    // Two minutes on the minute window is empty again, but the hour has room for 3 only.
    c.set(T0 + 2 * MINUTE);
    expect(takeN(l, 'a', 3).every((d) => d.ok)).toBe(true);
    const byHour = refused(l.take('a'));
    expect(byHour.limit.label).toBe('hour');
    // The hour still has 58 minutes to run: the answer says so, not "one minute".
    expect(byHour.retryAfterSec).toBeGreaterThan(60);
    expect(byHour.retryAfterSec).toBeLessThanOrEqual(2 * 3600);

    // Waiting as told is enough.
    c.advance(byHour.retryAfterSec * 1000);
    expect(l.take('a').ok).toBe(true);
  });

  it('reports the window with the longest wait when several are full', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(
      [
        { windowMs: MINUTE, max: 3, label: 'minute' },
        { windowMs: HOUR, max: 3, label: 'hour' },
      ],
      c.now,
    );
    takeN(l, 'a', 3);
    const d = refused(l.take('a'));
    expect(d.limit.label).toBe('hour');
    expect(d.retryAfterSec).toBeGreaterThan(60);
  });

  it('a refused request counts against no window', () => {
    const c = clock();
    const l = new SlidingWindowLimiter(
      [
        { windowMs: MINUTE, max: 2, label: 'minute' },
        { windowMs: HOUR, max: 5, label: 'hour' },
      ],
      c.now,
    );
    takeN(l, 'a', 2);
    expect(takeN(l, 'a', 50).some((d) => d.ok)).toBe(false);
    c.set(T0 + 2 * MINUTE);
    // The 50 refusals did not use the hour's budget: 2 + 2 + 1 fit in the hour.
    expect(takeN(l, 'a', 2).every((d) => d.ok)).toBe(true);
    c.set(T0 + 4 * MINUTE);
    expect(takeN(l, 'a', 2).filter((d) => d.ok).length).toBe(1);
  });
});
