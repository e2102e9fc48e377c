import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './store-error';

const LOCK_FILE = 'airlock.lock';

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
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
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
