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

interface Bucket {
  start: number;
  current: number;
  previous: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSec: number; limit: RateLimit };

export class SlidingWindowLimiter {
  private readonly buckets = new Map<string, Bucket[]>();

  constructor(
    private limits: RateLimit[],
    private readonly now: () => number = Date.now,
  ) {}

  /** New maxima take effect at once; counts survive when the windows are the same. */
  setLimits(limits: RateLimit[]): void {
    const sameWindows =
      limits.length === this.limits.length && limits.every((l, i) => l.windowMs === this.limits[i]!.windowMs);
    if (!sameWindows) this.buckets.clear();
    this.limits = limits;
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
    this.limits.forEach((limit, i) => {
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
        const needed = b.previous > 0 ? ((estimate + 1 - limit.max) / b.previous) * limit.windowMs : Infinity;
        const nextWindow = b.current > 0 ? Math.max(0, (b.current + 1 - limit.max) / b.current) * limit.windowMs : 0;
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
