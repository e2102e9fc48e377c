/**
 * "Connect an MCP client" in chromium against `bin/airlock serve`: create an agent and find the
 * configuration for each client with the new key in it, switch clients, copy one, and connect an
 * MCP client with exactly what was copied; later, on the agent's page, the same panel without the
 * key (a placeholder and the reason). Screenshots go to test/e2e/screenshots/ (git-ignored).
 */
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, openBrowserSession, type BrowserSession, type RunningAirlock } from './browser-env';

let session: BrowserSession;
let server: RunningAirlock;
let page: Page;
let dataDir: string;
let problems: string[];
let shot: BrowserSession['shot'];

beforeAll(async () => {
  session = await openBrowserSession({
    prefix: 'airlock-e2e-mcp-',
    viewport: { width: 1440, height: 1000 },
    // The copy button writes the clipboard as in any browser; the test reads it back.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  ({ server, page, dataDir, problems, shot } = session);
  await page.waitForURL(/#\/setup$/);
}, 300_000);

afterAll(async () => {
  await session?.close();
}, 60_000);

const snippet = async (testId: string) => (await page.getByTestId(testId).innerText()).trim();

interface PageGlobals {
  navigator: { clipboard: { readText(): Promise<string> } };
}

interface HttpServerEntry {
  url: string;
  headers: Record<string, string>;
}

describe('Connect an MCP client', { timeout: 120_000 }, () => {
  let apiKey = '';
  const endpoint = () => `${server.base}/mcp`;

  it('after creating an agent: each client’s configuration with the new key in it', async () => {
    await page.goto(`${server.base}/#/agents`);
    await page.getByTestId('new-agent').click();
    await page.getByTestId('agent-name').fill('mcp-bot');
    await page.getByTestId('agent-create').click();
    apiKey = (await page.getByTestId('agent-key').innerText()).trim();
    expect(apiKey).toMatch(/^alk_\S{20,}$/);

    const panel = page.getByTestId('mcp-connect');
    await panel.waitFor();
    expect(await panel.innerText()).toContain(`Airlock serves MCP at ${endpoint()}`);
    // Claude Code first: the command with this server's address and this key.
    expect(await snippet('mcp-claude-code-0')).toBe(
      `claude mcp add --transport http airlock ${endpoint()} \\\n` +
        `  --header "Authorization: Bearer ${apiKey}"`,
    );
    await page.getByTestId('mcp-claude-code-0').scrollIntoViewIfNeeded();
    await shot('mcp-connect-created');

    await page.getByTestId('mcp-tab-cursor').click();
    const cursor = JSON.parse(await snippet('mcp-cursor-0')) as {
      mcpServers: { airlock: HttpServerEntry };
    };
    expect(cursor.mcpServers.airlock).toEqual({
      url: endpoint(),
      headers: { Authorization: `Bearer ${apiKey}` },
    });

    await page.getByTestId('mcp-tab-vscode').click();
    const vscode = await snippet('mcp-vscode-0');
    expect(JSON.parse(vscode)).toMatchObject({
      servers: { airlock: { type: 'http', url: endpoint() } },
    });
    // VS Code asks for the key itself: the file it may share holds none.
    expect(vscode).not.toContain(apiKey);

    await page.getByTestId('mcp-tab-codex').click();
    expect(await snippet('mcp-codex-0')).toBe(
      [
        '[mcp_servers.airlock]',
        `url = "${endpoint()}"`,
        'bearer_token_env_var = "AIRLOCK_API_KEY"',
      ].join('\n'),
    );
    expect(await snippet('mcp-codex-1')).toBe(`export AIRLOCK_API_KEY="${apiKey}"`);

    await page.getByTestId('mcp-tab-claude-desktop').click();
    const desktop = JSON.parse(await snippet('mcp-claude-desktop-0')) as {
      mcpServers: { airlock: { command: string; args: string[]; env: Record<string, string> } };
    };
    // This server runs from the checkout under Node: that node binary, this bin/airlock, this data dir.
    expect(desktop.mcpServers.airlock).toEqual({
      command: process.execPath,
      args: [join(ROOT, 'bin/airlock'), 'mcp', '--data-dir', dataDir],
      env: { AIRLOCK_API_KEY: apiKey },
    });
    expect(await snippet('mcp-claude-desktop-1')).toBe(
      `cd "${ROOT.replace(/\/$/, '')}" && npm run build:mcpb`,
    );
    await shot('mcp-connect-claude-desktop');
  });

  it('copies a configuration, and an MCP client connects with exactly what was copied', async () => {
    await page.getByTestId('mcp-tab-cursor').click();
    const copy = page.getByRole('button', { name: /^Copy ~\/\.cursor\/mcp\.json/ });
    await copy.click();
    await expect.poll(() => copy.innerText()).toBe('Copied');
    // Runs in the page; typed here without the DOM library the Node build leaves out.
    const copied = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).navigator.clipboard.readText(),
    );
    expect(copied).toBe(await snippet('mcp-cursor-0'));

    const entry = (JSON.parse(copied) as { mcpServers: { airlock: HttpServerEntry } }).mcpServers
      .airlock;
    const client = new Client({ name: 'pasted-config', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(entry.url), {
        requestInit: { headers: entry.headers },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('list_connections');
      const listed = await client.callTool({ name: 'list_connections', arguments: {} });
      // A new agent holds no grant yet: it sees no connection, and that is not an error.
      expect(listed.isError).toBeFalsy();
      expect(listed.structuredContent).toEqual({ connections: [], auditId: expect.any(Number) });
    } finally {
      await client.close();
    }
  });

  it('later, on the agent’s page: the same panel, the key not in it, and why', async () => {
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('agent-row-mcp-bot').click();
    await page.getByRole('heading', { name: 'mcp-bot' }).waitFor();
    await page.getByTestId('tab-connect').click();
    await page.getByTestId('mcp-connect').waitFor();
    expect(await page.getByTestId('mcp-key-note').innerText()).toContain(
      'The key was shown only once',
    );
    expect(await snippet('mcp-claude-code-0')).toContain(
      '--header "Authorization: Bearer <AIRLOCK_API_KEY>"',
    );
    await shot('mcp-connect-agent-page');

    await page.getByTestId('mcp-tab-claude-desktop').click();
    const desktop = JSON.parse(await snippet('mcp-claude-desktop-0')) as {
      mcpServers: { airlock: { env: Record<string, string> } };
    };
    expect(desktop.mcpServers.airlock.env).toEqual({ AIRLOCK_API_KEY: '<AIRLOCK_API_KEY>' });
    // Nowhere on the page, not even in markup the eye does not see.
    expect(await page.content()).not.toContain(apiKey);
  });

  it('logged no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
