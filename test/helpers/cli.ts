/** Runs bin/airlock as a child process, as an officer would, and opens its store directly. */
import Database from 'better-sqlite3-multiple-ciphers';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AIRLOCK = join(ROOT, 'bin/airlock');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `env` entries set to undefined are removed from the child's environment. */
export function runAirlock(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd = ROOT,
): Promise<CliRun> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  return new Promise((resolve) => {
    execFile(
      AIRLOCK,
      args,
      { cwd, env: childEnv as NodeJS.ProcessEnv, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The store in `dir` opened directly with its key, as a forensic tool (or a tamperer) would. */
export function openRawStore(dir: string, keyHex: string): Database.Database {
  const db = new Database(join(dir, 'airlock.db'));
  db.pragma("cipher='sqlcipher'");
  db.pragma('legacy=4');
  db.pragma(`key="x'${keyHex}'"`);
  return db;
}
