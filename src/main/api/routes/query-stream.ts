/**
 * Streamed answers of `POST /v1/query` (README.md, "Large results"): rows go from the
 * database cursor to the HTTP response as they arrive, as one JSON document or as NDJSON,
 * never held whole in memory. The status line is sent with the first rows, so anything that
 * fails before them (guard, policy, engine truth, the database refusing the statement) is an
 * ordinary error response. A streamed read is audited twice: when it starts (durable before
 * the first row, so a crash mid-stream leaves a record) and when it ends; the ending entry's
 * id closes the response, so a response without the closing `auditId` is incomplete by definition.
 *
 *   JSON:   {"columns":[…],"rows":[\n[…],\n[…]\n],"rowCount":N,"truncated":false,"auditId":A}
 *   NDJSON: {"columns":[…]}\n[…]\n[…]\n{"rowCount":N,"truncated":false,"auditId":A}\n
 *
 * A failure after the first rows (a timeout, say) ends the stream with `"error":{code,message}`
 * beside rowCount (rows sent) and the failure's auditId.
 */
import { PassThrough, Readable } from 'node:stream';
import type { QueryRequest } from '../../../shared/contract/api';
import type { ColumnInfo } from '../../../shared/domain';
import { AirlockError, isAirlockError, publicDetails } from '../../../shared/errors';
import type { RowSink } from '../../connectors/types';
import type { Pipeline, StreamOutcome } from '../../query/pipeline';
import type { Principal } from '../../query/principal';

export type StreamFormat = 'json' | 'ndjson';

const CONTENT_TYPE: Record<StreamFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

export function wantsNdjson(accept: string | undefined): boolean {
  return /application\/x-ndjson/i.test(accept ?? '');
}

class ClientGone extends Error {}

/** Characters of rows written to the response at a time. */
const CHUNK = 64 * 1024;

function drained(out: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

const errorBody = (e: AirlockError) => ({ code: e.code, message: e.message, ...publicDetails(e) });

/**
 * An abort signal for "the client went away": its connection closed before the answer was
 * complete. `done` stops watching (call it when the answer is finished).
 */
export function clientGoneSignal(socket: {
  destroyed: boolean;
  once(e: 'close', cb: () => void): unknown;
  off(e: 'close', cb: () => void): unknown;
}): {
  signal: AbortSignal;
  done: () => void;
} {
  const ac = new AbortController();
  const onClose = () => ac.abort();
  if (socket.destroyed) ac.abort();
  else socket.once('close', onClose);
  return { signal: ac.signal, done: () => socket.off('close', onClose) };
}

/**
 * Runs the request; a streamed answer is a web Response, which Fastify sends with its own
 * status and headers. `clientGone` aborts the statement when the client leaves before the
 * first row (after it, the response stream closing does).
 */
export async function streamedQuery(
  queries: Pipeline,
  principal: Principal,
  req: QueryRequest,
  format: StreamFormat,
  clientGone?: { signal: AbortSignal; done: () => void },
): Promise<{ status?: number; body: unknown }> {
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  const abort = new AbortController();
  let finished = false;
  out.on('close', () => {
    if (!finished) abort.abort();
  });
  if (clientGone?.signal.aborted) abort.abort();
  else
    clientGone?.signal.addEventListener('abort', () => !finished && abort.abort(), { once: true });
  let columns: ColumnInfo[] = [];
  let started = false;
  let sent = 0;
  let markStarted!: () => void;
  const startedP = new Promise<'started'>((resolve) => (markStarted = () => resolve('started')));

  const write = async (chunk: string) => {
    if (out.destroyed) throw new ClientGone();
    if (!out.write(chunk)) await drained(out);
    if (out.destroyed) throw new ClientGone();
  };
  const sink: RowSink = {
    columns: (c) => {
      columns = c;
    },
    rows: async (batch) => {
      // Rows go out in chunks of about CHUNK characters, waiting for the client when its
      // buffer is full: the response never holds more than a buffer, a chunk and one row,
      // however large the batch or its values.
      let chunk = '';
      for (const row of batch) {
        const text = JSON.stringify(row);
        if (format === 'json')
          chunk += started
            ? `,\n${text}`
            : `{"columns":${JSON.stringify(columns)},"rows":[\n${text}`;
        else chunk += started ? `${text}\n` : `${JSON.stringify({ columns })}\n${text}\n`;
        if (!started) {
          started = true;
          markStarted();
        }
        sent++;
        if (chunk.length >= CHUNK) {
          await write(chunk);
          chunk = '';
        }
      }
      if (chunk) await write(chunk);
    },
  };

  const finish = async (tail: Record<string, unknown>) => {
    try {
      const json = JSON.stringify(tail).slice(1);
      await write(format === 'json' ? `\n],${json}` : `{${json}\n`);
      out.end();
    } catch {
      out.destroy();
    } finally {
      finished = true;
      clientGone?.done();
    }
  };

  const run = queries.stream(principal, req, sink, abort.signal).then(
    async (outcome): Promise<StreamOutcome | undefined> => {
      if (!started) return outcome;
      await finish(
        outcome.kind === 'read'
          ? { rowCount: outcome.rowCount, truncated: outcome.truncated, auditId: outcome.auditId }
          : { auditId: outcome.auditId },
      );
      return undefined;
    },
    async (e: unknown) => {
      if (!started) throw e;
      const err = isAirlockError(e)
        ? e
        : new AirlockError('INTERNAL', 'the query failed inside Airlock');
      await finish({
        rowCount: sent,
        truncated: true,
        error: errorBody(err),
        ...(err.auditId !== undefined ? { auditId: err.auditId } : {}),
      });
      return undefined;
    },
  );

  let first: 'started' | StreamOutcome | undefined;
  try {
    first = await Promise.race([startedP, run]);
  } catch (e) {
    clientGone?.done();
    throw e;
  }
  if (first === 'started') {
    return {
      body: new Response(Readable.toWeb(out) as ReadableStream, {
        status: 200,
        headers: { 'content-type': CONTENT_TYPE[format] },
      }),
    };
  }
  finished = true;
  clientGone?.done();
  out.destroy();
  // Finished before the first row: an empty result or a write, answered in one piece.
  const outcome = first!;
  if (outcome.kind === 'write') {
    const { kind: _k, ...rest } = outcome;
    return { body: rest };
  }
  if (outcome.kind === 'approval') {
    // A write held for a person's approval: accepted, not run.
    const { kind: _k, ...rest } = outcome;
    return { status: 202, body: rest };
  }
  const tail = {
    rowCount: outcome.rowCount,
    truncated: outcome.truncated,
    auditId: outcome.auditId,
  };
  if (format === 'json') return { body: { columns, rows: [], ...tail } };
  return {
    body: new Response(`${JSON.stringify({ columns })}\n${JSON.stringify(tail)}\n`, {
      status: 200,
      headers: { 'content-type': CONTENT_TYPE.ndjson },
    }),
  };
}
