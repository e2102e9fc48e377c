/** Audit time filters: named ranges ending now, or explicit local date-times. */
export const TIME_PRESETS = [
  { value: 'all', label: 'All time' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'custom', label: 'Custom range…' },
] as const;
export type TimePreset = (typeof TIME_PRESETS)[number]['value'];

const SPAN_MS: Record<string, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** ISO bounds for the audit search; `custom` takes `datetime-local` input values. */
export function timeBounds(
  preset: TimePreset,
  custom: { from?: string; to?: string } = {},
  now: number = Date.now(),
): { from?: string; to?: string } {
  if (preset === 'all') return {};
  if (preset === 'custom') {
    const iso = (v?: string) =>
      v && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined;
    const from = iso(custom.from);
    const to = iso(custom.to);
    return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
  return { from: new Date(now - SPAN_MS[preset]!).toISOString() };
}
