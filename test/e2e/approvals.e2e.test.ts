/**
 * The officer's Approvals page in chromium against `bin/airlock serve`: an agent with a write
 * grant on the demo database sends an UPDATE over REST and gets 202 with an approval; the page
 * lists it with the statement, parameters and the dry run's before-images, and the sidebar
 * counts it; the officer approves, and the agent's retry with the approval id runs once. A
 * second write is denied with a reason, which the agent then receives with APPROVAL_DENIED.
 * The executed write is reverted from History; a write whose rows changed since is not, and the
 * page says why. The link MCP clients are given (`/approvals?id=…`) opens that approval,
 * outlined, in Pending or in History. In the grants editor the table's "Writes wait for
 * approval" switch saves `"approval": "none"` and back (read through the admin API), and the
 * agent's write then runs at once; Settings set the approvals expiry, which new approvals
 * take. Screenshots go to test/e2e/screenshots/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, openBrowserSession, type BrowserSession, type RunningAirlock } from './browser-env';

let session: BrowserSession;
let server: RunningAirlock;
let page: Page;
let dataDir: string;
let problems: string[];
let apiKey = '';
let agentId = '';

/** The write the officer approves: restock the demo's first category. */
const RESTOCK = {
  connection: 'demo',
  sql: 'UPDATE products SET units_in_stock = units_in_stock + ? WHERE category_id = ?',
  params: [25, 1],
};
/** The write the officer denies. */
const DISCONTINUE = {
  connection: 'demo',
  sql: 'UPDATE products SET discontinued = 1 WHERE id = ?',
  params: [3],
};
const DENY_REASON = 'Discontinuing a product is the buyer’s decision; open a ticket instead.';

/** One UI operation with the browser's session cookie, as the page itself calls it. */
async function ui<T>(op: string, input: unknown): Promise<T> {
  const res = await page.request.post(`${server.base}/v1/ui/${op}`, {
    headers: { 'x-airlock-ui': '1' },
    data: input,
  });
  expect(res.status(), `${op}: ${await res.text()}`).toBe(200);
  return (await res.json()) as T;
}

/** The parts of the agent API's answers this test reads. */
interface AgentAnswer {
  approval?: { id: string; status: string; reason?: string; preview: { rowsAffected: number } };
  error?: { code: string; message: string };
  rowCount?: number;
  rows?: unknown[][];
}

async function agentQuery(body: object): Promise<{ status: number; body: AgentAnswer }> {
  const res = await fetch(`${server.base}/v1/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as AgentAnswer };
}

/** The agent's own view of an approval: GET /v1/approvals/{id}. */
async function agentApproval(id: string): Promise<AgentAnswer['approval']> {
  const res = await fetch(`${server.base}/v1/approvals/${id}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as AgentAnswer).approval;
}

/** The admin API with the token `airlock serve` keeps in its data dir. */
async function admin<T>(path: string): Promise<T> {
  const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const res = await fetch(`${server.base}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

/** Opens an approval link as an MCP client hands it to a person: the server's own address. */
async function openLink(id: string): Promise<void> {
  await page.goto(`${server.base}/approvals?id=${encodeURIComponent(id)}`);
  await page.getByRole('heading', { name: 'Approvals' }).waitFor();
}

async function stock(): Promise<number[]> {
  const r = await agentQuery({
    connection: 'demo',
    sql: 'SELECT units_in_stock FROM products WHERE category_id = 1 ORDER BY id',
  });
  expect(r.status).toBe(200);
  return (r.body.rows as [number][]).map((row) => row[0]);
}

async function shot(name: string): Promise<void> {
  // No tooltip from wherever the last click left the mouse.
  await page.mouse.move(0, 0);
  await session.shot(name, true);
}

beforeAll(async () => {
  session = await openBrowserSession({
    prefix: 'airlock-e2e-approvals-',
    viewport: { width: 1440, height: 1000 },
  });
  ({ server, page, dataDir, problems } = session);
  await page.waitForURL(/#\/setup$/);

  const agent = await ui<{ id: string; apiKey: string }>('createAgent', { name: 'inventory-bot' });
  apiKey = agent.apiKey;
  agentId = agent.id;
  // A write grant with no "approval" key: approval is required by default.
  await ui('putGrants', {
    id: agent.id,
    grants: [{ connection: 'demo', table: 'products', actions: ['read', 'write'] }],
  });
}, 300_000);

afterAll(async () => {
  await session?.close();
}, 60_000);

describe('the Approvals page', { timeout: 120_000 }, () => {
  let before: number[] = [];
  let restockId = '';

  it('starts empty, saying what approvals are', async () => {
    await page.goto(`${server.base}/#/approvals`);
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
    await page.getByText('No writes waiting for approval').waitFor();
    expect(await page.getByTestId('approvals-pending-count').count()).toBe(0);
    await shot('approvals-empty');
  });

  it('shows an agent’s write with its preview, and counts it in the sidebar', async () => {
    before = await stock();
    expect(before.length).toBeGreaterThan(1);
    const asked = await agentQuery(RESTOCK);
    expect(asked.status).toBe(202);
    expect(asked.body.approval?.status).toBe('pending');
    expect(asked.body.approval?.preview.rowsAffected).toBe(before.length);
    restockId = asked.body.approval!.id;
    // Not run: the stock is what it was.
    expect(await stock()).toEqual(before);

    // The page polls: the request appears without a reload.
    const card = page.getByTestId(`approval-${restockId}`);
    await card.waitFor();
    await expect
      .poll(() => page.getByTestId('approvals-pending-count').innerText())
      .toMatch(/^1\b/);
    expect(await card.getByTestId('approval-agent').innerText()).toBe('inventory-bot');
    expect(await card.getByTestId('approval-connection').innerText()).toBe('demo');
    expect(await card.getByTestId('sql-view').innerText()).toBe(RESTOCK.sql);
    expect(await card.getByTestId('approval-params').innerText()).toMatch(/#1\s*25[\s\S]*#2\s*1/);
    expect(await card.getByTestId('rows-affected').innerText()).toBe(`${before.length} rows`);
    const images = card.getByTestId('before-images');
    const headers = await images.locator('thead th').allInnerTexts();
    expect(headers).toEqual(expect.arrayContaining(['id', 'units_in_stock']));
    expect(await images.locator('tbody tr').count()).toBe(before.length);
    const stockColumn = headers.indexOf('units_in_stock');
    const shownStock = await images
      .locator(`tbody tr td:nth-child(${stockColumn + 1})`)
      .allInnerTexts();
    expect(shownStock.map(Number)).toEqual(before);
    await card.getByText('Can be reverted').waitFor();

    // Before a decision the agent's retry is refused as pending, and nothing runs.
    const early = await agentQuery({ ...RESTOCK, approvalId: restockId });
    expect(early.status).toBe(409);
    expect(early.body.error?.code).toBe('APPROVAL_PENDING');
    await shot('approvals-pending');
  });

  it('the link an MCP client is given opens that pending approval, outlined', async () => {
    await openLink(restockId);
    const card = page.getByTestId(`approval-${restockId}`);
    await card.waitFor();
    expect(page.url()).toBe(`${server.base}/#/approvals?id=${restockId}`);
    expect(await card.getAttribute('data-linked')).toBe('true');
    await card.getByText('from your link').waitFor();
    expect(await card.getAttribute('style')).toContain('box-shadow');
    await shot('approvals-linked-pending');
  });

  it('approves it, and the agent’s retry with the approval id runs once', async () => {
    await page.getByTestId(`approve-${restockId}`).click();
    const dialog = page.getByRole('dialog', { name: 'Approve this write?' });
    await dialog.waitFor();
    await dialog.getByLabel('Note (optional)').fill('Restock agreed with the warehouse.');
    await dialog.getByTestId('confirm-approve').click();
    await page.getByText('Write approved').waitFor();
    await page.getByTestId(`approval-${restockId}`).waitFor({ state: 'detached' });
    await page.getByText('No writes waiting for approval').waitFor();
    await page.getByTestId('approvals-pending-count').waitFor({ state: 'detached' });

    expect((await agentApproval(restockId))?.status).toBe('approved');

    const ran = await agentQuery({ ...RESTOCK, approvalId: restockId });
    expect(ran.status).toBe(200);
    expect(ran.body.rowCount).toBe(before.length);
    expect(await stock()).toEqual(before.map((n) => n + 25));
    // Once only.
    const again = await agentQuery({ ...RESTOCK, approvalId: restockId });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('APPROVAL_USED');
    expect(await stock()).toEqual(before.map((n) => n + 25));
  });

  it('denies another write with a reason the agent receives', async () => {
    const asked = await agentQuery(DISCONTINUE);
    expect(asked.status).toBe(202);
    const id = asked.body.approval!.id;
    const card = page.getByTestId(`approval-${id}`);
    await card.waitFor();
    expect(await card.getByTestId('rows-affected').innerText()).toBe('1 row');

    await page.getByTestId(`deny-${id}`).click();
    const dialog = page.getByRole('dialog', { name: 'Deny this write?' });
    await dialog.waitFor();
    // The reason is required: an empty one is refused in place, and nothing is sent.
    await dialog.getByTestId('confirm-deny').click();
    await dialog.getByText('Give a reason: the agent receives it.').waitFor();
    await dialog.screenshot({ path: join(SHOTS, 'approvals-deny-reason-required.png') });
    expect(await page.getByTestId(`approval-${id}`).count()).toBe(1);
    await dialog.getByLabel(/Reason/).fill(DENY_REASON);
    await dialog.getByTestId('confirm-deny').click();
    await page.getByText('Write denied').waitFor();
    await card.waitFor({ state: 'detached' });

    const refused = await agentQuery({ ...DISCONTINUE, approvalId: id });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('APPROVAL_DENIED');
    expect(JSON.stringify(refused.body.error)).toContain(DENY_REASON);
    const view = await agentApproval(id);
    expect(view?.status).toBe('denied');
    expect(view?.reason).toBe(DENY_REASON);
    // Not run.
    const product = await agentQuery({
      connection: 'demo',
      sql: 'SELECT discontinued FROM products WHERE id = 3',
    });
    expect(product.body.rows).toEqual([[0]]);
  });

  it('lists both in History, and reverts the executed write', async () => {
    await page.getByTestId('approvals-tab-history').click();
    const history = page.getByTestId('approval-history');
    await history.waitFor();
    const executed = page.getByTestId(`history-${restockId}`);
    await executed.getByText('executed').waitFor();
    await executed.getByText('Restock agreed with the warehouse.').waitFor();
    await history.getByText(DENY_REASON).waitFor();
    await history.getByText('denied', { exact: true }).waitFor();
    await shot('approvals-history');

    await page.getByTestId(`revert-${restockId}`).click();
    await page.getByRole('dialog', { name: 'Revert this write?' }).waitFor();
    await page.getByTestId('confirm-action').click();
    await page.getByText('Write reverted').waitFor();
    await executed.getByText('reverted', { exact: true }).waitFor();
    expect(await page.getByTestId(`revert-${restockId}`).count()).toBe(0);
    expect(await stock()).toEqual(before);
    await shot('approvals-history-reverted');
  });

  it('the link to a decided approval opens History on it; an unknown one says so', async () => {
    await openLink(restockId);
    const row = page.getByTestId(`history-${restockId}`);
    await row.waitFor();
    await expect
      .poll(() => page.url())
      .toBe(`${server.base}/#/approvals?tab=history&id=${restockId}`);
    expect(await row.getAttribute('data-linked')).toBe('true');
    expect(await row.getByText('reverted', { exact: true }).count()).toBe(1);
    // Only that row.
    expect(await page.locator('[data-linked="true"]').count()).toBe(1);
    await shot('approvals-linked-history');

    await openLink('00000000-0000-4000-8000-000000000000');
    const missing = page.getByTestId('linked-missing');
    await missing.waitFor();
    expect(await missing.innerText()).toContain('00000000-0000-4000-8000-000000000000');
    expect(await page.locator('[data-linked="true"]').count()).toBe(0);
  });

  it('refuses to revert a write whose rows changed since, and says so plainly', async () => {
    const reprice = {
      connection: 'demo',
      sql: 'UPDATE products SET unit_price = unit_price + ? WHERE id = ?',
      params: [1, 5],
    };
    const asked = await agentQuery(reprice);
    expect(asked.status).toBe(202);
    const id = asked.body.approval!.id;
    await ui('approveApproval', { id });
    expect((await agentQuery({ ...reprice, approvalId: id })).status).toBe(200);
    // Someone changes the row after the write, outside Airlock.
    const db = new Database(join(dataDir, 'demo.db'));
    try {
      db.prepare('UPDATE products SET unit_price = 99.5 WHERE id = 5').run();
    } finally {
      db.close();
    }

    await page.getByTestId('approvals-tab-pending').click();
    await page.getByTestId('approvals-tab-history').click();
    const row = page.getByTestId(`history-${id}`);
    await row.getByText('executed', { exact: true }).waitFor();
    const before = problems.length;
    await page.getByTestId(`revert-${id}`).click();
    await page.getByTestId('confirm-action').click();
    const alert = page.getByRole('alert').filter({ hasText: 'REVERT_CONFLICT' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain(
      'Not reverted: those rows changed since the write ran, so nothing was written',
    );
    await shot('approvals-revert-conflict');
    // The refused revert answered 409 on purpose; the browser logs that request as an error.
    problems.push(...problems.splice(before).filter((p) => !/409 \(Conflict\)/.test(p)));
    await row.getByText('executed', { exact: true }).waitFor();
    const price = await agentQuery({
      connection: 'demo',
      sql: 'SELECT unit_price FROM products WHERE id = 5',
    });
    expect(price.body.rows).toEqual([[99.5]]);
    expect(problems).toEqual([]);
  });
});

describe('approvals in the grants editor and in Settings', { timeout: 120_000 }, () => {
  type Grants = { grants: { table: string; actions: string[]; approval?: string }[] };
  const RESTOCK_ONE = {
    connection: 'demo',
    sql: 'UPDATE products SET units_in_stock = units_in_stock + ? WHERE id = ?',
    params: [1, 7],
  };

  it('switching "Writes wait for approval" off saves "approval": "none", and the write runs at once', async () => {
    await page.goto(`${server.base}/#/agents/${agentId}`);
    const toggle = page.getByTestId('approval-demo-products');
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(true);
    // Only where write is granted.
    expect(await page.getByTestId('approval-demo-customers').count()).toBe(0);
    await toggle.uncheck();
    await page.getByText('Writes run at once, without a person’s approval.').waitFor();
    await shot('grants-approval-off');
    await page.getByTestId('save-grants').click();
    await page.getByText('Grants saved').waitFor();

    const saved = await admin<Grants>(`/v1/admin/agents/${agentId}/grants`);
    expect(saved.grants).toEqual([
      { connection: 'demo', table: 'products', actions: ['read', 'write'], approval: 'none' },
    ]);
    const ran = await agentQuery(RESTOCK_ONE);
    expect(ran.status).toBe(200);
    expect(ran.body.approval).toBeUndefined();
    expect(ran.body.rowCount).toBe(1);

    // A reload reads it back off, and switching it on again saves the grant without the field.
    await page.reload();
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await page.getByTestId('save-grants').click();
    await page.getByText('Grants saved').waitFor();
    const back = await admin<Grants>(`/v1/admin/agents/${agentId}/grants`);
    expect(back.grants).toEqual([
      { connection: 'demo', table: 'products', actions: ['read', 'write'] },
    ]);
    expect((await agentQuery(RESTOCK_ONE)).status).toBe(202);
  });

  it('Settings set the approvals expiry, refusing less than 30 seconds in place', async () => {
    await page.goto(`${server.base}/#/settings`);
    const field = page.getByTestId('approvals-ttl');
    await field.waitFor();
    // Nothing set: the default hour, shown in minutes.
    expect(await field.inputValue()).toBe('');
    await page.getByTestId('approvals-settings').getByText('1 hour (the default).').waitFor();

    await page.getByTestId('approvals-ttl-unit').getByText('seconds').click();
    await field.fill('10');
    await page.getByText('At least 30 seconds.').waitFor();
    expect(await page.getByTestId('save-settings').isDisabled()).toBe(true);
    await page.getByTestId('approvals-settings').screenshot({
      path: join(SHOTS, 'settings-approvals-invalid.png'),
    });

    await page.getByTestId('approvals-ttl-unit').getByText('minutes').click();
    await field.fill('2');
    await page.getByTestId('approvals-settings').getByText('2 minutes.').waitFor();
    await page.getByTestId('save-settings').click();
    await page.getByText('Settings saved').first().waitFor();
    await page.getByTestId('approvals-settings').screenshot({
      path: join(SHOTS, 'settings-approvals.png'),
    });
    const settings = await admin<{ approvals?: { ttlSeconds?: number } }>('/v1/admin/settings');
    expect(settings.approvals?.ttlSeconds).toBe(120);

    // New approvals take it.
    const asked = await agentQuery({ ...RESTOCK_ONE, params: [2, 7] });
    expect(asked.status).toBe(202);
    const { approvals } = await admin<{
      approvals: { id: string; createdAt: string; expiresAt: string }[];
    }>('/v1/admin/approvals?status=pending');
    const made = approvals.find((a) => a.id === asked.body.approval!.id)!;
    expect(Date.parse(made.expiresAt) - Date.parse(made.createdAt)).toBe(120_000);
    expect(problems).toEqual([]);
  });
});
