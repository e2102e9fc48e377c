import {
  accessSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { StoreError, fsProblem, onDisk } from './store-error';

const LOCK_FILE = 'airlock.lock';

/**
 * Creates the data directory (0700) if it is missing and checks this user may use it: a file
 * in its place, or a directory this user cannot read or write, is said plainly.
 */
export function ensureDataDir(dataDir: string): void {
  const what = 'the data directory';
  onDisk(dataDir, what, () => mkdirSync(dataDir, { recursive: true, mode: 0o700 }));
  onDisk(dataDir, what, () =>
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One Airlock process per data directory: two would each number and chain audit entries
 * from their own idea of the log's end. The lock names its holder; a lock whose process is
 * gone (a crash) is taken over.
 */
export function lockDataDir(dataDir: string, what: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsProblem(e, path, 'the lock file');
      let holder: { pid?: number; what?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
      } catch {
        // unreadable: treated as stale below
      }
      if (typeof holder.pid === 'number' && holder.pid !== process.pid && alive(holder.pid)) {
        throw new StoreError(
          `${dataDir} is in use by another Airlock process (pid ${holder.pid}${holder.what ? `, ${holder.what}` : ''}); stop it first, or use another --data-dir.`,
        );
      }
      if (holder.pid === process.pid) {
        throw new StoreError(`${dataDir} is already open in this process`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new StoreError(`could not lock ${dataDir}`);
}
