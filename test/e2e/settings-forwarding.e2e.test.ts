/**
 * Settings → Audit forwarding in chromium, as an officer uses it against `bin/airlock serve`:
 * add a syslog destination, save, see it take entries, press "Send test message" and read the
 * result (the collector, a real TCP listener on loopback, receives it); a collector on the
 * local network without the confirmation is refused with the reason, and nothing is saved.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpCollector, type Collector } from '../helpers/syslog-listener';
import { SHOTS, openBrowserSession, type BrowserSession, type RunningAirlock } from './browser-env';

let session: BrowserSession;
let server: RunningAirlock;
let collector: Collector;
let page: Page;
let problems: string[];

beforeAll(async () => {
  collector = await tcpCollector();
  session = await openBrowserSession({
    prefix: 'airlock-e2e-fwd-',
    viewport: { width: 1440, height: 1400 },
    // The refused save answers 400 on purpose; the browser logs that request as an error.
    allowConsole: (text) => /status of 400/.test(text),
  });
  ({ server, page, problems } = session);
}, 300_000);

afterAll(async () => {
  await session?.close();
  await collector?.stop();
}, 60_000);

describe('Settings → Audit forwarding', () => {
  it('adds a syslog destination, forwards to it, and sends a test message with the result shown', async () => {
    await page.goto(`${server.base}/#/settings`);
    const section = page.getByTestId('audit-forwarding');
    await section.waitFor();
    await page.getByTestId('forward-add').click();
    await page.getByTestId('forward-port-0').fill(String(collector.port));
    await page.getByTestId('save-settings').click();
    await page.getByText('Settings saved').first().waitFor();

    // The save is itself an entry, and the first one forwarded.
    await page.getByTestId('forward-status').getByText('ok').waitFor({ timeout: 15_000 });
    await expect.poll(() => collector.messages.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(collector.messages[0]!.appName).toBe('airlock');

    await page.getByTestId('forward-test-0').click();
    const result = page.getByTestId('forward-test-result-0');
    await result.waitFor();
    expect(await result.innerText()).toContain(
      `a test message was sent to syslog-tcp://127.0.0.1:${collector.port}`,
    );
    await expect.poll(() => collector.messages.some((m) => m.msgId === 'airlock.test')).toBe(true);
    await page.waitForTimeout(300);
    await section.screenshot({ path: join(SHOTS, 'settings-audit-forwarding.png') });
  });

  it('refuses a collector on the local network until it is confirmed', async () => {
    await page.getByTestId('forward-host-0').fill('10.1.2.3');
    await page.getByText('This collector is not on this machine').waitFor();
    await page.getByTestId('save-settings').click();
    const refusal = page.getByText('The settings were not saved');
    await refusal.waitFor();
    expect(
      await page.getByText(/on the local network, and that has not been confirmed/).count(),
    ).toBeGreaterThan(0);
    // Nothing was saved: Discard brings back the loopback collector.
    await page.getByRole('button', { name: 'Discard' }).click();
    expect(await page.getByTestId('forward-host-0').inputValue()).toBe('127.0.0.1');
    expect(problems).toEqual([]);
  });
});
