/**
 * `airlock login-link`: asks the running server for a fresh one-time login link, with the
 * admin token from the data directory (whoever can read that file administers Airlock anyway).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, exists, onDisk } from '../store/store-error';

export async function requestLoginLink(dataDir: string, port: number): Promise<string> {
  const tokenPath = join(dataDir, 'admin.token');
  // A token this user may not read is said so, not taken for a missing one.
  if (!exists(tokenPath, 'the admin token'))
    throw new StoreError(
      `no admin token in ${dataDir} (expected admin.token); pass the --data-dir Airlock runs with`,
    );
  const token = onDisk(tokenPath, 'the admin token', () => readFileSync(tokenPath, 'utf8')).trim();
  const base = `http://127.0.0.1:${port}`;
  let res: Response;
  try {
    res = await fetch(`${base}/v1/admin/login-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  } catch {
    throw new Error(
      `Airlock is not answering on ${base}; start it with \`airlock serve\` (or pass the --port it runs on)`,
    );
  }
  const body = (await res.json().catch(() => null)) as {
    url?: string;
    error?: { message?: string };
  } | null;
  if (res.status === 401)
    throw new Error(
      `the Airlock on ${base} refused the admin token of ${dataDir}: is it running with another --data-dir?`,
    );
  if (!res.ok || typeof body?.url !== 'string')
    throw new Error(
      `the Airlock on ${base} answered ${res.status}: ${body?.error?.message ?? 'no login link'}`,
    );
  return body.url;
}
