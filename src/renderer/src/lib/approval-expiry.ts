/**
 * The approvals expiry setting (`approvals.ttlSeconds`, docs/api.md "Pinned details") as the
 * Settings page edits it: a whole number of minutes or seconds, at least 30 seconds. Kept apart
 * from the component so the rules are tested without a browser.
 */
import { plural } from './format';

export type ExpiryUnit = 'minutes' | 'seconds';

/** The settings' own bounds (src/shared/contract/ops.ts) and the server's default. */
export const EXPIRY_MIN_SECONDS = 30;
export const EXPIRY_MAX_SECONDS = 31_536_000;
export const EXPIRY_DEFAULT_SECONDS = 3600;

const SECONDS: Record<ExpiryUnit, number> = { minutes: 60, seconds: 1 };

/** Why a value cannot be saved, or null (empty means the default). */
export function expiryProblem(ttlSeconds: number | undefined): string | null {
  if (ttlSeconds === undefined) return null;
  if (!Number.isInteger(ttlSeconds)) return 'Use whole seconds.';
  if (ttlSeconds < EXPIRY_MIN_SECONDS) return 'At least 30 seconds.';
  if (ttlSeconds > EXPIRY_MAX_SECONDS) return 'At most 365 days.';
  return null;
}

/** The unit a stored value reads best in: minutes when it is whole minutes. */
export function unitFor(ttlSeconds: number | undefined): ExpiryUnit {
  return ttlSeconds === undefined || ttlSeconds % 60 === 0 ? 'minutes' : 'seconds';
}

/** The value as shown in `unit` (a value that is not whole minutes is shown in seconds). */
export function shownUnit(ttlSeconds: number | undefined, unit: ExpiryUnit): ExpiryUnit {
  return unit === 'minutes' && unitFor(ttlSeconds) === 'seconds' ? 'seconds' : unit;
}

export function toSeconds(value: number, unit: ExpiryUnit): number {
  return value * SECONDS[unit];
}

export function fromSeconds(ttlSeconds: number, unit: ExpiryUnit): number {
  return ttlSeconds / SECONDS[unit];
}

/** Switching the unit keeps the duration; seconds that are not whole minutes round to the nearest minute. */
export function switchUnit(ttlSeconds: number | undefined, unit: ExpiryUnit): number | undefined {
  if (ttlSeconds === undefined || unit === 'seconds') return ttlSeconds;
  return Math.max(1, Math.round(ttlSeconds / 60)) * 60;
}

/** "1 hour", "1 hour 30 minutes", "45 seconds": the value in words, beside the field. */
export function describeExpiry(ttlSeconds: number): string {
  const days = Math.floor(ttlSeconds / 86_400);
  const hours = Math.floor((ttlSeconds % 86_400) / 3600);
  const minutes = Math.floor((ttlSeconds % 3600) / 60);
  const seconds = ttlSeconds % 60;
  const parts = [
    days ? plural(days, 'day') : '',
    hours ? plural(hours, 'hour') : '',
    minutes ? plural(minutes, 'minute') : '',
    seconds ? plural(seconds, 'second') : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : '0 seconds';
}
