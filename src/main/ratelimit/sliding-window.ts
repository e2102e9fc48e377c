/**
 * Sliding-window rate limits (the two-bucket estimate: the previous window's count weighted
 * by how much of it still overlaps, plus the current window's). Several windows per key
 * (minute, hour, day); a request is admitted only if every window has room.
 */
export interface RateLimit {
  windowMs: number;
  max: number;
  label: string;
}

/** One window's counts; kept in the store so a restart does not hand out a fresh allowance. */
export interface Bucket {
  start: number;
  current: number;
  previous: number;
}

/**
 * A refusal names the limit hit; `message` (when the limiter has more to say, such as whose
 * limit it is or that it counts rows) is the sentence for the person reading the error.
 */
export type RateDecision =
  | { ok: true }
  | { ok: false; retryAfterSec: number; limit: RateLimit; message?: string; setting?: string };

export class SlidingWindowLimiter {
  private readonly buckets = new Map<string, Bucket[]>();
  /** Per-key maxima by window label (an agent's own limits), over the shared windows. */
  private readonly maxima = new Map<string, Partial<Record<string, number>>>();

  constructor(
    private limits: RateLimit[],
    private readonly now: () => number = Date.now,
  ) {}

  /** New maxima take effect at once; counts survive when the windows are the same. */
  setLimits(limits: RateLimit[]): void {
    const sameWindows =
      limits.length === this.limits.length &&
      limits.every((l, i) => l.windowMs === this.limits[i]!.windowMs);
    if (!sameWindows) this.buckets.clear();
    this.limits = limits;
  }

  /** This key's own maxima by window label ("minute": 10), or null for the shared ones again. */
  setKeyMaxima(key: string, maxima: Partial<Record<string, number>> | null): void {
    if (maxima && Object.keys(maxima).length) this.maxima.set(key, maxima);
    else this.maxima.delete(key);
  }

  /** The limits in force for `key`: the shared windows with its own maxima. */
  limitsFor(key: string): RateLimit[] {
    const own = this.maxima.get(key);
    return own ? this.limits.map((l) => ({ ...l, max: own[l.label] ?? l.max })) : this.limits;
  }

  /** The windows' counts for `key`, by window length, to keep across restarts. */
  state(key: string): (Bucket & { windowMs: number })[] | undefined {
    return this.buckets.get(key)?.map((b, i) => ({ windowMs: this.limits[i]!.windowMs, ...b }));
  }

  /** Counts kept by `state()`; windows of another length than today's are dropped. */
  restore(key: string, saved: (Bucket & { windowMs: number })[]): void {
    const buckets = this.limits.map((l) => {
      const b = saved.find((s) => s.windowMs === l.windowMs);
      return b
        ? { start: b.start, current: b.current, previous: b.previous }
        : { start: 0, current: 0, previous: 0 };
    });
    this.buckets.set(key, buckets);
  }

  /** Counts one request for `key` if all windows admit it. */
  take(key: string): RateDecision {
    const t = this.now();
    let buckets = this.buckets.get(key);
    if (!buckets) {
      buckets = this.limits.map((l) => ({ start: t - (t % l.windowMs), current: 0, previous: 0 }));
      this.buckets.set(key, buckets);
    }
    let worst: { retryAfterSec: number; limit: RateLimit } | null = null;
    this.limitsFor(key).forEach((limit, i) => {
      const b = buckets[i]!;
      const windowStart = t - (t % limit.windowMs);
      if (windowStart !== b.start) {
        b.previous = windowStart - b.start === limit.windowMs ? b.current : 0;
        b.current = 0;
        b.start = windowStart;
      }
      const overlap = 1 - (t - b.start) / limit.windowMs;
      const estimate = b.previous * overlap + b.current;
      if (estimate + 1 > limit.max) {
        // Time until the weighted estimate leaves room for one more: the previous window's
        // weight must fall far enough within this window, or else this window ends and its
        // own count becomes the weighted previous one, which must fall far enough in turn.
        const remaining = limit.windowMs - (t - b.start);
        const needed =
          b.previous > 0 ? ((estimate + 1 - limit.max) / b.previous) * limit.windowMs : Infinity;
        const nextWindow =
          b.current > 0 ? Math.max(0, (b.current + 1 - limit.max) / b.current) * limit.windowMs : 0;
        const waitMs = needed <= remaining ? Math.max(1, needed) : remaining + nextWindow;
        const retryAfterSec = Math.max(1, Math.ceil(waitMs / 1000));
        if (!worst || retryAfterSec > worst.retryAfterSec) worst = { retryAfterSec, limit };
      }
    });
    if (worst) return { ok: false, ...(worst as { retryAfterSec: number; limit: RateLimit }) };
    for (const b of buckets) b.current += 1;
    return { ok: true };
  }
}
