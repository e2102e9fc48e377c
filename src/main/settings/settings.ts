import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import { Settings as SettingsSchema } from '../../shared/contract/ops';
import type { z } from 'zod';
import type { QueryLimits } from '../connectors/types';
import type { RateLimit } from '../ratelimit/sliding-window';

export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  limits: {
    maxRows: 10_000,
    maxBytes: 10 * 1024 * 1024,
    timeoutMs: 10_000,
    ratePerMinute: 600,
    ratePerHour: 10_000,
    ratePerDay: 100_000,
  },
  ollama: { url: 'http://127.0.0.1:11434', model: 'qwen2.5-coder:7b' },
};

const KEY = 'app.settings';

/** Settings live in the store as one validated JSON document; readers get the cached copy. */
export class SettingsRepo {
  private readonly stmts: { get: Statement<[string], { value: string }>; put: Statement };
  private current: Settings;
  private readonly listeners: ((s: Settings) => void)[] = [];

  constructor(db: Database, defaults: Settings = DEFAULT_SETTINGS) {
    this.stmts = {
      get: db.prepare('SELECT value FROM settings WHERE key = ?'),
      put: db.prepare(
        'INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
    const row = this.stmts.get.get(KEY);
    const parsed = row ? SettingsSchema.safeParse(JSON.parse(row.value)) : null;
    // A document written by another version falls back to defaults field by field.
    this.current = parsed?.success ? parsed.data : defaults;
  }

  get(): Settings {
    return this.current;
  }

  put(next: Settings): Settings {
    const valid = SettingsSchema.parse(next);
    this.stmts.put.run({ key: KEY, value: JSON.stringify(valid) });
    this.current = valid;
    for (const l of this.listeners) l(valid);
    return valid;
  }

  onChange(listener: (s: Settings) => void): void {
    this.listeners.push(listener);
  }
}

export function queryLimitsOf(s: Settings): QueryLimits {
  return {
    maxRows: s.limits.maxRows,
    maxBytes: s.limits.maxBytes,
    timeoutMs: s.limits.timeoutMs,
    ...(s.limits.agentConcurrency !== undefined
      ? { agentConcurrency: s.limits.agentConcurrency }
      : {}),
  };
}

export function rateLimitsOf(s: Settings): RateLimit[] {
  return [
    { windowMs: 60_000, max: s.limits.ratePerMinute, label: 'minute' },
    { windowMs: 3_600_000, max: s.limits.ratePerHour, label: 'hour' },
    { windowMs: 86_400_000, max: s.limits.ratePerDay, label: 'day' },
  ];
}
