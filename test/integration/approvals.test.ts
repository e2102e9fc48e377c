/**
 * Approvals for agent writes (docs/api.md, "Approvals for agent writes"), over HTTP through the
 * real server, on SQLite (the demo), PostgreSQL (superuser) and MariaDB (root): a write that
 * needs approval is answered 202 with a dry-run preview and leaves the table as it was; once
 * approved, the same request runs once; mismatch, reuse, denial, expiry, another agent's id,
 * a revoked grant, guard-denied writes, `"approval": "none"`, revert and revert after a change;
 * audit entries name the approval and the chain still verifies; an agent key never reaches the
 * officer's routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { verifyAuditChain } from '../../src/main/audit/verify';
import type { Clock } from '../../src/main/ports';
import type { Grant } from '../../src/shared/domain';
import { runAirlock } from '../helpers/cli';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { startTestAirlock, tempDir, type TestAirlock } from '../helpers/harness';
import { describeWithService, type ServiceKind } from '../helpers/services';

type Kind = 'sqlite' | ServiceKind;

interface Pending {
  approval: {
    id: string;
    status: string;
    expiresAt: string;
    preview: { rowsAffected: number; before?: { columns: string[]; rows: unknown[][] } };
  };
  auditId: number;
}

/** A clock the test moves forward (expiry), starting at the real time. */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    monotonicMs: () => performance.now(),
    advance(ms: number) {
      offset += ms;
    },
  };
}

function approvalSuite(kind: Kind) {
  const dbName = demoDbName(`approvals_${kind}`);
  const CONN = kind === 'sqlite' ? 'demo' : `appr_${kind}`;
  let t: TestAirlock;
  let dataDir: string;
  const clock = movableClock();
  let clerk: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };
  let direct: { id: string; apiKey: string };

  const CLERK: Grant[] = [
    { connection: CONN, table: 'orders', actions: ['read', 'write'] },
    {
      connection: CONN,
      table: 'employees',
      actions: ['read', 'write'],
      columns: ['id', 'first_name', 'title'],
    },
  ];
  // PostgreSQL numbers its placeholders.
  const [p1, p2] = kind === 'postgres' ? ['$1', '$2'] : ['?', '?'];
  const UPDATE = `UPDATE orders SET ship_city = ${p1} WHERE id = ${p2}`;

  const query = (key: string, sql: string, params?: unknown[], approvalId?: string) =>
    t.request({
      method: 'POST',
      url: '/v1/query',
      token: key,
      payload: {
        connection: CONN,
        sql,
        ...(params ? { params } : {}),
        ...(approvalId ? { approvalId } : {}),
      },
    });
  const cityOf = async (id: number): Promise<unknown> => {
    const r = await query(direct.apiKey, `SELECT ship_city FROM orders WHERE id = ${p1}`, [id]);
    expect(r.statusCode).toBe(200);
    return (r.json() as { rows: unknown[][] }).rows[0]![0];
  };
  const ask = async (params: unknown[], key = clerk.apiKey) => {
    const r = await query(key, UPDATE, params);
    expect(r.statusCode, r.body).toBe(202);
    return r.json() as Pending;
  };
  const approve = (id: string, body?: object) =>
    t.admin('POST', `/v1/admin/approvals/${id}/approve`, body);
  const approvalCount = () =>
    (t.core.db.prepare('SELECT count(*) AS n FROM approvals').get() as { n: number }).n;
  const entriesOf = (approvalId: string) =>
    (
      t.core.db
        .prepare(
          "SELECT action, decision, status, details FROM audit_log WHERE json_extract(details, '$.approvalId') = ? ORDER BY id",
        )
        .all(approvalId) as { action: string; decision: string | null; status: string }[]
    ).map((e) => `${e.action}:${e.decision ?? '-'}:${e.status}`);

  beforeAll(async () => {
    dataDir = tempDir();
    t = await startTestAirlock({ clock, dataDir });
    if (kind !== 'sqlite') {
      const url = await seedDemo(kind, dbName);
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: CONN,
        kind: kind === 'postgres' ? 'postgres' : 'mysql',
        url,
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    clerk = await t.createAgent('clerk', CLERK);
    other = await t.createAgent('other-clerk', CLERK);
    direct = await t.createAgent('direct', [
      { connection: CONN, table: 'orders', actions: ['read', 'write'], approval: 'none' },
    ]);
  }, 120_000);

  let closed = false;
  afterAll(async () => {
    if (!closed) await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (kind !== 'sqlite') await dropDemo(kind, dbName);
  });

  it('holds a write: 202 with the dry run preview, the table unchanged, one audit entry', async () => {
    const before = await cityOf(1);
    const p = await ask(['held-1', 1]);
    expect(p.approval.status).toBe('pending');
    expect(Date.parse(p.approval.expiresAt)).toBeGreaterThan(clock.now().getTime());
    expect(p.approval.preview.rowsAffected).toBe(1);
    const b = p.approval.preview.before!;
    expect(b.rows).toHaveLength(1);
    expect(b.rows[0]![b.columns.indexOf('ship_city')]).toBe(before);
    expect(await cityOf(1)).toBe(before);
    expect(entriesOf(p.approval.id)).toEqual(['query.write:needs_approval:allowed']);

    // The agent's own view; another agent's is not found, its existence not revealed.
    const mine = await t.request({
      method: 'GET',
      url: `/v1/approvals/${p.approval.id}`,
      token: clerk.apiKey,
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().approval).toMatchObject({ id: p.approval.id, status: 'pending' });
    const theirs = await t.request({
      method: 'GET',
      url: `/v1/approvals/${p.approval.id}`,
      token: other.apiKey,
    });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error.code).toBe('NOT_FOUND');

    // The officer's list: agent, connection, statement, parameters, preview.
    const list = await t.admin('GET', '/v1/admin/approvals?status=pending');
    expect(list.statusCode).toBe(200);
    const found = (list.json().approvals as { id: string }[]).find((a) => a.id === p.approval.id);
    expect(found).toMatchObject({
      agent: { id: clerk.id, name: 'clerk' },
      connection: CONN,
      statement: UPDATE,
      params: ['held-1', 1],
      status: 'pending',
      preview: { rowsAffected: 1, revertable: true },
    });

    // Used before any decision: 409 APPROVAL_PENDING, nothing written.
    const early = await query(clerk.apiKey, UPDATE, ['held-1', 1], p.approval.id);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('APPROVAL_PENDING');
    expect(await cityOf(1)).toBe(before);
  });

  it('approved: runs once for exactly that request; mismatch 409, another agent 404, reuse 409', async () => {
    const p = await ask(['approved-2', 2]);
    const id = p.approval.id;
    const ok = await approve(id, { note: 'fine' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().approval).toMatchObject({
      status: 'approved',
      note: 'fine',
      decidedBy: 'admin',
    });

    const otherParams = await query(clerk.apiKey, UPDATE, ['approved-2', 3], id);
    expect(otherParams.statusCode).toBe(409);
    expect(otherParams.json().error.code).toBe('APPROVAL_MISMATCH');
    const otherSql = await query(clerk.apiKey, `${UPDATE} AND 1 = 1`, ['approved-2', 2], id);
    expect(otherSql.statusCode).toBe(409);
    expect(otherSql.json().error.code).toBe('APPROVAL_MISMATCH');
    const otherAgent = await query(other.apiKey, UPDATE, ['approved-2', 2], id);
    expect(otherAgent.statusCode).toBe(404);
    expect(otherAgent.json().error.code).toBe('NOT_FOUND');
    expect(await cityOf(2)).not.toBe('approved-2');

    // Two retries at once: exactly one runs.
    const [a, b] = await Promise.all([
      query(clerk.apiKey, UPDATE, ['approved-2', 2], id),
      query(clerk.apiKey, UPDATE, ['approved-2', 2], id),
    ]);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([200, 409]);
    const ran = a.statusCode === 200 ? a : b;
    expect(ran.json()).toMatchObject({ rowCount: 1 });
    expect((a.statusCode === 409 ? a : b).json().error.code).toBe('APPROVAL_USED');
    expect(await cityOf(2)).toBe('approved-2');

    const again = await query(clerk.apiKey, UPDATE, ['approved-2', 2], id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('APPROVAL_USED');
    const view = await t.request({
      method: 'GET',
      url: `/v1/approvals/${id}`,
      token: clerk.apiKey,
    });
    expect(view.json().approval.status).toBe('executed');

    const trail = entriesOf(id);
    expect(trail).toContain('query.write:needs_approval:allowed');
    expect(trail).toContain('admin.approval.approve:-:allowed');
    expect(trail).toContain('query.write:allow:allowed');
    expect(trail.filter((e) => e === 'query.write:allow:allowed')).toHaveLength(1);
  });

  it('revert restores the rows; a revert after the rows changed is refused with REVERT_CONFLICT', async () => {
    const old3 = await cityOf(3);
    const p = await ask(['to-revert', 3]);
    expect((await approve(p.approval.id)).statusCode).toBe(200);
    expect((await query(clerk.apiKey, UPDATE, ['to-revert', 3], p.approval.id)).statusCode).toBe(
      200,
    );
    expect(await cityOf(3)).toBe('to-revert');
    const rv = await t.admin('POST', `/v1/admin/approvals/${p.approval.id}/revert`);
    expect(rv.statusCode, rv.body).toBe(200);
    expect(rv.json().approval.status).toBe('reverted');
    expect(rv.json().approval.revertedAt).toEqual(expect.any(String));
    expect(await cityOf(3)).toBe(old3);
    expect(entriesOf(p.approval.id)).toContain('admin.approval.revert:-:allowed');

    const q = await ask(['then-changed', 4]);
    expect((await approve(q.approval.id)).statusCode).toBe(200);
    expect((await query(clerk.apiKey, UPDATE, ['then-changed', 4], q.approval.id)).statusCode).toBe(
      200,
    );
    // Someone changes the row after the approved write: undoing it would lose that change.
    expect((await query(direct.apiKey, UPDATE, ['meddled', 4])).statusCode).toBe(200);
    const conflict = await t.admin('POST', `/v1/admin/approvals/${q.approval.id}/revert`);
    expect(conflict.statusCode, conflict.body).toBe(409);
    expect(conflict.json().error.code).toBe('REVERT_CONFLICT');
    expect(await cityOf(4)).toBe('meddled');
    const still = await t.admin('GET', '/v1/admin/approvals?status=executed');
    expect((still.json().approvals as { id: string }[]).map((a) => a.id)).toContain(q.approval.id);
  });

  it('denied: 403 with the reason; deny needs a reason; nothing to revert', async () => {
    const p = await ask(['denied-5', 5]);
    const noReason = await t.admin('POST', `/v1/admin/approvals/${p.approval.id}/deny`, {});
    expect(noReason.statusCode).toBe(400);
    const pendingRevert = await t.admin('POST', `/v1/admin/approvals/${p.approval.id}/revert`);
    expect(pendingRevert.statusCode).toBe(409);
    expect(pendingRevert.json().error.code).toBe('APPROVAL_PENDING');

    const d = await t.admin('POST', `/v1/admin/approvals/${p.approval.id}/deny`, {
      reason: 'not during month end',
    });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json().approval).toMatchObject({ status: 'denied', reason: 'not during month end' });
    const use = await query(clerk.apiKey, UPDATE, ['denied-5', 5], p.approval.id);
    expect(use.statusCode).toBe(403);
    expect(use.json().error.code).toBe('APPROVAL_DENIED');
    expect(use.json().error.message).toContain('not during month end');
    const view = await t.request({
      method: 'GET',
      url: `/v1/approvals/${p.approval.id}`,
      token: clerk.apiKey,
    });
    expect(view.json().approval).toMatchObject({
      status: 'denied',
      reason: 'not during month end',
    });
    const revert = await t.admin('POST', `/v1/admin/approvals/${p.approval.id}/revert`);
    expect(revert.statusCode).toBe(409);
    expect(revert.json().error.code).toBe('APPROVAL_DENIED');
    // A decision is made once.
    expect((await approve(p.approval.id)).statusCode).toBe(409);
    expect(entriesOf(p.approval.id)).toContain('admin.approval.deny:-:allowed');
  });

  it('expires after approvals.ttlSeconds: pending and approved-not-run answer 410', async () => {
    expect(
      (await t.admin('PATCH', '/v1/admin/settings', { approvals: { ttlSeconds: 29 } })).statusCode,
    ).toBe(400);
    const set = await t.admin('PATCH', '/v1/admin/settings', { approvals: { ttlSeconds: 30 } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().approvals).toEqual({ ttlSeconds: 30 });
    try {
      const pending = await ask(['late-6', 6]);
      const approved = await ask(['late-7', 7]);
      expect(Date.parse(pending.approval.expiresAt) - clock.now().getTime()).toBeLessThanOrEqual(
        30_000,
      );
      expect((await approve(approved.approval.id)).statusCode).toBe(200);
      clock.advance(31_000);

      const late = await approve(pending.approval.id);
      expect(late.statusCode).toBe(410);
      expect(late.json().error.code).toBe('APPROVAL_EXPIRED');
      const view = await t.request({
        method: 'GET',
        url: `/v1/approvals/${pending.approval.id}`,
        token: clerk.apiKey,
      });
      expect(view.json().approval.status).toBe('expired');
      const use = await query(clerk.apiKey, UPDATE, ['late-7', 7], approved.approval.id);
      expect(use.statusCode).toBe(410);
      expect(use.json().error.code).toBe('APPROVAL_EXPIRED');
      expect(await cityOf(7)).not.toBe('late-7');
    } finally {
      await t.admin('PATCH', '/v1/admin/settings', { approvals: null });
    }
  });

  it('guard- and policy-refused writes create no approval', async () => {
    const n = approvalCount();
    const hidden = await query(clerk.apiKey, 'UPDATE employees SET salary = 0 WHERE id = 1');
    expect(hidden.statusCode).toBe(403);
    expect(hidden.json().error.code).toBe('PERMISSION_DENIED');
    const stacked = await query(
      clerk.apiKey,
      "UPDATE orders SET status = 'x' WHERE id = 1; DELETE FROM orders",
    );
    expect(stacked.statusCode).toBe(400);
    const unknownTable = await query(clerk.apiKey, 'DELETE FROM customers WHERE 1 = 1');
    expect(unknownTable.statusCode).toBeGreaterThanOrEqual(400);
    expect(approvalCount()).toBe(n);
    // A column the agent may write is held for approval, with only readable columns shown.
    const title = await query(clerk.apiKey, "UPDATE employees SET title = 'Lead' WHERE id = 1");
    expect(title.statusCode, title.body).toBe(202);
    // The agent sees the rows it would change only in the columns it may read.
    const before = (title.json() as Pending).approval.preview.before!;
    expect([...before.columns].sort()).toEqual(['first_name', 'id', 'title']);
    expect(before.rows).toHaveLength(1);
    expect(before.rows[0]).toHaveLength(3);
    // The officer sees the whole rows.
    const full = await t.admin('GET', '/v1/admin/approvals?status=pending');
    const held = (
      full.json().approvals as { id: string; preview: Pending['approval']['preview'] }[]
    ).find((a) => a.id === (title.json() as Pending).approval.id)!;
    expect(held.preview.before!.columns).toContain('salary');
    expect(approvalCount()).toBe(n + 1);
  });

  it('a grant revoked after the approval refuses the write', async () => {
    const p = await ask(['revoked-8', 8]);
    expect((await approve(p.approval.id)).statusCode).toBe(200);
    const readOnly = await t.admin('PUT', `/v1/admin/agents/${clerk.id}/grants`, {
      grants: [{ connection: CONN, table: 'orders', actions: ['read'] }],
    });
    expect(readOnly.statusCode).toBe(200);
    try {
      const use = await query(clerk.apiKey, UPDATE, ['revoked-8', 8], p.approval.id);
      expect(use.statusCode).toBe(403);
      expect(use.json().error.code).toBe('PERMISSION_DENIED');
      expect(await cityOf(8)).not.toBe('revoked-8');
    } finally {
      await t.admin('PUT', `/v1/admin/agents/${clerk.id}/grants`, { grants: CLERK });
    }
  });

  it('a held write asked for as NDJSON is answered 202 all the same, nothing written', async () => {
    const before = await cityOf(10);
    const r = await t.request({
      method: 'POST',
      url: '/v1/query',
      token: clerk.apiKey,
      headers: { accept: 'application/x-ndjson' },
      payload: { connection: CONN, sql: UPDATE, params: ['streamed', 10] },
    });
    expect(r.statusCode, r.body).toBe(202);
    expect((r.json() as Pending).approval).toMatchObject({
      status: 'pending',
      preview: { rowsAffected: 1 },
    });
    expect(await cityOf(10)).toBe(before);
  });

  it('"approval": "none" runs at once and creates no approval', async () => {
    const n = approvalCount();
    const r = await query(direct.apiKey, UPDATE, ['at-once', 9]);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ rowCount: 1 });
    expect(await cityOf(9)).toBe('at-once');
    expect(approvalCount()).toBe(n);
  });

  it('an agent key never reaches the officer routes; the audit chain verifies', async () => {
    for (const [method, url] of [
      ['GET', '/v1/admin/approvals'],
      ['POST', '/v1/admin/approvals/x/approve'],
      ['POST', '/v1/admin/approvals/x/deny'],
      ['POST', '/v1/admin/approvals/x/revert'],
    ] as const) {
      const r = await t.request({
        method,
        url,
        token: clerk.apiKey,
        ...(method === 'POST' ? { payload: { reason: 'r' } } : {}),
      });
      expect(r.statusCode).toBe(401);
    }
    expect(verifyAuditChain(t.core.db).ok).toBe(true);
  });

  it('bin/airlock audit verify passes on the store after a clean stop', async () => {
    closed = true;
    await t.close();
    const r = await runAirlock(['audit', 'verify', '--data-dir', dataDir, '--json'], {
      AIRLOCK_STORE_KEY: t.storeKeyHex,
      AIRLOCK_HOME: undefined,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  }, 120_000);
}

describe('approvals on SQLite', () => approvalSuite('sqlite'));
await describeWithService('postgres', 'approvals on PostgreSQL', () => approvalSuite('postgres'));
await describeWithService('mysql', 'approvals on MariaDB', () => approvalSuite('mysql'));
