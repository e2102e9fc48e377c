import { describe, expect, it } from 'vitest';
import {
  describeExpiry,
  expiryProblem,
  fromSeconds,
  shownUnit,
  switchUnit,
  toSeconds,
  unitFor,
} from '../../src/renderer/src/lib/approval-expiry';

describe('the approvals expiry field in Settings', () => {
  it('accepts empty (the default) and 30 seconds up to 365 days, refusing the rest with a reason', () => {
    expect(expiryProblem(undefined)).toBeNull();
    expect(expiryProblem(30)).toBeNull();
    expect(expiryProblem(3600)).toBeNull();
    expect(expiryProblem(31_536_000)).toBeNull();
    expect(expiryProblem(29)).toBe('At least 30 seconds.');
    expect(expiryProblem(0)).toBe('At least 30 seconds.');
    expect(expiryProblem(31_536_001)).toBe('At most 365 days.');
    expect(expiryProblem(45.5)).toBe('Use whole seconds.');
  });

  it('shows whole minutes in minutes and anything else in seconds', () => {
    expect(unitFor(undefined)).toBe('minutes');
    expect(unitFor(3600)).toBe('minutes');
    expect(unitFor(90)).toBe('seconds');
    expect(shownUnit(90, 'minutes')).toBe('seconds');
    expect(shownUnit(120, 'minutes')).toBe('minutes');
    expect(shownUnit(120, 'seconds')).toBe('seconds');
    expect(fromSeconds(7200, 'minutes')).toBe(120);
    expect(toSeconds(2, 'minutes')).toBe(120);
    expect(toSeconds(45, 'seconds')).toBe(45);
  });

  it('switching the unit keeps the duration, rounding seconds to the nearest whole minute', () => {
    expect(switchUnit(90, 'seconds')).toBe(90);
    expect(switchUnit(120, 'minutes')).toBe(120);
    expect(switchUnit(100, 'minutes')).toBe(120);
    expect(switchUnit(80, 'minutes')).toBe(60);
    // Never below one minute, so never below the 30 s minimum.
    expect(switchUnit(30, 'minutes')).toBe(60);
    expect(switchUnit(undefined, 'minutes')).toBeUndefined();
  });

  it('says the value in words', () => {
    expect(describeExpiry(3600)).toBe('1 hour');
    expect(describeExpiry(5400)).toBe('1 hour 30 minutes');
    expect(describeExpiry(45)).toBe('45 seconds');
    expect(describeExpiry(2 * 86_400 + 61)).toBe('2 days 1 minute 1 second');
  });
});
