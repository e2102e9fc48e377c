#!/usr/bin/env node
/**
 * Makes sure the one native module Airlock needs, better-sqlite3-multiple-ciphers (the encrypted
 * store), is built for this Node, and builds it from source when it is not.
 *
 * Why this exists: the project's .npmrc sets `ignore-scripts=true`, so `npm install` / `npm ci`
 * run no dependency's install script — not Electron's, which would download its binary and fail
 * on a machine that cannot reach it, and not anyone else's. This is the one script we do want,
 * run explicitly by `npm test`, `bin/airlock` and the other entry points that open the store.
 * Idempotent: when the module loads, this costs one dlopen and builds nothing.
 *
 * As a command: `node scripts/ensure-native.mjs` (exit 0 when the module is ready, 1 with the
 * reason when it cannot be built). As a module: `await ensureNative()`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NATIVE_MODULE = 'better-sqlite3-multiple-ciphers';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const lockDir = join(root, 'node_modules', '.cache', 'airlock-native-build.lock');

/** Why the module cannot be used right now, or null when it opens a database. */
function loadError() {
  try {
    const Database = require(NATIVE_MODULE);
    new Database(':memory:').close();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Messages go to stderr: bin/airlock may be speaking a protocol on stdout. */
function say(message) {
  process.stderr.write(`${message}\n`);
}

/** The npm that ran us (`npm test` sets npm_execpath), else the one on PATH. */
function npmCommand(args) {
  const execPath = process.env.npm_execpath;
  if (execPath && /\.c?js$/.test(execPath)) return [process.execPath, [execPath, ...args], false];
  return ['npm', args, process.platform === 'win32'];
}

/**
 * `npm rebuild` rather than node-gyp directly, so the user's npm settings (nodedir, python,
 * proxy) apply. `--ignore-scripts=false` lifts the .npmrc setting for this one package only.
 */
function rebuild() {
  const [command, args, shell] = npmCommand([
    'rebuild',
    NATIVE_MODULE,
    '--ignore-scripts=false',
    '--foreground-scripts',
  ]);
  return new Promise((resolvePromise) => {
    // stdout → our stderr, for the same reason as say().
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 2, 2], shell });
    child.on('error', (err) => resolvePromise(`could not run npm: ${err.message}`));
    child.on('exit', (code, signal) =>
      resolvePromise(code === 0 ? null : `npm rebuild ended with ${signal ?? `exit code ${code}`}`),
    );
  });
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err instanceof Error && 'code' in err && err.code === 'EPERM';
  }
}

/**
 * One build at a time per checkout: parallel test workers or CLI calls on a fresh clone would
 * otherwise run node-gyp into the same build directory at once. A lock left by a process that
 * died is taken over.
 */
async function withBuildLock(action) {
  mkdirSync(join(lockDir, '..'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    } catch {
      // The holder may not have written its pid yet.
    }
    if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    writeFileSync(join(lockDir, 'pid'), String(process.pid));
    return await action();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Resolves when the module loads, building it first if needed; throws an Error whose message
 * says what is missing and how to see the full build output.
 */
export async function ensureNative() {
  const before = loadError();
  if (before === null) return;
  await withBuildLock(async () => {
    // Another process may have built it while we waited for the lock.
    if (loadError() === null) return;
    say(
      `Building ${NATIVE_MODULE} (Airlock's encrypted SQLite) from source for Node ${process.versions.node}; ` +
        'this takes a few minutes, once.',
    );
    const failed = await rebuild();
    const after = loadError();
    if (after === null) return;
    throw new Error(
      `${NATIVE_MODULE} is not usable: ${before}\n` +
        `Building it from source failed${failed ? ` (${failed})` : ''}: ${after}\n` +
        'It needs python3, make and a C++ compiler (g++ or clang; on Windows, the Visual Studio ' +
        'Build Tools). Install them and run `npm run native` to build it again with its full output.',
    );
  });
}

if (
  process.argv[1] &&
  realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1])
) {
  try {
    await ensureNative();
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
