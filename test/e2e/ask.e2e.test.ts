/**
 * The Ask page and the semantic layer editor in a real browser (Debian's chromium driven by
 * playwright-core) against `bin/airlock serve` on a fresh data dir. Ollama is played by the
 * test double that speaks its HTTP API (not a model): with nothing listening the page says
 * how to start Ollama; with the model missing it says how to get it; with the double scripted
 * to write SQL, a question shows the SQL, explanation, summary and rows, the SQL is edited and
 * re-run through the guard, saved as a verified example and found in the semantic layer
 * editor, which also edits descriptions, shows validation errors by path and round-trips YAML.
 * Screenshots go to test/e2e/screenshots/ask*.png and semantic*.png (git-ignored).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deadOllamaUrl,
  sqlAnswer,
  startOllamaDouble,
  type OllamaDouble,
} from '../doubles/ollama-double';
import { openBrowserSession, type BrowserSession, type RunningAirlock } from './browser-env';

const MODEL = 'qwen2.5-coder:7b';
const QUESTION = 'How many orders are there per status?';
const ANSWER_SQL =
  'SELECT status, COUNT(*) AS orders FROM orders GROUP BY status ORDER BY orders DESC';
const EDITED_SQL =
  'SELECT status, COUNT(*) AS orders FROM orders GROUP BY status ORDER BY orders DESC LIMIT 3';

let session: BrowserSession;
let server: RunningAirlock;
let page: Page;
let problems: string[];
let shot: BrowserSession['shot'];
let downloads: string;
let ollama: OllamaDouble;
/** Requests the test makes fail on purpose (an invalid layer, a broken file): the browser logs their 400. */
let expectedBadRequests = 0;

beforeAll(async () => {
  downloads = mkdtempSync(join(tmpdir(), 'airlock-ask-e2e-dl-'));
  ollama = await startOllamaDouble({ models: [MODEL] });
  ollama.otherwise(sqlAnswer(ANSWER_SQL, 'Counts the orders in each status.'));
  session = await openBrowserSession({
    prefix: 'airlock-ask-e2e-',
    context: { acceptDownloads: true },
    allowConsole: (text) => {
      if (expectedBadRequests > 0 && /status of 400 \(Bad Request\)/.test(text)) {
        expectedBadRequests--;
        return true;
      }
      return false;
    },
  });
  ({ server, page, problems, shot } = session);
  await page.waitForLoadState('networkidle');
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

/** Waits until the Ollama banner shows this state (its check runs in the background). */
async function banner(kind: 'ready' | 'down' | 'no-model') {
  const b = page.locator(`[data-testid="ollama-banner"][data-kind="${kind}"]`);
  await b.waitFor();
  return b;
}

async function setOllamaUrl(url: string): Promise<void> {
  await go('/settings');
  await page.getByTestId('ollama-url').fill(url);
  await page.getByTestId('save-settings').click();
  await page.getByText('Settings saved').first().waitFor();
}

describe('asking in plain language, and the semantic layer editor', { timeout: 120_000 }, () => {
  it('says how to start Ollama when nothing answers, with a way to Settings', async () => {
    await setOllamaUrl(await deadOllamaUrl());
    await go('/ask');
    const down = await banner('down');
    expect(await down.innerText()).toMatch(/not answering/);
    await expect(
      page.getByTestId('ollama-guidance').locator('li').count(),
    ).resolves.toBeGreaterThan(0);
    await expect(down.getByRole('link', { name: /Open Settings/ }).isVisible()).resolves.toBe(true);

    // Asking anyway fails with the same guidance, never a blank page.
    await page.getByTestId('ask-question').fill(QUESTION);
    await page.getByTestId('ask-question').press('Enter');
    const failed = page.getByTestId('query-refusal');
    await failed.waitFor();
    expect(await failed.innerText()).toMatch(/could not be answered[\s\S]*OLLAMA_UNAVAILABLE/);
    await shot('ask-ollama-down');
  });

  it('says the model is missing and which ones are installed', async () => {
    ollama.models.splice(0, ollama.models.length, 'llama3.2:3b');
    try {
      await setOllamaUrl(ollama.url);
      await go('/ask');
      const missing = await banner('no-model');
      expect(await missing.innerText()).toMatch(/qwen2\.5-coder:7b[\s\S]*llama3\.2:3b/);
      await shot('ask-model-missing');
    } finally {
      ollama.models.splice(0, ollama.models.length, MODEL);
    }
    await page.getByTestId('ollama-check-again').click();
    await banner('ready');
  });

  it('answers a question: the SQL, what it does, a summary of the rows, and the rows', async () => {
    await go('/ask');
    await banner('ready');
    await shot('ask-empty');
    await page.getByTestId('ask-question').fill(QUESTION);
    await page.getByTestId('ask-question').press('Enter');
    await page.getByTestId('ask-answer').waitFor();
    expect(await page.getByTestId('ask-explanation').innerText()).toBe(
      'Counts the orders in each status.',
    );
    expect((await page.getByTestId('ask-summary').innerText()).length).toBeGreaterThan(10);
    expect(await page.getByTestId('sql-view').innerText()).toBe(ANSWER_SQL);
    await page
      .getByTestId('row-count')
      .filter({ hasText: /^6 rows$/ })
      .waitFor();
    // The model saw the question (through the double), and the ask is in the audit log.
    expect(ollama.allText()).toContain(QUESTION);
    const auditLink = await page.getByTestId('ask-audit-link').innerText();
    expect(auditLink).toMatch(/^Ask’s audit entry #\d+$/);

    await page.getByTestId('ask-attempts').click();
    await page.getByTestId('ask-attempt-list').getByText(ANSWER_SQL).waitFor();
    await shot('ask-answer', true);

    await page.getByTestId('result-view').locator('label', { hasText: 'Chart' }).click();
    await page.getByTestId('echart').locator('canvas').waitFor();
    await shot('ask-chart', true);
    await page.getByTestId('result-view').locator('label', { hasText: 'Grid' }).click();

    const download = page.waitForEvent('download');
    await page.getByTestId('export-menu').click();
    await page.getByTestId('export-csv').click();
    const file = await download;
    const saved = join(downloads, file.suggestedFilename());
    await file.saveAs(saved);
    const lines = readFileSync(saved, 'utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('status,orders');
    expect(lines).toHaveLength(7);
  });

  it('edits the SQL and re-runs it through the guard, then keeps it as a verified example', async () => {
    await page.getByTestId('ask-edit').click();
    const editor = page.getByTestId('ask-editor').locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await editor.fill(EDITED_SQL);
    await page.keyboard.press('Control+Enter');
    await page
      .getByTestId('row-count')
      .filter({ hasText: /^3 rows$/ })
      .waitFor();
    await shot('ask-edited', true);

    // A write is refused by the guard here as anywhere.
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await editor.fill("DELETE FROM orders WHERE status = 'cancelled'");
    await page.getByTestId('ask-rerun').click();
    const refusal = page.getByTestId('query-refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/Denied|STATEMENT_NOT_ALLOWED|read/i);
    await expect(page.getByTestId('ask-save-example').isDisabled()).resolves.toBe(true);
    await shot('ask-edit-denied', true);

    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await editor.fill(EDITED_SQL);
    await page.getByTestId('ask-rerun').click();
    await page
      .getByTestId('row-count')
      .filter({ hasText: /^3 rows$/ })
      .waitFor();
    await page.getByTestId('ask-save-example').click();
    await page.getByText('Saved as a verified example').first().waitFor();
  });

  it('shows the example in the semantic layer editor', async () => {
    await go('/semantic/demo');
    await page.getByTestId('semantic-tab-examples').click();
    const example = page.getByTestId('semantic-example-0');
    await example.waitFor();
    expect(await example.innerText()).toContain(QUESTION);
    expect(await example.innerText()).toContain('LIMIT 3');
    await shot('semantic-examples', true);
  });

  it('describes a table and a column, and shows an invalid relationship by its path', async () => {
    await page.getByTestId('semantic-tab-tables').click();
    await page.getByTestId('semantic-table-orders').click();
    await page.getByTestId('semantic-table-description').fill('One row per customer order.');
    await page.getByTestId('semantic-column-status-description').fill('Where the order is.');
    await shot('semantic-tables', true);
    await page.getByTestId('semantic-save').click();
    await page.getByText('Semantic layer saved').first().waitFor();

    await page.getByTestId('semantic-tab-relationships').click();
    await page.getByTestId('semantic-add-relationship').click();
    await page.getByTestId('semantic-relationship-0-from').fill('orders.customer_id');
    await page.getByTestId('semantic-relationship-0-to').fill('customers.no_such_column');
    expectedBadRequests++;
    await page.getByTestId('semantic-save').click();
    const issues = page.getByTestId('semantic-issues');
    await issues.waitFor();
    expect(await issues.innerText()).toMatch(
      /Relationship 1 › to[\s\S]*no column 'no_such_column'/,
    );
    await shot('semantic-invalid', true);
    await page.getByTestId('semantic-relationship-0-to').fill('customers.id');
    await page.getByTestId('semantic-save').click();
    // Saved: the issues go, and nothing is left unsaved.
    await issues.waitFor({ state: 'detached' });
    await page.getByTestId('semantic-dirty').waitFor({ state: 'detached' });
  });

  it('exports the layer as YAML and imports it back', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('semantic-download').click();
    const file = await download;
    const saved = join(downloads, file.suggestedFilename());
    await file.saveAs(saved);
    const yaml = readFileSync(saved, 'utf8');
    expect(yaml).toContain('One row per customer order.');
    expect(yaml).toContain(QUESTION);

    const edited = join(downloads, 'edited.yaml');
    writeFileSync(edited, yaml.replace('One row per customer order.', 'Every order, one row.'));
    await page.getByTestId('semantic-upload').setInputFiles(edited);
    await page.getByText('Semantic layer imported').first().waitFor();
    await page.getByTestId('semantic-tab-tables').click();
    await page.getByTestId('semantic-table-orders').click();
    await expect(page.getByTestId('semantic-table-description').inputValue()).resolves.toBe(
      'Every order, one row.',
    );

    // A broken file is refused with the line it breaks at; nothing is replaced.
    const broken = join(downloads, 'broken.yaml');
    writeFileSync(broken, 'tables:\n  - name: orders\n   description: [unclosed\n');
    expectedBadRequests++;
    await page.getByTestId('semantic-upload').setInputFiles(broken);
    const issues = page.getByTestId('semantic-issues');
    await issues.waitFor();
    expect(await issues.innerText()).toMatch(/line \d+/);
    await shot('semantic-yaml-error', true);
  });

  it("streams: the stage and the model's SQL appear while it writes, then the answer", async () => {
    const content = JSON.stringify({
      sql: ANSWER_SQL,
      explanation: 'Counts the orders in each status.',
    });
    const pieces = content.match(/.{1,12}/g)!;
    ollama.reply({ content, chunks: pieces, chunkDelayMs: 150 });
    await go('/ask');
    await page.getByTestId('ask-question').fill(QUESTION);
    await page.getByTestId('ask-submit').click();
    // Part of the SQL is on screen before the whole of it has been written.
    // A function, never a string: Playwright evaluates a string predicate with eval inside the
    // page, which the app's CSP (no 'unsafe-eval') refuses once polling begins.
    await page.waitForFunction((total) => {
      const doc = (
        globalThis as unknown as {
          document: { querySelector(s: string): { textContent: string | null } | null };
        }
      ).document;
      const t = doc.querySelector('[data-testid="ask-tokens"]')?.textContent ?? '';
      return t.length > 0 && t.length < total;
    }, content.length);
    expect(await page.getByTestId('ask-stage').innerText()).toBe('The model is writing SQL');
    await shot('ask-streaming');
    await page.getByTestId('ask-answer').waitFor();
    expect(await page.getByTestId('sql-view').innerText()).toBe(ANSWER_SQL);
  });

  it('Cancel stops the question and the model call', async () => {
    const before = ollama.abandoned;
    ollama.reply({ hang: true });
    await go('/ask');
    await page.getByTestId('ask-question').fill(QUESTION);
    await page.getByTestId('ask-submit').click();
    await page.getByTestId('ask-cancel').click();
    await page.getByTestId('ask-failed').getByText('CANCELLED', { exact: true }).waitFor();
    // The server dropped its request to the model when the browser went away.
    await expect.poll(() => ollama.abandoned, { timeout: 10_000 }).toBe(before + 1);
  });

  it('looks right in the dark theme too', async () => {
    await go('/semantic/demo');
    await page.getByTestId('theme-toggle').click();
    expect(await page.locator('html').getAttribute('data-mantine-color-scheme')).toBe('dark');
    await page.getByTestId('semantic-tab-tables').waitFor();
    await shot('semantic-dark');
    await go('/ask');
    await page.getByTestId('ask-question').fill(QUESTION);
    await page.getByTestId('ask-submit').click();
    await page.getByTestId('ask-answer').waitFor();
    await shot('ask-dark', true);
  });

  it('logged nothing alarming: no page errors, no CSP refusals', () => {
    expect(problems).toEqual([]);
  });
});
