import { statSync } from 'node:fs';

/** A store problem a person must fix (wrong key, damaged file): printed as-is, never a stack trace. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * A file-system failure on the data directory or a file in it, said the way a person can act
 * on it (`what` names the thing: "the data directory", "admin.token"), instead of Node's raw
 * `EEXIST: file already exists, mkdir …`. Anything else is passed through unchanged.
 */
export function fsProblem(e: unknown, path: string, what: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new StoreError(
        `${what} ${path} cannot be read or written by this user (permission denied); fix its owner or mode (the data directory 0700, its files 0600), or pass another --data-dir.`,
      );
    case 'EEXIST':
    case 'ENOTDIR':
      return new StoreError(
        `${path} (or a folder above it) is a file, not a directory: ${what} must be a directory. Move the file away, or pass another --data-dir.`,
      );
    case 'EISDIR':
      return new StoreError(
        `${what} ${path} is a directory, not a file; move it away and start again.`,
      );
    case 'EROFS':
      return new StoreError(
        `${what} ${path} is on a read-only file system; pass a writable --data-dir.`,
      );
    case 'ENOSPC':
      return new StoreError(`no space left on the device holding ${what} ${path}.`);
    default:
      return e;
  }
}

/** Runs a file-system step, turning the mistakes a person can fix into a StoreError. */
export function onDisk<T>(path: string, what: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw fsProblem(e, path, what);
  }
}

/**
 * Whether `path` exists, where a plain existsSync would say "no" for a file this user may not
 * even look at: a permission problem is a StoreError, never taken for absence.
 */
export function exists(path: string, what: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fsProblem(e, path, what);
  }
}
