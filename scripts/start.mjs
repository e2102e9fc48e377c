#!/usr/bin/env node
/**
 * `npm start`: build, then open the desktop app, or, where Electron's binary was never
 * downloaded (air-gapped machines, CI), serve the same UI headless with `bin/airlock serve`.
 * Extra arguments go to whichever one runs: `npm start -- --port 7800`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNative } from './ensure-native.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

/** Runs a command with this terminal, forwarding signals; resolves with how it ended. */
function run(command, commandArgs, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
    const forward = (signal) => child.kill(signal);
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, forward);
    child.on('error', (err) => {
      for (const s of signals) process.off(s, forward);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolvePromise({ code, signal });
    });
  });
}

/** Ends this process the way the child ended: same exit code, or the same signal. */
function exitLike({ code, signal }) {
  if (signal) {
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
}

/** The Electron executable, or null: `require('electron')` throws when it was never downloaded. */
function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const electronVite = join(
  dirname(require.resolve('electron-vite/package.json')),
  'bin/electron-vite.js',
);
/** Opens the desktop app, or serves headless when there is no Electron binary. */
async function launch() {
  const electron = electronBinary();
  if (electron) {
    // ELECTRON_RUN_AS_NODE, if inherited, would make Electron behave as plain Node.
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    return run(electron, ['.', ...args], { env });
  }
  console.log(
    "Electron's binary is not installed on this machine, so the desktop window cannot open; serving the same UI headless instead.\n" +
      "To get the desktop window: `npm run desktop:install` on a machine that can reach Electron's downloads.",
  );
  const airlock = join(root, 'bin/airlock');
  // bin/airlock starts with a shebang; Windows cannot run that directly, so give it to Node.
  return process.platform === 'win32'
    ? run(process.execPath, [airlock, 'serve', ...args])
    : run(airlock, ['serve', ...args]);
}

// Before the build, so a machine that cannot compile the store's native module hears it at once.
try {
  await ensureNative();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
const build = await run(process.execPath, [electronVite, 'build']);
exitLike(build.signal || build.code !== 0 ? build : await launch());
