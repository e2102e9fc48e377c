/**
 * What the browser tests need around them: a current renderer build, Debian's chromium, and
 * `bin/airlock serve` on a fresh data dir with its one-time sign-in link read from stdout;
 * `openBrowserSession` puts them together into one signed-in page.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where the browser tests leave their screenshots (git-ignored). */
export const SHOTS = join(ROOT, 'test/e2e/screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser test drives Debian's chromium at ${CHROMIUM}, which is missing. Install it: apt-get update && apt-get install -y chromium`,
    );
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The server serves out/renderer. CI builds before testing; locally a missing or stale build
 * (older than any renderer or shared source) is rebuilt here so the test never checks old code.
 */
export function ensureRendererBuild(): void {
  const index = join(ROOT, 'out/renderer/index.html');
  const sources = Math.max(
    newestMtime(join(ROOT, 'src/renderer')),
    newestMtime(join(ROOT, 'src/shared')),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  try {
    execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 280_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(
      `out/renderer is ${existsSync(index) ? 'stale' : 'missing'} and \`npx electron-vite build\` failed: ${err.stderr?.toString() || err.stdout?.toString() || err.message}`,
    );
  }
  if (!existsSync(index))
    throw new Error('`npx electron-vite build` ran but out/renderer/index.html is still missing');
}

export interface RunningAirlock {
  child: ChildProcess;
  base: string;
  loginLink: string;
  output: () => string;
  stop: () => Promise<void>;
}

export function startServe(dataDir: string): Promise<RunningAirlock> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AIRLOCK_STORE_KEY;
  delete env.AIRLOCK_HOME;
  const child = spawn(join(ROOT, 'bin/airlock'), ['serve', '--data-dir', dataDir, '--port', '0'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(`bin/airlock serve printed no sign-in link within 60 s; its output:\n${out}`),
      );
    }, 60_000);
    const check = () => {
      const m = /Sign in:\s+(http:\/\/127\.0\.0\.1:\d+)(\/login\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1]!, loginLink: m[1]! + m[2]!, output: () => out, stop });
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        new Error(`bin/airlock serve exited before printing a sign-in link; its output:\n${out}`),
      );
    });
  });
}

export interface BrowserSessionOptions {
  /** Names the temp data dir, e.g. `airlock-e2e-approvals-`. */
  prefix: string;
  /** Default 1440×900. */
  viewport?: { width: number; height: number };
  /** More context options (downloads, …); the light colour scheme holds unless set here. */
  context?: BrowserContextOptions;
  /** Browser permissions granted for the server's origin before the page opens. */
  permissions?: string[];
  /** A console error this returns true for is expected, not a problem. */
  allowConsole?: (text: string) => boolean;
  /** Open the one-time sign-in link once the page is up (default true). */
  signIn?: boolean;
}

export interface BrowserSession {
  /** The running `airlock serve`; `serveAgain` replaces it. */
  server: RunningAirlock;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  dataDir: string;
  /** Console errors and page errors, in order; a test expects it empty at the end. */
  problems: string[];
  /** A screenshot of the page to test/e2e/screenshots/<name>.png, after transitions settle. */
  shot(name: string, fullPage?: boolean): Promise<void>;
  /** Starts `airlock serve` again on the same data dir (the current one stopped first). */
  serveAgain(): Promise<RunningAirlock>;
  /** Closes the browser, stops the server and removes the data dir. */
  close(): Promise<void>;
}

/**
 * Chromium with one light page on a fresh `airlock serve`, console and page errors collected.
 * Whatever was started is taken down again when a step fails, so a failed beforeAll leaks
 * neither a server nor a browser.
 */
export async function openBrowserSession(options: BrowserSessionOptions): Promise<BrowserSession> {
  requireChromium();
  ensureRendererBuild();
  mkdirSync(SHOTS, { recursive: true });
  // The real path: what the server reports and writes into configurations is then this string.
  const dataDir = realpathSync(mkdtempSync(join(tmpdir(), options.prefix)));
  let server: RunningAirlock | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    server = await startServe(dataDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1440, height: 900 },
      colorScheme: 'light',
      ...options.context,
    });
    if (options.permissions)
      await context.grantPermissions(options.permissions, { origin: server.base });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    // Anything the page logs as an error (CSP refusals included) or throws is a problem.
    page.on('console', (m) => {
      if (m.type() !== 'error' || options.allowConsole?.(m.text())) return;
      problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    if (options.signIn !== false) await page.goto(server.loginLink);
    const session: BrowserSession = {
      server,
      browser,
      context,
      page,
      dataDir,
      problems,
      async shot(name, fullPage = false) {
        await page.waitForTimeout(400);
        await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
      },
      async serveAgain() {
        await session.server.stop();
        server = session.server = await startServe(dataDir);
        return server;
      },
      close,
    };
    return session;
  } catch (e) {
    await close();
    throw e;
  }
}
