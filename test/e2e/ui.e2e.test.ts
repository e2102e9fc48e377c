/**
 * A new user's path through the UI in a real browser (Debian's chromium driven by
 * playwright-core) against `bin/airlock serve` on a fresh data dir: sign in with the link,
 * create an agent, grant two tables with one column hidden, query and chart in the workbench,
 * export CSV, see the agent's denial in the audit page, verify the chain, 100,000 rows in the
 * grid, a question in plain language (Ollama played by a test double that speaks its API),
 * every page in light and dark, and a tampered log named at its first broken entry. Screenshots go to test/e2e/screenshots/ (git-ignored).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deadOllamaUrl,
  sqlAnswer,
  startOllamaDouble,
  type OllamaDouble,
} from '../doubles/ollama-double';
import { openBrowserSession, type BrowserSession, type RunningAirlock } from './browser-env';

let session: BrowserSession;
let server: RunningAirlock;
let page: Page;
let dataDir: string;
let problems: string[];
let shot: BrowserSession['shot'];
let downloads: string;
let ollama: OllamaDouble;
/** The model Settings name by default; the double lists it as installed. */
const DEFAULT_MODEL = 'qwen2.5-coder:7b';

beforeAll(async () => {
  downloads = mkdtempSync(join(tmpdir(), 'airlock-e2e-dl-'));
  ollama = await startOllamaDouble({ models: [DEFAULT_MODEL] });
  ollama.otherwise(
    sqlAnswer(
      'SELECT status, COUNT(*) AS orders FROM orders GROUP BY status ORDER BY orders DESC',
      'Counts the orders in each status.',
    ),
  );
  // The first test signs in itself: that the link works once is part of what it checks.
  session = await openBrowserSession({
    prefix: 'airlock-e2e-',
    context: { acceptDownloads: true },
    signIn: false,
  });
  ({ server, page, dataDir, problems, shot } = session);
}, 300_000);

afterAll(async () => {
  await session?.close();
  await ollama?.close();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
}, 60_000);

async function go(hash: string): Promise<void> {
  await page.goto(`${server.base}/#${hash}`);
  await page.waitForLoadState('networkidle');
}

/** Replaces the editor's text and runs it with Ctrl+Enter, as a person would. */
async function runSql(sql: string): Promise<void> {
  const editor = page.locator('.cm-content');
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await editor.fill(sql);
  await page.keyboard.press('Control+Enter');
}

async function pick(testId: string, option: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: option }).click();
}

// Generous per-step time: CI runs every test file at once, and a browser shares the machine.
describe('the management UI in a browser', { timeout: 120_000 }, () => {
  let apiKey = '';

  it('signs in with the one-time link and lands in the guided setup', async () => {
    await page.goto(server.loginLink);
    // The app picks its first page once it has read the state: wait for it, however slow.
    await page.waitForURL(/#\/setup$/);
    await page.getByRole('heading', { name: 'Welcome to Airlock' }).waitFor();
    await page.getByText('The demo database is ready').waitFor();
    expect(page.url()).toMatch(/#\/setup$/);
    await shot('setup');

    // The link works once: a second visit is refused.
    const again = await fetch(server.loginLink, { redirect: 'manual' });
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  it('creates the first agent and shows its key once, with a curl example', async () => {
    await page.getByTestId('setup-next').click();
    await page.getByTestId('agent-name').fill('reporting-bot');
    await page.getByTestId('agent-create').click();
    apiKey = (await page.getByTestId('agent-key').innerText()).trim();
    expect(apiKey).toMatch(/^alk_\S{20,}$/);
    expect(await page.getByTestId('agent-curl').innerText()).toContain(`Bearer ${apiKey}`);
    await shot('setup-agent-key');
    await page.getByTestId('setup-next').click();
    await page.getByTestId('setup-grants').click();
    await page.getByRole('heading', { name: 'reporting-bot' }).waitFor();
  });

  it('grants two tables with one column hidden, and previews exactly that', async () => {
    await page.getByTestId('grant-read-demo-customers').check();
    await page.getByTestId('grant-read-demo-employees').check();
    await page.getByTestId('expand-demo-employees').click();
    await page.getByTestId('grant-read-demo-employees-salary').uncheck();
    await expect(page.getByTestId('grant-read-demo-employees').isChecked()).resolves.toBe(false); // indeterminate
    await shot('agent-grants');
    await page.getByTestId('save-grants').click();
    await page.getByText('Grants saved').waitFor();

    await page.getByTestId('tab-preview').click();
    const employees = page.getByTestId('preview-demo-employees');
    await employees.waitFor();
    await expect(employees.locator('[data-visible="false"]').allInnerTexts()).resolves.toEqual([
      'salary',
    ]);
    await expect(page.getByTestId('preview-demo-customers').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('preview-demo-orders').count()).resolves.toBe(0);
    await shot('agent-access-preview');

    // The key read from the page is the agent's real key, and the grants are the policy's.
    const ask = (sql: string) =>
      fetch(`${server.base}/v1/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ connection: 'demo', sql }),
      });
    expect((await ask('SELECT first_name FROM employees LIMIT 1')).status).toBe(200);
    expect((await ask('SELECT salary FROM employees LIMIT 1')).status).toBe(403);
  });

  it('lists the agent and the connections, with the schema browser', async () => {
    await go('/agents');
    await page.getByTestId('agent-row-reporting-bot').waitFor();
    await shot('agents');
    await go('/connections');
    await page.getByTestId('schema-table-employees').click();
    await page.getByRole('cell', { name: 'national_id' }).waitFor();
    await shot('connections');
  });

  it('runs a query in the workbench, charts it and exports CSV', async () => {
    await go('/workbench');
    await runSql(
      'SELECT status, COUNT(*) AS orders, ROUND(SUM(total), 2) AS revenue FROM orders GROUP BY status ORDER BY orders DESC',
    );
    await expect(page.getByTestId('row-count').innerText()).resolves.toBe('6 rows');
    await shot('workbench');

    await page.getByTestId('result-view').locator('label', { hasText: 'Chart' }).click();
    await page.getByTestId('echart').locator('canvas').waitFor();
    await shot('workbench-chart');
    await page.getByTestId('result-view').locator('label', { hasText: 'Grid' }).click();

    const download = page.waitForEvent('download');
    await page.getByTestId('export-menu').click();
    await page.getByTestId('export-csv').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^demo-\d{8}-\d{6}\.csv$/);
    const saved = join(downloads, file.suggestedFilename());
    await file.saveAs(saved);
    const lines = readFileSync(saved, 'utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('status,orders,revenue');
    expect(lines).toHaveLength(7);
    expect(lines[1]).toMatch(/^delivered,\d+,\d+(\.\d+)?$/);
  });

  it('shows why the agent would be denied, and finds the denial in the audit page', async () => {
    await pick('wb-run-as', 'Agent: reporting-bot');
    await runSql('SELECT first_name, salary FROM employees');
    const refusal = page.getByTestId('query-refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(
      /reporting-bot would be denied[\s\S]*salary[\s\S]*PERMISSION_DENIED/,
    );
    await shot('workbench-denied');
    const link = page.getByTestId('refusal-audit-link');
    const auditId = Number((await link.innerText()).replace(/\D/g, ''));
    expect(auditId).toBeGreaterThan(0);

    await go('/audit');
    await page.getByTestId('audit-status').locator('label', { hasText: 'Denied' }).click();
    // The filter is kept in the address first; the previous page stays on screen, dimmed,
    // until the filtered one arrives — so wait for both, in that order.
    // Predicates are functions, never strings: Playwright evaluates a string with eval inside
    // the page, which the app's CSP (no 'unsafe-eval') refuses as soon as polling begins.
    await page.waitForFunction(() =>
      (globalThis as unknown as { location: { hash: string } }).location.hash.includes(
        'status=denied',
      ),
    );
    await page.locator('[data-testid="audit-results"][data-stale="false"]').waitFor();
    // Fails by timeout if an allowed entry is still listed once the filtered page is shown.
    await page.waitForFunction(
      () => {
        const doc = (
          globalThis as unknown as {
            document: {
              querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }>;
            };
          }
        ).document;
        const statuses = Array.from(doc.querySelectorAll('tr[data-status]')).map((r) =>
          r.getAttribute('data-status'),
        );
        return statuses.length > 0 && statuses.every((st) => st === 'denied');
      },
      null,
      { timeout: 15_000 },
    );
    const row = page.getByTestId(`audit-row-${auditId}`);
    await row.waitFor();
    expect(
      await page
        .locator('tr[data-status]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status'))),
    ).not.toContain('allowed');
    await shot('audit');
    await row.click();
    await page.getByTestId('audit-reason').waitFor();
    expect(await page.getByTestId('audit-reason').innerText()).toMatch(/salary/);
    expect(await page.getByTestId('sql-view').innerText()).toContain(
      'SELECT first_name, salary FROM employees',
    );
    await shot('audit-entry');
    await page.keyboard.press('Escape');
  });

  it('verifies the audit chain: intact', async () => {
    await page.getByTestId('verify-chain').click();
    const verdict = page.getByTestId('verify-verdict');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-ok')).toBe('true');
    expect(await verdict.innerText()).toMatch(/Chain intact — \d+ entries verified/);
    await shot('audit-verify');

    // An entry by number, as an auditor is handed it.
    await page.getByTestId('audit-jump').fill('1');
    await page.getByTestId('audit-jump').press('Enter');
    await page.getByRole('dialog', { name: /^Audit entry #1\b/ }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('raises the row limit in Settings and scrolls 100,000 rows in the virtualized grid', async () => {
    await go('/settings');
    const maxRows = page.getByTestId('limit-maxRows');
    await maxRows.fill('200000');
    await page.getByTestId('save-settings').click();
    await page.getByText('Settings saved').waitFor();
    await expect(page.getByTestId('data-dir').innerText()).resolves.toBe(dataDir);
    await shot('settings');

    await go('/workbench');
    await pick('wb-run-as', 'Me (full access)');
    await page.getByTestId('wb-max-rows').fill('100000');
    await runSql(
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, i * i % 1000 AS bucket FROM n',
    );
    await expect(page.getByTestId('row-count').innerText({ timeout: 60_000 })).resolves.toBe(
      '100,000 rows',
    );
    const grid = page.getByTestId('result-grid');
    // Only the rows on screen exist in the DOM.
    expect(await grid.locator('[role=row]').count()).toBeLessThan(120);
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await grid.locator('[aria-rowindex="100001"]').waitFor();
    await shot('workbench-100k');

    // Every run is in the history, newest first; picking one puts it back in the editor.
    await page.getByTestId('wb-history-tab').click();
    const items = page.locator('.history-item');
    await expect(items.count()).resolves.toBeGreaterThanOrEqual(3);
    expect(await items.first().innerText()).toContain('WITH RECURSIVE');
    expect(await items.nth(1).innerText()).toMatch(/salary[\s\S]*refused[\s\S]*as reporting-bot/);
    await shot('workbench-history');
    await items.nth(2).click();
    expect(await page.locator('.cm-content').innerText()).toContain('GROUP BY status');

    // The editor's standard history: typing can be undone and redone from the keyboard.
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' LIMIT 3');
    expect(await editor.innerText()).toContain('LIMIT 3');
    await page.keyboard.press('Control+z');
    // One step back: the typing goes, the query picked from the history stays.
    expect(await editor.innerText()).not.toContain('LIMIT 3');
    expect(await editor.innerText()).toContain('GROUP BY status');
    await page.keyboard.press('Control+y');
    expect(await editor.innerText()).toMatch(/GROUP BY status ORDER BY orders DESC LIMIT 3$/);
  });

  it('answers a question in plain language through the local model, or says how to set it up', async () => {
    // Nothing listens here: the status and the workbench both say what to do.
    await go('/settings');
    await page.getByTestId('ollama-url').fill(await deadOllamaUrl());
    await page.getByTestId('save-settings').click();
    await page.getByText('questions will not work yet').waitFor();
    await shot('settings-ollama-down');

    await go('/workbench');
    await pick('wb-run-as', 'Me (full access)');
    await page.getByTestId('wb-question').fill('How many orders are there per status?');
    await page.getByTestId('wb-ask').click();
    const refusal = page.getByTestId('query-refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/could not be answered[\s\S]*OLLAMA_UNAVAILABLE/);
    await expect(page.getByTestId('ask-guidance').locator('li').count()).resolves.toBeGreaterThan(
      0,
    );
    await shot('workbench-ask-unavailable');

    // A test double that speaks Ollama's API (not a model) writes the SQL; Airlock checks and runs it.
    await go('/settings');
    await page.getByTestId('ollama-url').fill(ollama.url);
    await page.getByTestId('save-settings').click();
    await page.getByText('ready for questions').waitFor();
    await go('/workbench');
    await page.getByTestId('wb-question').fill('How many orders are there per status?');
    await page.getByTestId('wb-ask').click();
    await page.getByTestId('ask-info').waitFor();
    expect(await page.getByTestId('ask-info').innerText()).toContain(
      'Counts the orders in each status.',
    );
    await expect(page.getByTestId('row-count').innerText()).resolves.toBe('6 rows');
    expect(await page.locator('.cm-content').innerText()).toContain('GROUP BY status');
    await shot('workbench-ask');

    // Keep the checked answer: it becomes a verified example in the connection's semantic layer.
    await page.getByTestId('save-example').click();
    await page.getByText('Saved as a verified example').waitFor();
    await go('/connections/demo');
    await page.getByTestId('tab-semantic').click();
    const yaml = page.getByTestId('semantic-layer-yaml');
    await expect(yaml.inputValue()).resolves.toContain('How many orders are there per status?');
    await shot('connections-semantic-layer');
  });

  it('shows the dashboard, and every page in the dark theme, which persists', async () => {
    await go('/');
    await page.getByTestId('stat-agents').waitFor();
    expect(await page.getByTestId('stat-denials').innerText()).toMatch(/[1-9]/);
    await page.getByTestId('echart').locator('canvas').waitFor();
    await shot('dashboard');

    await page.getByTestId('theme-toggle').click();
    await page.reload();
    await page.waitForLoadState('networkidle');
    expect(await page.locator('html').getAttribute('data-mantine-color-scheme')).toBe('dark');
    await page.getByTestId('echart').locator('canvas').waitFor();
    await shot('dashboard-dark');
    for (const [hash, name] of [
      ['/workbench', 'workbench-dark'],
      ['/connections', 'connections-dark'],
      ['/agents', 'agents-dark'],
      ['/audit', 'audit-dark'],
      ['/settings', 'settings-dark'],
    ] as const) {
      await go(hash);
      await shot(name);
    }
  });

  it('reaches every page from the keyboard', async () => {
    await go('/');
    // Whatever the sidebar holds (pages may be added), Tab reaches each entry in order.
    const entries = await page
      .locator('nav [data-testid^="nav-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(entries).toEqual(
      expect.arrayContaining([
        'nav-dashboard',
        'nav-workbench',
        'nav-connections',
        'nav-agents',
        'nav-audit',
        'nav-settings',
      ]),
    );
    const reached: string[] = [];
    for (let i = 0; i < entries.length + 8 && reached.length < entries.length; i++) {
      await page.keyboard.press('Tab');
      const label = await page.locator(':focus').getAttribute('data-testid');
      if (label?.startsWith('nav-') && !reached.includes(label)) reached.push(label);
    }
    expect(reached).toEqual(entries);
    await page.keyboard.press('Shift+Tab'); // back to Audit, the entry before Settings
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/audit$/);
  });

  it('names the first broken entry when the audit log was tampered with', async () => {
    // Stop Airlock, edit entry #3 behind its back (dropping the append-only trigger first), start again.
    // The page leaves first: it polls (the sidebar's approval count), and a server this test stops
    // on purpose would answer those polls with refused connections.
    await page.goto('about:blank');
    await server.stop();
    const key = readFileSync(join(dataDir, 'store.key'), 'utf8').trim();
    const db = new Database(join(dataDir, 'airlock.db'));
    try {
      db.pragma("cipher='sqlcipher'");
      db.pragma('legacy=4');
      db.pragma(`key="x'${key}'"`);
      db.exec('DROP TRIGGER audit_log_no_update');
      expect(db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE id = 3").run().changes).toBe(
        1,
      );
    } finally {
      db.close();
    }
    server = await session.serveAgain();
    await page.goto(server.loginLink);
    await go('/audit');
    await page.getByTestId('verify-chain').click();
    const verdict = page.getByTestId('verify-verdict');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-ok')).toBe('false');
    expect(await verdict.innerText()).toMatch(/Chain broken at entry #3/);
    // A new port is a new origin: the theme choice stays with the old one, so this is light.
    await shot('audit-verify-broken');
  });

  it('signs out: the session ends at once, and a reload stays signed out', async () => {
    const before = problems.length;
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signed-out').waitFor();
    await shot('signed-out');
    await page.reload();
    await page.getByTestId('signed-out').waitFor();
    // The ended session's 401s after the reload are expected here, not problems.
    problems.push(...problems.splice(before).filter((p) => !/401 \(Unauthorized\)/.test(p)));
  });

  it('logged nothing alarming: no page errors, no CSP refusals', () => {
    expect(problems).toEqual([]);
  });
});
