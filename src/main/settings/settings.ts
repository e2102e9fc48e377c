import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import { Settings as SettingsSchema } from '../../shared/contract/ops';
import { z } from 'zod';
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

/**
 * The same document with every field optional, at every depth, and no field it does not
 * know: `PATCH /v1/admin/settings` takes one of these (JSON Merge Patch, RFC 7396: `null`
 * removes a field the document may go without, such as `audit.retentionDays`). Derived from
 * the settings schema, so a setting added there can be patched at once.
 */
function deepPartial(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject)) return schema;
  const shape = schema.shape as Record<string, z.ZodType>;
  return z.strictObject(
    Object.fromEntries(
      Object.entries(shape).map(([k, v]) => [
        k,
        v instanceof z.ZodOptional
          ? deepPartial(v.unwrap() as z.ZodType)
              .nullable()
              .optional()
          : deepPartial(v).optional(),
      ]),
    ),
  );
}
export const SettingsPatch = deepPartial(SettingsSchema);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `patch` laid over `base`: objects merge field by field, `null` removes the field, anything
 * else (a list too) replaces.
 */
export function mergeSettings(base: Settings, patch: unknown): unknown {
  const merge = (b: unknown, p: unknown): unknown => {
    if (!isRecord(p)) return p;
    const from = isRecord(b) ? b : {};
    return Object.fromEntries(
      [...new Set([...Object.keys(from), ...Object.keys(p)])]
        .filter((k) => p[k] !== null)
        .map((k) => [k, k in p ? merge(from[k], p[k]) : from[k]]),
    );
  };
  return merge(base, patch);
}

/** The dotted paths of the fields whose value differs between two documents. */
export function changedSettings(before: unknown, after: unknown, at = ''): string[] {
  // A section present on one side only: its fields are what changed.
  if (before === undefined && isRecord(after)) before = {};
  if (after === undefined && isRecord(before)) after = {};
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedSettings(before[k], after[k], at ? `${at}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [at || '(root)'];
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

/** How long an approval waits for a decision and, approved, for its use (docs/api.md). */
export function approvalTtlSeconds(s: Settings): number {
  return s.approvals?.ttlSeconds ?? 3600;
}

export function rateLimitsOf(s: Settings): RateLimit[] {
  return [
    { windowMs: 60_000, max: s.limits.ratePerMinute, label: 'minute' },
    { windowMs: 3_600_000, max: s.limits.ratePerHour, label: 'hour' },
    { windowMs: 86_400_000, max: s.limits.ratePerDay, label: 'day' },
  ];
}
