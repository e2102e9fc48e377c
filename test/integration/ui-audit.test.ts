/**
 * The audit side of the UI on real stores: search filters and keyset pagination checked
 * against a plain scan of the log, the dashboard's numbers against what was done, and chain
 * verification on a worker thread over 20,000+ entries, through both transports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOpsIpc, type IpcSenderEvent } from '../../src/main/electron/ipc-ops';
import { createUiBackend, type UiBackend } from '../../src/main/ui/ops-handlers';
import type { VerifyJobView } from '../../src/main/ui/verify-jobs';
import { IPC_PREFIX, OPS, type OpName, type OpOutput } from '../../src/shared/contract/ops';
import type { AuditRecord, AuditStatus } from '../../src/shared/domain';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { manualClock, signIn, type UiClient } from '../helpers/ui-session';

interface Row {
  id: number;
  time: string;
  actor: string;
  action: string;
  connection: string | null;
  statement: string | null;
  reason: string | null;
  rule: string | null;
  details: string | null;
  status: AuditStatus;
}

const record = (over: Partial<AuditRecord>): AuditRecord => ({
  time: new Date().toISOString(),
  actor: 'agent:alpha',
  action: 'query.read',
  connection: 'demo',
  statement: null,
  paramsHash: null,
  decision: 'allow',
  rule: null,
  reason: null,
  status: 'allowed',
  rowCount: null,
  latencyMs: null,
  details: null,
  ...over,
});

const words = (s: string | null) =>
  (s ?? '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** The text filter as a person means it: every term starts a word (a dotted term: a run of words). */
function textMatches(r: Row, text: string): boolean {
  const fields = [r.actor, r.action, r.statement, r.reason, r.rule, r.details].map(words);
  return text
    .split(/\s+/)
    .filter(Boolean)
    .every((term) => {
      const t = words(term);
      return fields.some((f) =>
        f.some((_, i) =>
          t.every((w, j) => (j === t.length - 1 ? f[i + j]?.startsWith(w) : f[i + j] === w)),
        ),
      );
    });
}

describe('audit search', () => {
  let t: TestAirlock;
  let ui: UiClient;
  let all: Row[];
  const base = Date.parse('2026-03-01T00:00:00.000Z');

  beforeAll(async () => {
    t = await startTestAirlock();
    ui = await signIn(t);
    const actors = ['agent:alpha', 'agent:beta', 'agent:gamma', 'admin', 'user:analyst'];
    const tables = ['orders', 'customers', 'employees'];
    const appends: Promise<number>[] = [];
    for (let i = 1; i <= 600; i++) {
      const status: AuditStatus = i % 7 === 0 ? 'denied' : i % 11 === 0 ? 'error' : 'allowed';
      const table = tables[i % 3]!;
      // Every 50th entry claims a time half an hour earlier: order must follow time, not id.
      const minutes = i % 50 === 0 ? i - 30 : i;
      appends.push(
        t.core.audit.append(
          record({
            time: new Date(base + minutes * 60_000).toISOString(),
            actor: actors[i % 5]!,
            connection: i % 3 === 0 ? (i % 2 ? 'warehouse' : 'WAREHOUSE') : 'demo',
            statement: `SELECT id, total FROM ${table} WHERE id > ${i}${i % 100 === 0 ? ' /* zebrafish */' : ''}`,
            status,
            decision: status === 'denied' ? 'deny' : 'allow',
            reason:
              status === 'denied'
                ? `agent may not read employees.salary: no grant covers that column`
                : null,
            rule: status === 'denied' ? 'default-deny' : `grant:demo.${table}:read`,
          }),
        ),
      );
    }
    await Promise.all(appends);
    all = t.core.db
      .prepare(
        'SELECT id, time, actor, action, connection, statement, reason, rule, details, status FROM audit_log',
      )
      .all() as Row[];
  });
  afterAll(() => t?.close());

  const byTime = (a: Row, b: Row) => (a.time === b.time ? b.id - a.id : a.time < b.time ? 1 : -1);

  /** Every page of a search, following nextBeforeId, with the totals it reported. */
  async function walk(
    filter: Omit<Parameters<UiClient['call']>[1], never> & Record<string, unknown>,
    limit: number,
  ) {
    const ids: number[] = [];
    let beforeId: number | undefined;
    let first: OpOutput<'searchAudit'> | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await ui.call('searchAudit', {
        ...filter,
        limit,
        ...(beforeId !== undefined ? { beforeId } : {}),
      });
      first ??= page;
      expect(page.entries.length).toBeLessThanOrEqual(limit);
      ids.push(...page.entries.map((e) => e.id));
      if (page.nextBeforeId === null) break;
      expect(page.entries).toHaveLength(limit);
      expect(page.nextBeforeId).toBe(page.entries[limit - 1]!.id);
      beforeId = page.nextBeforeId;
    }
    return { ids, total: first!.total, totalCapped: first!.totalCapped };
  }

  const from = new Date(base + 100 * 60_000).toISOString();
  const to = new Date(base + 400 * 60_000).toISOString();
  const inRange = (r: Row) => r.time >= from && r.time <= to;

  it.each([
    ['no filter', {}, () => true],
    ['agent', { agent: 'alpha' }, (r: Row) => r.actor === 'agent:alpha'],
    ['status', { status: 'denied' }, (r: Row) => r.status === 'denied'],
    [
      'connection, case folded',
      { connection: 'Warehouse' },
      (r: Row) => r.connection?.toLowerCase() === 'warehouse',
    ],
    ['time range', { from, to }, inRange],
    [
      'agent + status + time',
      { agent: 'beta', status: 'allowed', from },
      (r: Row) => r.actor === 'agent:beta' && r.status === 'allowed' && r.time >= from,
    ],
    [
      'everything at once',
      { agent: 'gamma', status: 'denied', connection: 'demo', from, to },
      (r: Row) =>
        r.actor === 'agent:gamma' && r.status === 'denied' && r.connection === 'demo' && inRange(r),
    ],
  ] as const)(
    '%s: every page, newest first by time, nothing twice, nothing missed',
    async (_what, filter, keep) => {
      const expected = all
        .filter(keep)
        .sort(byTime)
        .map((r) => r.id);
      expect(expected.length).toBeGreaterThan(0);
      const got = await walk(filter as Record<string, unknown>, 37);
      expect(got.ids).toEqual(expected);
      expect(got).toMatchObject({ total: expected.length, totalCapped: false });
    },
  );

  it.each([
    ['a rare word', { text: 'zebrafish' }],
    ['a word beginning', { text: 'salar' }],
    ['a dotted name', { text: 'employees.salary', status: 'denied' }],
    ['two terms in different fields', { text: 'alpha zebrafish' }],
    ['an actor', { text: 'agent:beta', connection: 'demo' }],
    ['an action', { text: 'query.read', from, to }],
    ['a rule', { text: 'grant:demo.customers' }],
  ] as const)('text, %s: newest first by id, every page', async (_what, filter) => {
    const f = filter as Record<string, unknown> & { text: string };
    const keep = (r: Row) =>
      textMatches(r, f.text) &&
      (f.status === undefined || r.status === f.status) &&
      (f.connection === undefined ||
        r.connection?.toLowerCase() === String(f.connection).toLowerCase()) &&
      (f.from === undefined || r.time >= String(f.from)) &&
      (f.to === undefined || r.time <= String(f.to));
    const expected = all
      .filter(keep)
      .map((r) => r.id)
      .sort((a, b) => b - a);
    expect(expected.length).toBeGreaterThan(0);
    const got = await walk(f, 25);
    expect(got.ids).toEqual(expected);
    expect(got.total).toBe(expected.length);
  });

  it('text that is FTS syntax is only text', async () => {
    for (const text of [
      '"',
      'NEAR(a b)',
      'a OR b',
      '*',
      '-x',
      'col:x',
      "'; DROP TABLE audit_log; --",
      '()',
    ]) {
      const r = await ui.raw('searchAudit', { text });
      expect(r.statusCode, `${text}: ${r.body}`).toBe(200);
    }
    expect((await ui.call('searchAudit', { text: '*' })).total).toBe(all.length);
  });

  it('a new entry is searchable at once', async () => {
    const id = await t.core.audit.append(record({ statement: 'SELECT quokka FROM wildlife' }));
    expect((await ui.call('searchAudit', { text: 'quokka' })).entries.map((e) => e.id)).toEqual([
      id,
    ]);
  });
});

describe('dashboard', () => {
  const clock = manualClock(Date.parse('2026-03-10T12:34:00.000Z'));
  let t: TestAirlock;
  let ui: UiClient;
  beforeAll(async () => {
    t = await startTestAirlock({ clock });
    ui = await signIn(t);
  });
  afterAll(() => t?.close());

  it('counts what was done, per hour, without administrative changes or anything older than 24 hours', async () => {
    const reader = await ui.call('createAgent', { name: 'reader' });
    await ui.call('putGrants', {
      id: reader.id,
      grants: [
        {
          connection: 'demo',
          table: 'employees',
          actions: ['read'],
          columns: ['id', 'first_name'],
        },
      ],
    });
    await ui
      .call('createAgent', { name: 'retired' })
      .then((a) => ui.call('revokeAgent', { id: a.id }));
    await ui.call('createAgent', {
      name: 'temp',
      expiresAt: new Date(clock.now().getTime() + 60_000).toISOString(),
    });
    const key = (await t
      .admin('POST', '/v1/admin/agents', { name: 'keyed' })
      .then((r) => r.json())) as { id: string; apiKey: string };
    await t.admin('PUT', `/v1/admin/agents/${key.id}/grants`, {
      grants: [
        {
          connection: 'demo',
          table: 'employees',
          actions: ['read'],
          columns: ['id', 'first_name'],
        },
      ],
    });

    // 25 hours ago: outside the window.
    clock.advance(-25 * 3_600_000);
    expect((await t.query(key.apiKey, 'SELECT id FROM employees LIMIT 1')).statusCode).toBe(200);
    // 2 hours ago: two allowed, one denied.
    clock.advance(23 * 3_600_000);
    expect((await t.query(key.apiKey, 'SELECT id FROM employees LIMIT 1')).statusCode).toBe(200);
    expect((await t.query(key.apiKey, 'SELECT first_name FROM employees LIMIT 1')).statusCode).toBe(
      200,
    );
    expect((await t.query(key.apiKey, 'SELECT salary FROM employees')).statusCode).toBe(403);
    // Now: the workbench, a denial as an agent, a write refusal, and a bad key.
    clock.advance(2 * 3_600_000);
    expect(
      (await ui.call('runQuery', { connection: 'demo', sql: 'SELECT count(*) FROM orders' })).ok,
    ).toBe(true);
    expect(
      (
        await ui.call('runQuery', {
          connection: 'demo',
          sql: 'SELECT salary FROM employees',
          asAgent: reader.id,
        })
      ).ok,
    ).toBe(false);
    expect((await ui.call('runQuery', { connection: 'demo', sql: 'DELETE FROM orders' })).ok).toBe(
      false,
    );
    expect(
      (await t.query('alk_AAAAAAAA_notakeynotakeynotakeynotakeynotakeyx', 'SELECT 1')).statusCode,
    ).toBe(401);
    await ui.call('putSettings', await ui.call('getSettings', {}));
    clock.advance(2 * 60_000);

    const d = await ui.call('dashboard', {});
    expect(d).toMatchObject({
      agents: 4,
      activeAgents: 2,
      connections: 1,
      requests24h: 7,
      denials24h: 4,
    });
    expect(d.series).toHaveLength(24);
    expect(d.series[23]!.hour).toBe('2026-03-10T12:00:00.000Z');
    expect(d.series[0]!.hour).toBe('2026-03-09T13:00:00.000Z');
    expect(d.series[21]).toMatchObject({
      hour: '2026-03-10T10:00:00.000Z',
      allowed: 2,
      denied: 1,
      error: 0,
    });
    expect(d.series[23]).toMatchObject({ allowed: 1, denied: 3, error: 0 });
    expect(
      d.series
        .filter((_, i) => i !== 21 && i !== 23)
        .every((b) => b.allowed + b.denied + b.error === 0),
    ).toBe(true);
    expect(d.latestDenials.map((e) => e.actor)).toEqual([
      'unknown',
      'user:analyst',
      'user:analyst as agent:reader',
      'agent:keyed',
    ]);
    expect(d.latestDenials.map((e) => e.id)).toEqual(
      [...d.latestDenials.map((e) => e.id)].sort((a, b) => b - a),
    );
  });
});

describe('chain verification', () => {
  let t: TestAirlock;
  let ui: UiClient;
  let desktop: UiBackend;
  const updates: VerifyJobView[] = [];
  const ipc = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => unknown>();
  const APP = 'http://127.0.0.1:7717';

  /** A desktop-window call: through the IPC wrapper, from the app's page. */
  async function viaIpc<N extends OpName>(op: N, input: unknown): Promise<OpOutput<N>> {
    const out = (await ipc.get(`${IPC_PREFIX}${op}`)!(
      { senderFrame: { url: `${APP}/#/audit` } },
      input,
    )) as { ok: boolean; value: unknown; error?: unknown };
    if (!out.ok) throw new Error(JSON.stringify(out.error));
    expect(OPS[op].output.safeParse(out.value).success).toBe(true);
    return out.value as OpOutput<N>;
  }

  async function untilDone(poll: () => Promise<VerifyJobView>, seen: VerifyJobView[] = []) {
    for (let i = 0; i < 2400; i++) {
      const job = await poll();
      seen.push(job);
      if (job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the verification did not finish');
  }

  beforeAll(async () => {
    t = await startTestAirlock();
    ui = await signIn(t);
    const batch: Promise<number>[] = [];
    for (let i = 0; i < 20_000; i++)
      batch.push(t.core.audit.append(record({ statement: `SELECT ${i}`, details: { n: i } })));
    await Promise.all(batch);
    desktop = createUiBackend(t.core, {
      url: () => APP,
      verify: { onUpdate: (j) => updates.push(j) },
    });
    registerOpsIpc(
      { handle: (channel, listener) => void ipc.set(channel, listener) },
      desktop.handlers('desktop'),
      APP,
    );
  }, 120_000);
  afterAll(async () => {
    await desktop?.close();
    await t?.close();
  });

  it('over IPC: progress in steps while it runs, then the verdict for 20,000+ entries', async () => {
    expect((await viaIpc('systemInfo', {})).shell).toBe('desktop');
    const started = await viaIpc('startVerify', {});
    expect(started).toMatchObject({
      state: 'running',
      verified: 0,
      result: null,
      finishedAt: null,
    });
    expect(started.total).toBeGreaterThan(20_000);
    expect((await viaIpc('startVerify', {})).id).toBe(started.id);
    const done = await untilDone(() => viaIpc('verifyStatus', { id: started.id }));
    expect(done).toMatchObject({
      state: 'done',
      error: null,
      result: { ok: true, firstBroken: null, problem: null },
    });
    expect(done.verified).toBe(done.result!.entries);
    expect(done.verified).toBeGreaterThanOrEqual(started.total);

    const progress = updates
      .filter((u) => u.id === started.id && u.state === 'running')
      .map((u) => u.verified);
    expect(progress.length).toBeGreaterThanOrEqual(20);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[0]).toBe(1000);
    expect(progress.at(-1)!).toBeLessThanOrEqual(done.verified);
    // The verdict is itself on the record.
    const entry = (await viaIpc('searchAudit', { text: 'audit.verify', limit: 1 })).entries[0]!;
    expect(entry).toMatchObject({
      actor: 'admin',
      action: 'admin.audit.verify',
      details: { ok: true, entries: done.verified },
    });
  });

  it('over HTTP: the page polls the same kind of job to the same verdict', async () => {
    const started = await ui.call('startVerify', {});
    const seen: VerifyJobView[] = [];
    const done = await untilDone(() => ui.call('verifyStatus', { id: started.id }), seen);
    expect(done.result).toMatchObject({ ok: true });
    expect(seen.map((s) => s.verified)).toEqual(
      [...seen.map((s) => s.verified)].sort((a, b) => a - b),
    );
  });

  it('counting stops at 10,000 for filtered searches (1,000 with text); the whole log is counted exactly', async () => {
    expect(await ui.call('searchAudit', { status: 'allowed', limit: 1 })).toMatchObject({
      total: 10_000,
      totalCapped: true,
    });
    expect(await ui.call('searchAudit', { text: 'select', limit: 1 })).toMatchObject({
      total: 1_000,
      totalCapped: true,
    });
    expect(
      await ui.call('searchAudit', { text: 'select', status: 'allowed', limit: 1 }),
    ).toMatchObject({ total: 1_000, totalCapped: true });
    const all = (t.core.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
    expect(await ui.call('searchAudit', { limit: 1 })).toMatchObject({
      total: all,
      totalCapped: false,
    });
  });

  it('a changed entry: the verdict names it', async () => {
    const db = t.core.db;
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET statement = 'SELECT nothing' WHERE id = 12345").run();
    const started = await viaIpc('startVerify', {});
    const done = await untilDone(() => viaIpc('verifyStatus', { id: started.id }));
    expect(done).toMatchObject({ state: 'done', result: { ok: false, firstBroken: 12345 } });
    expect(done.result!.problem).toMatch(/12345/);
    expect(done.verified).toBe(12344);
  });
});
