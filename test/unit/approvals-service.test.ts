/**
 * The approvals service alone (src/main/approvals/approvals.ts) on a migrated in-memory store:
 * the binding, listeners heard only once the request is recorded, single use and release,
 * decisions only on pending and in time, lazy expiry, and what revert may claim.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { beforeEach, describe, expect, it } from 'vitest';
import { Approvals, approvalBinding } from '../../src/main/approvals/approvals';
import type { WritePreview } from '../../src/main/connectors/types';
import type { Clock } from '../../src/main/ports';
import { migrate } from '../../src/main/store/migrations';
import { AirlockError } from '../../src/shared/errors';

let now = Date.parse('2026-03-01T10:00:00.000Z');
const clock: Clock = { now: () => new Date(now), monotonicMs: () => now };
const PREVIEW: WritePreview = {
  rowsAffected: 1,
  before: { columns: ['id', 'city'], rows: [[1, 'Oslo']] },
  revertable: { ok: true },
};
const REQ = {
  agent: { id: 'a1', name: 'bot' },
  connection: 'demo',
  statement: 'UPDATE orders SET city = ? WHERE id = ?',
  params: ['Rome', 1],
};

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof AirlockError) return `${e.status} ${e.code}`;
    throw e;
  }
  throw new Error('did not throw');
};

let approvals: Approvals;
beforeEach(() => {
  const db = new Database(':memory:');
  migrate(db);
  approvals = new Approvals(db, clock, () => 60);
});

/** A recorded pending approval. */
const asked = (req = REQ) => {
  const v = approvals.create(req, PREVIEW);
  approvals.requestedIn(v.id, 1);
  return v;
};

describe('approvals service', () => {
  it('binds agent, connection (any case), statement and parameters', () => {
    const b = (o: Partial<typeof REQ> & { agentId?: string } = {}) =>
      approvalBinding({ agentId: 'a1', ...REQ, ...o });
    expect(b()).toMatch(/^[0-9a-f]{64}$/);
    expect(b({ connection: 'DEMO' })).toBe(b());
    for (const other of [
      b({ agentId: 'a2' }),
      b({ connection: 'demo2' }),
      b({ statement: `${REQ.statement} ` }),
      b({ params: ['Rome', 2] }),
      b({ params: ['Rome', '1'] }),
    ])
      expect(other).not.toBe(b());
  });

  it('listeners hear of an approval once its request is recorded; an unrecorded one is discarded', () => {
    const heard: string[] = [];
    approvals.onRequested((a) => heard.push(a.id));
    const v = approvals.create(REQ, PREVIEW);
    expect(heard).toEqual([]);
    // Not on the record yet: not listed, and no one may decide it.
    expect(approvals.list()).toEqual([]);
    expect(codeOf(() => approvals.decide(v.id, { status: 'approved', by: 'admin' }))).toBe(
      '404 NOT_FOUND',
    );
    approvals.requestedIn(v.id, 7);
    expect(heard).toEqual([v.id]);
    const lost = approvals.create(REQ, PREVIEW);
    approvals.discard(lost.id);
    expect(codeOf(() => approvals.get(lost.id))).toBe('404 NOT_FOUND');
    expect(approvals.list().map((a) => a.id)).toEqual([v.id]);
  });

  it('runs once: claim, refuse reuse, release after a failed write, then claim again', () => {
    const v = asked();
    expect(codeOf(() => approvals.claim(REQ, v.id))).toBe('409 APPROVAL_PENDING');
    approvals.decide(v.id, { status: 'approved', by: 'admin' });
    expect(codeOf(() => approvals.claim({ ...REQ, params: ['Rome', 2] }, v.id))).toBe(
      '409 APPROVAL_MISMATCH',
    );
    expect(codeOf(() => approvals.claim({ ...REQ, agent: { id: 'a2', name: 'x' } }, v.id))).toBe(
      '404 NOT_FOUND',
    );
    expect(approvals.claim(REQ, v.id).status).toBe('executed');
    expect(codeOf(() => approvals.claim(REQ, v.id))).toBe('409 APPROVAL_USED');
    approvals.release(v.id);
    expect(approvals.get(v.id).status).toBe('approved');
    approvals.claim(REQ, v.id);
    approvals.executed(v.id, undefined, 9);
    // Executed and kept no images: nothing to revert with.
    expect(approvals.get(v.id).preview.revertable).toBe(false);
    expect(codeOf(() => approvals.claimRevert(v.id))).toBe('409 CONFLICT');
  });

  it('decides only pending approvals, in time; expiry is read lazily and kept', () => {
    const denied = asked();
    approvals.decide(denied.id, { status: 'denied', by: 'admin', reason: 'no' });
    expect(codeOf(() => approvals.decide(denied.id, { status: 'approved', by: 'admin' }))).toBe(
      '409 CONFLICT',
    );
    expect(codeOf(() => approvals.claim(REQ, denied.id))).toBe('403 APPROVAL_DENIED');
    expect(codeOf(() => approvals.claimRevert(denied.id))).toBe('409 APPROVAL_DENIED');
    const pending = asked();
    expect(codeOf(() => approvals.claimRevert(pending.id))).toBe('409 APPROVAL_PENDING');
    const approved = asked();
    approvals.decide(approved.id, { status: 'approved', by: 'admin' });
    now += 61_000;
    expect(codeOf(() => approvals.decide(pending.id, { status: 'approved', by: 'admin' }))).toBe(
      '410 APPROVAL_EXPIRED',
    );
    expect(codeOf(() => approvals.claim(REQ, approved.id))).toBe('410 APPROVAL_EXPIRED');
    expect(
      approvals
        .list('expired')
        .map((a) => a.id)
        .sort(),
    ).toEqual([pending.id, approved.id].sort());
    expect(approvals.forAgent('a1', denied.id)).toMatchObject({ status: 'denied', reason: 'no' });
    expect(codeOf(() => approvals.forAgent('a2', denied.id))).toBe('404 NOT_FOUND');
  });

  it('a revert claims an executed approval with images once', () => {
    const v = asked();
    approvals.decide(v.id, { status: 'approved', by: 'admin' });
    approvals.claim(REQ, v.id);
    const images = {
      table: 'orders',
      primaryKey: ['id'],
      columns: ['id', 'city'],
      kind: 'update' as const,
      before: [[1, 'Oslo']],
      after: [[1, 'Rome']],
    };
    approvals.executed(v.id, images, 3);
    const claimed = approvals.claimRevert(v.id);
    expect(claimed.images).toEqual(images);
    expect(codeOf(() => approvals.claimRevert(v.id))).toBe('409 CONFLICT');
    approvals.releaseRevert(v.id);
    expect(approvals.get(v.id).status).toBe('executed');
    // The officer's view never carries the images.
    expect(JSON.stringify(approvals.get(v.id))).not.toContain('Rome"]]');
    expect(Object.keys(approvals.get(v.id))).not.toContain('images');
  });
});
