/**
 * PATCH /v1/admin/settings's pieces: the partial document's schema (derived from the settings
 * schema, every field optional at every depth, nothing unknown), the merge (objects field by
 * field, lists whole) and the changed-field names the audit entry carries.
 */
import { describe, expect, it } from 'vitest';
import { Settings } from '../../src/shared/contract/ops';
import {
  DEFAULT_SETTINGS,
  SettingsPatch,
  changedSettings,
  mergeSettings,
} from '../../src/main/settings/settings';

const syslog = { kind: 'syslog', host: '127.0.0.1', port: 5514, protocol: 'tcp' } as const;

describe('the settings patch', () => {
  it('takes any part of the document, at any depth', () => {
    for (const p of [
      {},
      { limits: {} },
      { limits: { maxRows: 5 } },
      { ollama: { lanConfirmed: true } },
      { audit: { forward: [syslog] } },
      { audit: { retentionDays: null } },
      { approvals: { ttlSeconds: 3600 } },
      { approvals: { ttlSeconds: 30 } },
      { approvals: null },
    ])
      expect(SettingsPatch.safeParse(p).success, JSON.stringify(p)).toBe(true);
  });

  it('refuses what the document does not have, at any depth, and values out of range', () => {
    for (const p of [
      { approvals: { ttlSeconds: 29 } },
      { approvals: { ttlMinutes: 5 } },
      { limits: { maxRowz: 5 } },
      { audit: { retentionDays: 0 } },
      { audit: { retentionWeeks: 4 } },
      { limits: { maxRows: 0 } },
      { limits: null },
      { ollama: { url: null } },
      { audit: { forward: [{ ...syslog, port: 'x' }] } },
    ])
      expect(SettingsPatch.safeParse(p).success, JSON.stringify(p)).toBe(false);
  });

  it('merges objects field by field and replaces lists whole', () => {
    const base = {
      ...DEFAULT_SETTINGS,
      audit: { forward: [syslog, { kind: 'jsonl', path: '/tmp/a.jsonl' }] },
    };
    const merged = Settings.parse(
      mergeSettings(base as never, { limits: { maxRows: 7 }, audit: { forward: [syslog] } }),
    );
    expect(merged.limits).toEqual({ ...DEFAULT_SETTINGS.limits, maxRows: 7 });
    expect(merged.ollama).toEqual(DEFAULT_SETTINGS.ollama);
    expect(merged.audit).toEqual({ forward: [syslog] });
    expect(mergeSettings(DEFAULT_SETTINGS, {})).toEqual(DEFAULT_SETTINGS);
    // null removes a field the document may go without (JSON Merge Patch).
    const kept = { ...DEFAULT_SETTINGS, audit: { retentionDays: 30, anonymizeAfterDays: 7 } };
    expect(mergeSettings(kept, { audit: { retentionDays: null } })).toEqual({
      ...DEFAULT_SETTINGS,
      audit: { anonymizeAfterDays: 7 },
    });
    expect(mergeSettings(DEFAULT_SETTINGS, { audit: { retentionDays: null } })).toEqual({
      ...DEFAULT_SETTINGS,
      audit: {},
    });
  });

  it('names the fields that changed, a section added or removed by its fields', () => {
    const next = { ...DEFAULT_SETTINGS, limits: { ...DEFAULT_SETTINGS.limits, timeoutMs: 1 } };
    expect(changedSettings(DEFAULT_SETTINGS, next)).toEqual(['limits.timeoutMs']);
    expect(changedSettings(DEFAULT_SETTINGS, DEFAULT_SETTINGS)).toEqual([]);
    expect(
      changedSettings(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, audit: { forward: [] } }),
    ).toEqual(['audit.forward']);
    expect(changedSettings({}, { ollama: { url: 'x', model: 'y' } })).toEqual([
      'ollama.model',
      'ollama.url',
    ]);
  });
});
