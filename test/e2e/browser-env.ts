/**
 * What the browser test needs around it: a current renderer build, Debian's chromium, and
 * `bin/airlock serve` on a fresh data dir with its one-time sign-in link read from stdout.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
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
