import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './store/store-error';

/**
 * `<dataDir>/admin.token` (0600): created on first start, read on every start after. Like
 * store.key, a token other users can read is refused: whoever reads it administers Airlock.
 */
export function ensureAdminToken(dataDir: string): string {
  const path = join(dataDir, 'admin.token');
  if (existsSync(path)) {
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      throw new StoreError(`${path} is readable by other users; run \`chmod 600 ${path}\` and start again.`);
    }
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 32) return token;
  }
  const token = `adm_${randomBytes(32).toString('base64url')}`;
  writeFileSync(path, token + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}
