/**
 * Audit verification on a worker thread: recomputing millions of hashes would otherwise stall
 * the API and the UI. It opens its own read-only connection to the store and reports progress.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openEncryptedDatabase } from '../store/open-store';
import { verifyAuditChain } from './verify';
import type { VerifyMessage, VerifySetup } from './verify-protocol';

const setup = workerData as VerifySetup;
const post = (m: VerifyMessage) => parentPort!.postMessage(m);

try {
  const db = openEncryptedDatabase(
    setup.path,
    Buffer.from(setup.keyHex, 'hex'),
    'the audit verifier',
  );
  try {
    db.pragma('query_only = ON');
    const result = verifyAuditChain(
      db,
      (verified) => post({ type: 'progress', verified }),
      setup.progressEvery,
    );
    post({ type: 'done', result });
  } finally {
    db.close();
  }
} catch (e) {
  post({ type: 'failed', error: (e as Error).message });
}
