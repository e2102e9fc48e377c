import { describe, expect, it } from 'vitest';
import { AlertMonitor } from '../../src/main/alerts/alert-monitor';
import type { AuditEntry } from '../../src/shared/domain';

function setup() {
  let now = Date.parse('2026-11-21T10:00:00Z');
  const alerts: { title: string; body: string }[] = [];
  const monitor = new AlertMonitor(
    { alert: (title, body) => alerts.push({ title, body }) },
    { now: () => new Date(now), monotonicMs: () => now },
  );
  let id = 0;
  const entry = (over: Partial<AuditEntry>): AuditEntry => ({
    id: ++id,
    time: new Date(now).toISOString(),
    actor: 'agent:bot',
    action: 'query.read',
    connection: 'demo',
    statement: 'SELECT 1',
    paramsHash: null,
    decision: 'deny',
    rule: 'default-deny',
    reason: 'no grant',
    status: 'denied',
    rowCount: null,
    latencyMs: 1,
    details: null,
    leafHash: 'x',
    chainHash: 'y',
    ...over,
  });
  return { alerts, monitor, entry, advance: (ms: number) => (now += ms) };
}

describe('security alerts from the audit trail', () => {
  it('raises one alert when the engine-truth layer stops a statement, then stays quiet for that actor', () => {
    const { alerts, monitor, entry } = setup();
    monitor.observe(entry({ details: { layer: 'engine-truth' } }));
    monitor.observe(entry({ details: { layer: 'engine-truth' } }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.body).toMatch(/agent:bot.*engine-truth.*#1/);
  });

  it('raises on the fifth denial within a minute, not before, and not again during the quiet period', () => {
    const { alerts, monitor, entry, advance } = setup();
    for (let i = 0; i < 4; i++) monitor.observe(entry({}));
    expect(alerts).toHaveLength(0);
    monitor.observe(entry({}));
    expect(alerts.map((a) => a.title)).toEqual(['Repeated denials for agent:bot']);
    for (let i = 0; i < 10; i++) monitor.observe(entry({}));
    expect(alerts).toHaveLength(1);
    advance(11 * 60_000);
    for (let i = 0; i < 5; i++) monitor.observe(entry({}));
    expect(alerts).toHaveLength(2);
  });

  it('spreads over more than a minute do not count as a burst', () => {
    const { alerts, monitor, entry, advance } = setup();
    for (let i = 0; i < 8; i++) {
      monitor.observe(entry({}));
      advance(20_000);
    }
    expect(alerts).toHaveLength(0);
  });

  it('counts failed authentications together, whatever the key', () => {
    const { alerts, monitor, entry } = setup();
    for (let i = 0; i < 5; i++)
      monitor.observe(
        entry({ actor: 'unknown', action: 'auth', details: { keyPrefix: `alk_k${i}` } }),
      );
    expect(alerts.map((a) => a.title)).toEqual(['Repeated failed sign-ins to Airlock']);
  });

  it('ignores allowed requests and errors', () => {
    const { alerts, monitor, entry } = setup();
    for (let i = 0; i < 10; i++) monitor.observe(entry({ status: 'allowed', decision: 'allow' }));
    for (let i = 0; i < 10; i++) monitor.observe(entry({ status: 'error' }));
    expect(alerts).toHaveLength(0);
  });
});
