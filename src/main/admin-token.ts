import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `<dataDir>/admin.token` (0600): created on first start, read on every start after. */
export function ensureAdminToken(dataDir: string): string {
  const path = join(dataDir, 'admin.token');
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 32) return token;
  }
  const token = `adm_${randomBytes(32).toString('base64url')}`;
  writeFileSync(path, token + '\n', { mode: 0o600 });
  return token;
}
