import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, exists, onDisk } from './store/store-error';

/**
 * `<dataDir>/admin.token` (0600): created on first start, read on every start after. Like
 * store.key, a token other users can read is refused: whoever reads it administers Airlock.
 */
export function ensureAdminToken(dataDir: string): string {
  const path = join(dataDir, 'admin.token');
  if (exists(path, 'the admin token')) {
    const mode = onDisk(path, 'the admin token', () => statSync(path).mode);
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new StoreError(
        `${path} is readable by other users; run \`chmod 600 ${path}\` and start again.`,
      );
    }
    const token = onDisk(path, 'the admin token', () => readFileSync(path, 'utf8')).trim();
    if (token.length >= 32) return token;
  }
  const token = `adm_${randomBytes(32).toString('base64url')}`;
  onDisk(path, 'the admin token', () => writeFileSync(path, token + '\n', { mode: 0o600 }));
  chmodSync(path, 0o600);
  return token;
}
