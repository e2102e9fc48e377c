import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/main/store/migrations';
import { DEFAULT_SETTINGS, SettingsRepo, rateLimitsOf } from '../../src/main/settings/settings';
import { SlidingWindowLimiter } from '../../src/main/ratelimit/sliding-window';

describe('settings', () => {
  const open = () => {
    const db = new Database(':memory:');
    migrate(db);
    return db;
  };

  it('starts from the defaults and persists a valid update', () => {
    const db = open();
    const repo = new SettingsRepo(db);
    expect(repo.get()).toEqual(DEFAULT_SETTINGS);
    const next = { ...DEFAULT_SETTINGS, limits: { ...DEFAULT_SETTINGS.limits, maxRows: 500 } };
    repo.put(next);
    expect(new SettingsRepo(db).get().limits.maxRows).toBe(500);
  });

  it('refuses an invalid document and keeps the old one', () => {
    const repo = new SettingsRepo(open());
    expect(() =>
      repo.put({ ...DEFAULT_SETTINGS, ollama: { url: 'not a url', model: 'm' } }),
    ).toThrow();
    expect(repo.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('tells listeners, so new rate limits apply at once', () => {
    const repo = new SettingsRepo(open());
    const now = 0;
    const limiter = new SlidingWindowLimiter(rateLimitsOf(repo.get()), () => now);
    repo.onChange((s) => limiter.setLimits(rateLimitsOf(s)));
    repo.put({ ...DEFAULT_SETTINGS, limits: { ...DEFAULT_SETTINGS.limits, ratePerMinute: 2 } });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });
});
