/**
 * A guard worker thread: judges one statement at a time for the pool in guard-pool.ts. The
 * pool terminates it when a statement overruns its deadline, so nothing here needs to be
 * interruptible.
 */
import { deserialize } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './guard-protocol';
import { yieldToEventLoop } from './guard-worker-priority';
import { judge, loadJudge } from './judge';
import type { SchemaIndex } from './schema-index';
import { ownThreadClock, threadCpuMs } from './thread-cpu';

yieldToEventLoop();

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const schemas = new Map<number, SchemaIndex>();
const clock = ownThreadClock();

function onMessage(m: ToWorker): void {
  switch (m.type) {
    case 'schema':
      schemas.set(m.id, deserialize(m.schema) as SchemaIndex);
      return;
    case 'drop':
      schemas.delete(m.id);
      return;
    case 'judge': {
      const schema = schemas.get(m.schemaId);
      try {
        if (!schema) throw new Error(`schema snapshot ${m.schemaId} was never sent to this worker`);
        const verdict = judge(m.sql, m.dialect, schema);
        post({ type: 'verdict', job: m.job, verdict, cpuMs: clock && threadCpuMs(clock) });
      } catch (e) {
        post({ type: 'crash', job: m.job, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}

try {
  await loadJudge();
  port.on('message', onMessage);
  post({ type: 'ready', thread: clock });
} catch (e) {
  post({ type: 'init-failed', error: e instanceof Error ? e.message : String(e) });
}
