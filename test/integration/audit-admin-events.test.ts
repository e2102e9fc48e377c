/**
 * Nothing unaudited: admin changes that fail are recorded as well as those that succeed, and
 * sign-in links issued and used, refused sign-ins and sign-outs leave entries that never hold
 * a token or a password. Also: the admin API's report, checkpoint and public-key routes, and
 * the UI's report job, each export itself recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/main/audit/report/report-format';
import { verifyReport } from '../../src/main/audit/report/verify-report';
import { parsePublicKey } from '../../src/main/audit/report/signature';
import { entriesNamed } from '../helpers/audit-entries';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { loginLink, openLink, signIn } from '../helpers/ui-session';

let t: TestAirlock;

const entries = (action: string) => entriesNamed(t.core, action);
const everything = () => JSON.stringify(t.core.db.prepare('SELECT * FROM audit_log').all());

beforeAll(async () => {
  t = await startTestAirlock();
});
afterAll(async () => {
  await t?.close();
});

describe('failed admin changes are audited', () => {
  it('a connection that cannot be reached (with a password in its URL): error entry, no password', async () => {
    const r = await t.admin('POST', '/v1/admin/connections', {
      name: 'down',
      kind: 'postgres',
      url: 'postgres://app:s3cretPw@127.0.0.1:1/db',
    });
    expect(r.statusCode).toBe(400);
    const [e] = entries('admin.connection.add').filter((x) => x.status === 'error');
    expect(e).toBeDefined();
    expect(e!.actor).toBe('admin');
    expect(JSON.parse(e!.details!)).toMatchObject({ name: 'down', kind: 'postgres', failed: true });
    expect(everything()).not.toContain('s3cretPw');
  });

  it('a connection name already taken', async () => {
    const r = await t.admin('POST', '/v1/admin/connections', {
      name: 'demo',
      kind: 'sqlite',
      path: '/nonexistent.db',
    });
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(
      entries('admin.connection.add').filter(
        (x) => x.status === 'error' && JSON.parse(x.details!).name === 'demo',
      ),
    ).toHaveLength(1);
  });

  it('revoking an unknown agent, grants naming an unknown connection, removing an unknown connection', async () => {
    expect((await t.admin('DELETE', '/v1/admin/agents/nope')).statusCode).toBe(404);
    expect(entries('admin.agent.revoke').filter((x) => x.status === 'error')).toHaveLength(1);
    const a = await t.createAgent('bot', []);
    const bad = await t.admin('PUT', `/v1/admin/agents/${a.id}/grants`, {
      grants: [{ connection: 'ghost', table: 't', actions: ['read'] }],
    });
    expect(bad.statusCode).toBe(400);
    const g = entries('admin.grants.replace').filter((x) => x.status === 'error');
    expect(g).toHaveLength(1);
    expect(g[0]!.reason).toMatch(/ghost/);
    expect((await t.admin('DELETE', '/v1/admin/connections/ghost')).statusCode).toBe(404);
    expect(entries('admin.connection.remove').filter((x) => x.status === 'error')).toHaveLength(1);
  });

  it('successful changes still have exactly one entry each', async () => {
    await t.createAgent('bot2', [{ connection: 'demo', table: 'orders', actions: ['read'] }]);
    expect(
      entries('admin.agent.create').filter(
        (x) => JSON.parse(x.details!).name === 'bot2' && x.status === 'allowed',
      ),
    ).toHaveLength(1);
  });
});

describe('sign-ins are audited, never with the token', () => {
  it('link issued, used, reused (refused), and sign-out', async () => {
    const url = await loginLink(t);
    const token = new URL(url).searchParams.get('token')!;
    const { cookie } = await openLink(t, url);
    expect(cookie).not.toBeNull();
    const again = await openLink(t, url);
    expect(again.cookie).toBeNull();
    const out = await t.request({
      method: 'POST',
      url: '/v1/ui/logout',
      headers: { cookie: cookie!, 'x-airlock-ui': '1' },
      payload: {},
    });
    expect(out.statusCode).toBe(200);
    expect(entries('admin.signin-link.issue').length).toBeGreaterThanOrEqual(1);
    const signins = entries('admin.signin');
    expect(signins.map((x) => x.status)).toEqual(['allowed', 'denied']);
    expect(signins[1]!.reason).toMatch(/already used|unknown/);
    expect(entries('admin.signout')).toHaveLength(1);
    const all = everything();
    expect(all).not.toContain(token);
    expect(all).not.toContain(cookie!.split('=')[1]!);
  });

  it('a made-up token is a refused sign-in', async () => {
    const before = entries('admin.signin').length;
    const r = await t.request({ method: 'GET', url: '/login?token=made-up-token-value' });
    expect(r.statusCode).not.toBe(303);
    const after = entries('admin.signin');
    expect(after.length).toBe(before + 1);
    expect(after[after.length - 1]!.status).toBe('denied');
  });
});

describe('audit reports over the admin API and the UI', () => {
  it('public key and checkpoints', async () => {
    const k = await t.admin('GET', '/v1/admin/audit/public-key');
    expect(k.statusCode).toBe(200);
    const { publicKey, fingerprint } = k.json() as { publicKey: string; fingerprint: string };
    expect(parsePublicKey(publicKey)).not.toBeNull();
    expect(fingerprint).toBe(t.core.signer.fingerprint);
    const c = await t.admin('GET', '/v1/admin/audit/checkpoints');
    expect(c.statusCode).toBe(200);
    expect((c.json() as { signer: { fingerprint: string } }).signer.fingerprint).toBe(fingerprint);
  });

  it('POST /v1/admin/audit/reports → a JSON report that verifies offline; the export is audited', async () => {
    const r = await t.admin('POST', '/v1/admin/audit/reports', { format: 'json' });
    expect(r.statusCode, r.body).toBe(200);
    const report = r.json() as AuditReport;
    expect(verifyReport({ report, expectedKey: t.core.signer.publicKey })).toMatchObject({
      ok: true,
    });
    expect(
      entries('admin.audit.export').filter((x) => x.status === 'allowed').length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('CSV: the file, and its FILE.sig.json at the URL the answer names', async () => {
    const r = await t.admin('POST', '/v1/admin/audit/reports', { format: 'csv', status: 'error' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/csv/);
    const sigUrl = r.headers['x-airlock-signature'] as string;
    expect(sigUrl).toMatch(/^\/v1\/admin\/audit\/reports\/[\w-]+\/signature$/);
    const side = await t.admin('GET', sigUrl);
    expect(side.statusCode).toBe(200);
    expect(
      verifyReport({
        report: side.json(),
        file: r.rawPayload,
        expectedKey: t.core.signer.publicKey,
      }),
    ).toMatchObject({ ok: true });
    expect((await t.admin('GET', '/v1/admin/audit/reports/nope/signature')).statusCode).toBe(404);
  });

  it('bad input is refused: an unknown format, a date that is not ISO', async () => {
    expect((await t.admin('POST', '/v1/admin/audit/reports', { format: 'docx' })).statusCode).toBe(
      400,
    );
    expect(
      (await t.admin('POST', '/v1/admin/audit/reports', { format: 'json', from: 'yesterday' }))
        .statusCode,
    ).toBe(400);
  });

  it('the UI: signer, and a report job that finishes with its files', async () => {
    const ui = await signIn(t);
    const signer = await ui.call('auditSigner', {});
    expect(signer.fingerprint).toBe(t.core.signer.fingerprint);
    let job = await ui.call('startReport', { format: 'pdf' });
    for (let i = 0; i < 200 && job.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await ui.call('reportStatus', { id: job.id });
    }
    expect(job.state, job.error ?? '').toBe('done');
    expect(job.files!.map((f) => f.name)).toEqual([
      expect.stringMatching(/\.pdf$/),
      expect.stringMatching(/\.pdf\.sig\.json$/),
    ]);
    const pdf = Buffer.from(job.files![0]!.contentBase64, 'base64');
    const side = JSON.parse(
      Buffer.from(job.files![1]!.contentBase64, 'base64').toString(),
    ) as unknown;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(
      verifyReport({ report: side, file: pdf, expectedKey: t.core.signer.publicKey }),
    ).toMatchObject({ ok: true });
  });
});
