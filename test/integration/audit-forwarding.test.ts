/**
 * Forwarding the audit trail to a SIEM (issue 13 item 6), over real loopback sockets: a TCP
 * and a UDP syslog collector receive each entry in RFC 5424 form; a collector that goes away
 * and comes back misses nothing (at least once: a duplicate carries the same seq); a restart of
 * Airlock resumes from the cursor kept in the store; a JSONL file; the Settings test button;
 * the air-gap rule for a collector off this machine; start and stop on the record (item 7).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startAirlock, type StartedAirlock } from '../../src/main/app';
import { envKeyProvider } from '../../src/main/store/key-file';
import type { ForwardTarget } from '../../src/shared/contract/forwarding';
import type { OpOutput } from '../../src/shared/contract/ops';
import { tempDir } from '../helpers/harness';
import {
  tcpCollector,
  udpCollector,
  type Collector,
  type Syslog5424,
} from '../helpers/syslog-listener';

type Entry = OpOutput<'searchAudit'>['entries'][number];

const FAST = { settleMs: 100, retryBaseMs: 50, retryMaxMs: 200 };
const dirs: string[] = [];
const running: StartedAirlock[] = [];
const collectors: Collector[] = [];

afterEach(async () => {
  for (const a of running.splice(0)) await a.close().catch(() => {});
  for (const c of collectors.splice(0)) await c.stop().catch(() => {});
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir = tempDir('airlock-fwd-'), keyHex = randomBytes(32).toString('hex')) {
  dirs.push(dataDir);
  const a = await startAirlock({
    dataDir,
    port: 0,
    keyProvider: envKeyProvider(keyHex),
    forwarding: FAST,
  });
  running.push(a);
  return { a, dataDir, keyHex, ui: a.ui.handlers('browser') };
}

async function stop(a: StartedAirlock) {
  running.splice(running.indexOf(a), 1);
  await a.close();
}

async function forwardTo(a: StartedAirlock, forward: ForwardTarget[]) {
  const ui = a.ui.handlers('browser');
  return ui.putSettings({ ...(await ui.getSettings({})), audit: { forward } });
}

/** Every entry, oldest first. */
async function entries(a: StartedAirlock): Promise<Entry[]> {
  const page = await a.ui.handlers('browser').searchAudit({ limit: 500 });
  return [...page.entries].reverse();
}

/** Requests that each leave an entry: refused keys (denied, code UNAUTHENTICATED). */
async function makeEntries(a: StartedAirlock, n: number) {
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${a.url}/v1/connections`, {
      headers: { authorization: 'Bearer ak_wrong' },
    });
    expect(r.status).toBe(401);
  }
}

async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  ms = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const seqOf = (m: Syslog5424) => Number(m.sd['airlock@32473']!.seq);
const headOf = async (a: StartedAirlock) =>
  (await a.ui.handlers('browser').forwardingStatus({})).headSeq;

/** Waits until the collector holds every seq from `from` to the head, and returns them in order. */
async function received(c: Collector, a: StartedAirlock, from: number): Promise<number[]> {
  const head = await headOf(a);
  return until(`seqs ${from}..${head}`, () => {
    const got = new Set(c.messages.filter((m) => m.msgId !== 'airlock.test').map(seqOf));
    for (let s = from; s <= head; s++) if (!got.has(s)) return null;
    return [...got].sort((x, y) => x - y);
  });
}

/** Checks one message against the entry it carries: header, structured data and JSON body. */
function expectForwardedForm(m: Syslog5424, e: Entry) {
  const severity = { allowed: 6, denied: 4, error: 3 }[e.status];
  expect(m.pri).toBe(13 * 8 + severity);
  expect(m.version).toBe(1);
  expect(m.appName).toBe('airlock');
  expect(m.procId).toBe(String(process.pid));
  expect(m.timestamp).toBe(e.time);
  expect(m.msgId).toBe(e.action.slice(0, 32));
  const sd = m.sd['airlock@32473']!;
  expect(sd).toMatchObject({
    seq: String(e.id),
    actor: e.actor,
    action: e.action,
    status: e.status,
    chainHash: e.chainHash,
  });
  expect(sd.leafHash).toMatch(/^[0-9a-f]{64}$/);
  expect(m.msg.startsWith('\uFEFF')).toBe(true);
  const body = JSON.parse(m.msg.slice(1)) as Record<string, unknown>;
  const code = typeof e.details?.code === 'string' ? e.details.code : null;
  expect(body).toEqual({
    seq: e.id,
    time: e.time,
    actor: e.actor,
    action: e.action,
    connection: e.connection,
    status: e.status,
    decision: e.decision,
    rule: e.rule,
    code,
    rowCount: e.rowCount,
    latencyMs: e.latencyMs,
    leafHash: sd.leafHash,
    chainHash: e.chainHash,
  });
  if (code) expect(sd.code).toBe(code);
}

describe('syslog over TCP (RFC 5424, octet counting)', () => {
  it('sends each entry after it is configured, in order, in RFC 5424 form, with nothing of the statement or details', async () => {
    const c = await tcpCollector();
    collectors.push(c);
    const { a } = await start();
    const before = await headOf(a);
    await forwardTo(a, [{ kind: 'syslog', host: '127.0.0.1', port: c.port, protocol: 'tcp' }]);
    await makeEntries(a, 3);
    const seqs = await received(c, a, before + 1);
    // Forwarding starts with the next entry after it is configured (docs/api.md).
    expect(Math.min(...seqs)).toBe(before + 1);
    const all = await entries(a);
    for (const m of c.messages) {
      const e = all.find((x) => x.id === seqOf(m))!;
      expectForwardedForm(m, e);
      expect(m.raw).not.toContain('ak_wrong');
    }
    expect(c.messages.filter((m) => m.sd['airlock@32473']!.status === 'denied').length).toBe(3);

    // A statement refused by the policy: its code travels, its text does not.
    const token = readFileSync(join(a.dataDir, 'admin.token'), 'utf8').trim();
    const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const agent = (await (
      await fetch(`${a.url}/v1/admin/agents`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'fwd-bot' }),
      })
    ).json()) as { id: string; apiKey: string };
    const refused = await fetch(`${a.url}/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        connection: 'demo',
        sql: 'SELECT national_id FROM employees WHERE id = ?',
        params: ['p-4711'],
      }),
    });
    expect(refused.status).toBe(403);
    const { auditId } = (await refused.json()) as { auditId: number };
    const m = await until('the refusal', () => c.messages.find((x) => seqOf(x) === auditId));
    expect(m.sd['airlock@32473']).toMatchObject({
      status: 'denied',
      decision: 'deny',
      code: 'PERMISSION_DENIED',
    });
    expect(m.raw).not.toContain('national_id');
    expect(m.raw).not.toContain('p-4711');
    expect(m.raw).not.toContain(agent.apiKey);
    // The settings change that turned forwarding on is itself forwarded.
    expect(c.messages.map((m) => m.msgId)).toContain(all.find((e) => e.id === before + 1)!.action);
  });

  it('queues while the collector is down and sends everything once it is back (duplicates only by seq)', async () => {
    const c = await tcpCollector();
    collectors.push(c);
    const { a, ui } = await start();
    const first = (await headOf(a)) + 1;
    await forwardTo(a, [{ kind: 'syslog', host: '127.0.0.1', port: c.port, protocol: 'tcp' }]);
    await received(c, a, first);

    await c.stop();
    await makeEntries(a, 25);
    const down = await until('the destination to report the outage', async () => {
      const s = (await ui.forwardingStatus({})).destinations[0]!;
      return s.state === 'retrying' && s.lag > 0 ? s : null;
    });
    expect(down.lastError).toMatch(/nothing is listening|closed the connection|dropped/);
    expect(down.destination).toBe(`syslog-tcp://127.0.0.1:${c.port}`);
    const metrics = await (
      await fetch(`${a.url}/metrics`, {
        headers: {
          authorization: `Bearer ${readFileSync(join(a.dataDir, 'admin.token'), 'utf8').trim()}`,
        },
      })
    ).text();
    expect(metrics).toMatch(
      /airlock_audit_forward_lag_entries\{destination="syslog-tcp:1"\} [1-9]\d*/,
    );
    expect(metrics).toContain('airlock_audit_forward_up{destination="syslog-tcp:1"} 0');

    await c.restart();
    await makeEntries(a, 2);
    const seqs = await received(c, a, first);
    const head = await headOf(a);
    // Nothing lost: every seq from the first to the head arrived; anything sent twice has the same seq.
    expect(seqs).toEqual(Array.from({ length: head - first + 1 }, (_, i) => first + i));
    const bySeq = new Map<number, string>();
    for (const m of c.messages) {
      const prev = bySeq.get(seqOf(m));
      if (prev) expect(m.msg).toBe(prev);
      bySeq.set(seqOf(m), m.msg);
    }
    await until(
      'the lag to clear',
      async () => (await ui.forwardingStatus({})).destinations[0]!.lag === 0,
    );
    expect((await ui.forwardingStatus({})).destinations[0]).toMatchObject({
      state: 'ok',
      lastSentSeq: head,
      lastError: null,
    });
  });

  it('resumes after a restart from the last entry the collector took, stop and start entries included', async () => {
    const c = await tcpCollector();
    collectors.push(c);
    const first = await start();
    const from = (await headOf(first.a)) + 1;
    await forwardTo(first.a, [
      { kind: 'syslog', host: '127.0.0.1', port: c.port, protocol: 'tcp' },
    ]);
    await received(c, first.a, from);
    // The collector goes away; entries are written, and Airlock stops before it is back.
    await c.stop();
    await makeEntries(first.a, 5);
    await stop(first.a);

    await c.restart();
    const again = await start(first.dataDir, first.keyHex);
    await makeEntries(again.a, 1);
    const seqs = await received(c, again.a, from);
    const head = await headOf(again.a);
    expect(seqs).toEqual(Array.from({ length: head - from + 1 }, (_, i) => from + i));
    const actions = c.messages.map((m) => m.msgId);
    expect(actions).toContain('system.stop');
    expect(actions).toContain('system.start');
  });
});

describe('syslog over UDP', () => {
  it('sends each entry as one RFC 5424 datagram', async () => {
    const c = await udpCollector();
    collectors.push(c);
    const { a } = await start();
    const from = (await headOf(a)) + 1;
    await forwardTo(a, [{ kind: 'syslog', host: 'localhost', port: c.port, protocol: 'udp' }]);
    await makeEntries(a, 4);
    const seqs = await received(c, a, from);
    expect(seqs[0]).toBe(from);
    const all = await entries(a);
    for (const m of c.messages)
      expectForwardedForm(
        m,
        all.find((x) => x.id === seqOf(m))!,
      );
  });
  it('hears a collector that is not listening (port unreachable), holds the cursor, and sends it all once it is back', async () => {
    const c = await udpCollector();
    collectors.push(c);
    const { a, ui } = await start();
    const from = (await headOf(a)) + 1;
    await forwardTo(a, [{ kind: 'syslog', host: '127.0.0.1', port: c.port, protocol: 'udp' }]);
    await received(c, a, from);
    await c.stop();
    await makeEntries(a, 10);
    const down = await until('the outage to be noticed', async () => {
      const s = (await ui.forwardingStatus({})).destinations[0]!;
      return s.state === 'retrying' ? s : null;
    });
    expect(down.lastError).toContain('nothing is listening');
    await c.restart();
    const seqs = await received(c, a, from);
    const head = await headOf(a);
    expect(seqs).toEqual(Array.from({ length: head - from + 1 }, (_, i) => from + i));
  });
});

describe('JSONL file', () => {
  it('appends one JSON object per entry, from the next entry on', async () => {
    const { a, dataDir } = await start();
    const file = join(dataDir, 'siem.jsonl');
    const from = (await headOf(a)) + 1;
    await forwardTo(a, [{ kind: 'jsonl', path: file }]);
    await makeEntries(a, 3);
    const head = await headOf(a);
    const lines = await until('the file to hold the head', () => {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return null;
      }
      const ls = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { seq: number });
      return ls.some((l) => l.seq === head) ? ls : null;
    });
    expect(lines.map((l) => l.seq)).toEqual(
      Array.from({ length: head - from + 1 }, (_, i) => from + i),
    );
    const all = await entries(a);
    for (const l of lines) {
      const e = all.find((x) => x.id === l.seq)!;
      expect(l).toMatchObject({
        seq: e.id,
        action: e.action,
        actor: e.actor,
        status: e.status,
        chainHash: e.chainHash,
      });
      expect(Object.keys(l)).not.toContain('statement');
      expect(Object.keys(l)).not.toContain('details');
    }
  });
});

describe('the Settings test button', () => {
  it('sends one test message to a collector that listens, says why not to one that does not, and records both', async () => {
    const c = await tcpCollector();
    collectors.push(c);
    const { a, ui } = await start();
    const ok = await ui.testForwarding({
      target: { kind: 'syslog', host: '127.0.0.1', port: c.port, protocol: 'tcp' },
    });
    expect(ok).toMatchObject({ ok: true, destination: `syslog-tcp://127.0.0.1:${c.port}` });
    const test = await until('the test message', () =>
      c.messages.find((m) => m.msgId === 'airlock.test'),
    );
    expect(test.appName).toBe('airlock');
    expect(test.sd['airlock@32473']).toEqual({ test: 'true' });

    const closed = await tcpCollector();
    await closed.stop();
    const refused = await ui.testForwarding({
      target: { kind: 'syslog', host: '127.0.0.1', port: closed.port, protocol: 'tcp' },
    });
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain(`nothing is listening at 127.0.0.1:${closed.port}`);

    const udpClosed = await udpCollector();
    await udpClosed.stop();
    const udp = await ui.testForwarding({
      target: { kind: 'syslog', host: '127.0.0.1', port: udpClosed.port, protocol: 'udp' },
    });
    expect(udp).toMatchObject({
      ok: false,
      message: expect.stringContaining('nothing is listening'),
    });

    const recorded = (await entries(a)).filter((e) => e.action === 'admin.forwarding.test');
    expect(recorded.map((e) => [e.id, e.status])).toEqual([
      [ok.auditId, 'allowed'],
      [refused.auditId, 'error'],
      [udp.auditId, 'error'],
    ]);
  });
});

describe('the air gap', () => {
  it('refuses a collector on the local network without the confirmation, and a public one always', async () => {
    const { a, ui } = await start();
    const lan: ForwardTarget = { kind: 'syslog', host: '10.20.30.40', port: 514, protocol: 'tcp' };
    await expect(forwardTo(a, [lan])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('on the local network, and that has not been confirmed'),
    });
    await expect(
      forwardTo(a, [
        { kind: 'syslog', host: '8.8.8.8', port: 514, protocol: 'udp', lanConfirmed: true },
      ]),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('not on this machine or the local network'),
    });
    expect((await ui.getSettings({})).audit?.forward ?? []).toEqual([]);
    // The test button obeys the same rule: no connection is attempted.
    const t = await ui.testForwarding({ target: lan });
    expect(t).toMatchObject({ ok: false, message: expect.stringContaining('is refused') });
    // Confirmed, a LAN collector is saved (and tried with backoff while unreachable).
    await forwardTo(a, [{ ...lan, lanConfirmed: true }]);
    expect((await ui.forwardingStatus({})).destinations.map((d) => d.destination)).toEqual([
      'syslog-tcp://10.20.30.40:514',
    ]);
  });
});

describe('start and stop on the record', () => {
  it('writes system.start when the server starts and system.stop when it stops cleanly', async () => {
    const first = await start();
    await stop(first.a);
    const again = await start(first.dataDir, first.keyHex);
    const all = await entries(again.a);
    // Exactly: the demo connection's first-start entry, start, stop, start.
    expect(all.map((e) => [e.actor, e.action])).toEqual([
      ['admin', all[0]!.action],
      ['system', 'system.start'],
      ['system', 'system.stop'],
      ['system', 'system.start'],
    ]);
    expect(all[0]!.action).toMatch(/connection/);
    expect(all[1]!.details).toMatchObject({
      pid: process.pid,
      port: expect.any(Number),
      version: expect.any(String),
    });
  });
});
