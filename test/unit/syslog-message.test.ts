/**
 * The RFC 5424 form of a forwarded entry, byte by byte where it matters: structured-data
 * escaping (a value holding `"`, `\` or `]` cannot end the element early), header fields kept
 * to printable ASCII, severity by status, and RFC 6587 octet counting in bytes, not characters.
 */
import { describe, expect, it } from 'vitest';
import {
  forwardedEntry,
  octetCounted,
  syslogMessage,
  syslogTestMessage,
} from '../../src/main/audit/forward/message';
import { destinationName } from '../../src/shared/contract/forwarding';
import type { AuditEntry } from '../../src/shared/domain';
import { parse5424 } from '../helpers/syslog-listener';

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: 42,
  time: '2026-12-02T03:04:05.678Z',
  actor: 'agent:report-bot',
  action: 'query.read',
  connection: 'demo',
  statement: "SELECT secret FROM t WHERE x = 'p-4711'",
  paramsHash: 'ab'.repeat(32),
  decision: 'deny',
  rule: 'default-deny',
  reason: "no grant covers t.secret ('p-4711')",
  status: 'denied',
  rowCount: null,
  latencyMs: 3.5,
  details: { code: 'PERMISSION_DENIED', agentId: 'a1', params: ['p-4711'] },
  leafHash: 'cd'.repeat(32),
  chainHash: 'ef'.repeat(32),
  ...over,
});

describe('an entry as RFC 5424', () => {
  it('carries the fields as structured data and JSON, and nothing of the statement, reason or details', () => {
    const raw = syslogMessage(forwardedEntry(entry()));
    const m = parse5424(raw);
    expect(m).toMatchObject({
      pri: 13 * 8 + 4,
      version: 1,
      appName: 'airlock',
      msgId: 'query.read',
    });
    expect(m.timestamp).toBe('2026-12-02T03:04:05.678Z');
    expect(m.sd['airlock@32473']).toEqual({
      seq: '42',
      actor: 'agent:report-bot',
      action: 'query.read',
      status: 'denied',
      decision: 'deny',
      code: 'PERMISSION_DENIED',
      connection: 'demo',
      leafHash: 'cd'.repeat(32),
      chainHash: 'ef'.repeat(32),
    });
    expect(JSON.parse(m.msg.slice(1))).toMatchObject({
      seq: 42,
      code: 'PERMISSION_DENIED',
      latencyMs: 3.5,
    });
    for (const hidden of ['SELECT', 'p-4711', 'secret', 'agentId', 'ab'.repeat(32)])
      expect(raw).not.toContain(hidden);
  });

  it('escapes ", \\ and ] in values, and keeps the header printable', () => {
    const nasty = 'agent:x"] [evil@1 seq="1\\';
    const m = parse5424(
      syslogMessage(
        forwardedEntry(entry({ actor: nasty, action: 'a b\u00e9c', connection: null })),
      ),
    );
    expect(Object.keys(m.sd)).toEqual(['airlock@32473']);
    expect(m.sd['airlock@32473']!.actor).toBe(nasty);
    expect(m.sd['airlock@32473']!.connection).toBeUndefined();
    expect(m.msgId).toBe('a_b_c');
  });

  it('sets the severity by status: allowed 6, denied 4, error 3', () => {
    const pri = (status: AuditEntry['status']) =>
      parse5424(syslogMessage(forwardedEntry(entry({ status })))).pri;
    expect([pri('allowed'), pri('denied'), pri('error')]).toEqual([110, 108, 107]);
  });

  it('frames by octets: a multi-byte character counts as its bytes', () => {
    const msg = syslogMessage(forwardedEntry(entry({ actor: 'agent:zoë' })));
    const framed = octetCounted(msg);
    const sp = framed.indexOf(0x20);
    expect(Number(framed.subarray(0, sp).toString())).toBe(Buffer.byteLength(msg));
    expect(Buffer.byteLength(msg)).toBeGreaterThan(msg.length);
    expect(framed.subarray(sp + 1).toString('utf8')).toBe(msg);
  });

  it('marks the test message as a test', () => {
    const m = parse5424(syslogTestMessage('2026-12-02T00:00:00.000Z'));
    expect(m.msgId).toBe('airlock.test');
    expect(m.sd).toEqual({ 'airlock@32473': { test: 'true' } });
  });

  it('names destinations without ambiguity (IPv6 in brackets, host in lower case)', () => {
    expect(destinationName({ kind: 'syslog', host: '::1', port: 514, protocol: 'udp' })).toBe(
      'syslog-udp://[::1]:514',
    );
    expect(
      destinationName({ kind: 'syslog', host: 'LocalHost', port: 6514, protocol: 'tcp' }),
    ).toBe('syslog-tcp://localhost:6514');
    expect(destinationName({ kind: 'jsonl', path: '/var/log/a.jsonl' })).toBe(
      'jsonl:/var/log/a.jsonl',
    );
  });
});
