/**
 * The audit writer: a worker thread that owns the audit's write connection. Commits (and
 * their fsync) happen here, so the main thread keeps serving while a batch is made durable,
 * and the entries that arrive meanwhile form the next batch: real group commit.
 */
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import { parentPort, workerData } from 'node:worker_threads';
import { openEncryptedDatabase } from '../store/open-store';
import { sealRows, sealsOf } from './seal';
import { USAGE_UPSERT, writeUsage } from './usage-rows';
import type { WriterBatch, WriterReply, WriterRow, WriterSetup } from './writer-protocol';

const setup = workerData as WriterSetup;
const db = openEncryptedDatabase(setup.path, Buffer.from(setup.keyHex, 'hex'), 'the audit writer');
const insert: Statement = db.prepare(`INSERT INTO audit_log
  (id, time, actor, action, connection, statement, params_hash, decision, rule, reason,
   status, row_count, latency_ms, details, leaf_hash, chain_hash, leaf_fields)
  VALUES (@id, @time, @actor, @action, @connection, @statement, @paramsHash, @decision,
   @rule, @reason, @status, @rowCount, @latencyMs, @details, @leaf, @chain, @leafFields)`);
const head = db.prepare<[], { id: number }>('SELECT max(id) AS id FROM audit_log');
const saveUsage = db.prepare(USAGE_UPSERT);
const saveHead = db.prepare(
  `INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
);

const writeBatch = db.transaction((batch: WriterBatch, rows: WriterRow[]) => {
  // The batch was chained onto the entry the main thread believed last; if that is not what
  // is on disk (an earlier batch failed), refuse rather than write a broken chain.
  const last = head.get()?.id ?? 0;
  if (last !== batch.afterId)
    throw new Error(`expected the log to end at ${batch.afterId}, found ${last}`);
  for (const row of rows) insert.run(row);
  const tail = rows[rows.length - 1];
  if (tail)
    saveHead.run({ key: setup.headKey, value: JSON.stringify({ id: tail.id, chain: tail.chain }) });
  writeUsage(saveUsage, batch.usage);
});

parentPort!.on('message', (msg: WriterBatch | 'close') => {
  if (msg === 'close') {
    db.close();
    parentPort!.postMessage({ seq: -1, ok: true } satisfies WriterReply);
    return;
  }
  let reply: WriterReply;
  try {
    // BEGIN IMMEDIATE: take the write lock first (waiting up to busy_timeout). A deferred
    // transaction reads the head, then fails at once with SQLITE_BUSY_SNAPSHOT when the main
    // connection committed in between.
    // Hashing happens here, off the main thread, before the transaction takes the lock.
    const rows = sealRows(msg.rows, msg.prevChain);
    writeBatch.immediate(msg, rows);
    reply = { seq: msg.seq, ok: true, sealed: sealsOf(rows) };
  } catch (e) {
    reply = { seq: msg.seq, ok: false, error: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ seq: 0, ok: true } satisfies WriterReply);
