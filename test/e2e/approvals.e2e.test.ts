/**
 * The officer's Approvals page in chromium against `bin/airlock serve`: an agent with a write
 * grant on the demo database sends an UPDATE over REST and gets 202 with an approval; the page
 * lists it with the statement, parameters and the dry run's before-images, and the sidebar
 * counts it; the officer approves, and the agent's retry with the approval id runs once. A
 * second write is denied with a reason, which the agent then receives with APPROVAL_DENIED.
 * The executed write is reverted from History; a write whose rows changed since is not, and the
 * page says why. Screenshots go to test/e2e/screenshots/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  ROOT,
  ensureRendererBuild,
  requireChromium,
  startServe,
  type RunningAirlock,
} from './browser-env';

const SHOTS = join(ROOT, 'test/e2e/screenshots');
let server: RunningAirlock;
let browser: Browser;
let page: Page;
let dataDir: string;
let apiKey = '';
const problems: string[] = [];

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

async function stock(): Promise<number[]> {
  const r = await agentQuery({
    connection: 'demo',
    sql: 'SELECT units_in_stock FROM products WHERE category_id = 1 ORDER BY id',
  });
  expect(r.status).toBe(200);
  return (r.body.rows as [number][]).map((row) => row[0]);
}

async function shot(name: string): Promise<void> {
  // No tooltip from wherever the last click left the mouse; transitions settle.
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  requireChromium();
  ensureRendererBuild();
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'airlock-e2e-approvals-'));
  server = await startServe(dataDir);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    colorScheme: 'light',
  });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(server.loginLink);
  await page.waitForURL(/#\/setup$/);

  const agent = await ui<{ id: string; apiKey: string }>('createAgent', { name: 'inventory-bot' });
  apiKey = agent.apiKey;
  // A write grant with no "approval" key: approval is required by default.
  await ui('putGrants', {
    id: agent.id,
    grants: [{ connection: 'demo', table: 'products', actions: ['read', 'write'] }],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
