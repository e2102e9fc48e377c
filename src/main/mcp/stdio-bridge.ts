/**
 * `bin/airlock mcp` (API.md, "MCP for agents", stdio): MCP on stdin/stdout for clients that only
 * launch servers (Claude Desktop), forwarded message by message to the running Airlock's
 * `POST /mcp` on loopback with the agent's key. A proxy, not a second server: the key check,
 * the guard, the rate limits and the audit are those of `/mcp`, and the tools are its tools.
 *
 * Each JSON-RPC message read from stdin is POSTed as it is. The HTTP headers the transport asks
 * for are derived from the message, as the SDK's HTTP client derives them: a 2026-07-28 request
 * names its version in `_meta` (→ `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`); a 2025-era
 * exchange sends the version its `initialize` settled on. Answers (JSON or an event stream) are
 * written to stdout; an HTTP refusal becomes a JSON-RPC error for the request it answers.
 */
import {
  isInitializeRequest,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  parseJSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  type JSONRPCMessage,
} from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Readable, Writable } from 'node:stream';

/** JSON-RPC's implementation-defined server error range; the same code `/mcp` answers a refusal with. */
const REFUSED = -32001;
const INTERNAL_ERROR = -32603;

/** Why `airlock mcp` cannot serve: said on one line of stderr, exit 2. */
export class BridgeRefusal extends Error {}

export interface BridgeTarget {
  /** `http://127.0.0.1:PORT` */
  base: string;
  apiKey: string;
}

const notRunning = (base: string) =>
  new BridgeRefusal(
    `Airlock is not running on ${base.replace(/^http:\/\//, '')} — start it with \`npm start\` or \`bin/airlock serve\` (or pass the --port it runs on)`,
  );

/**
 * Checks, before serving, that Airlock answers on the port and accepts the key: a client that
 * launches `airlock mcp` would otherwise see only a server that fails every call.
 */
export async function checkAirlock(target: BridgeTarget): Promise<void> {
  let health: Response;
  try {
    health = await fetch(`${target.base}/v1/health`, { signal: AbortSignal.timeout(10_000) });
  } catch {
    throw notRunning(target.base);
  }
  const status = ((await health.json().catch(() => null)) as { status?: unknown } | null)?.status;
  if (!health.ok || status !== 'ok')
    throw new BridgeRefusal(
      `${target.base} answers, but not as a healthy Airlock (HTTP ${health.status}); pass the --port Airlock runs on`,
    );
  // A 2025-era opening: accepted by the stateless endpoint without leaving any state behind.
  let res: Response;
  try {
    res = await post(target, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'airlock-mcp-check', version: '1' },
      },
    });
  } catch {
    throw notRunning(target.base);
  }
  const body = await res.text();
  if (res.status === 401)
    throw new BridgeRefusal(
      `Airlock refused the agent key in AIRLOCK_API_KEY (unknown or revoked); create an agent in Airlock and use its key`,
    );
  if (!res.ok)
    throw new BridgeRefusal(
      `Airlock refused the MCP connection (HTTP ${res.status}): ${errorOf(body)?.message ?? 'no reason given'}`,
    );
}

function post(
  target: BridgeTarget,
  message: JSONRPCMessage,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${target.base}/mcp`, {
    method: 'POST',
    headers: {
      ...headers,
      authorization: `Bearer ${target.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(message),
    ...(signal ? { signal } : {}),
  });
}

/** The JSON-RPC error in an HTTP answer's body, if it holds one. */
function errorOf(body: string): { code: number; message: string; data?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const e = parsed.error;
    if (e && typeof e.code === 'number' && typeof e.message === 'string')
      return e as { code: number; message: string; data?: unknown };
  } catch {
    // not JSON: the caller words its own error
  }
  return undefined;
}

/** Where the 2026-07-28 transport takes the `Mcp-Name` header from, by method. */
const NAME_FIELD: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** A header value as the transport carries it: visible ASCII as is, anything else base64 in a sentinel. */
function headerValue(value: string): string {
  const plain =
    value.length > 0 &&
    value === value.trim() &&
    !(value.startsWith('=?base64?') && value.endsWith('?=')) &&
    /^[\t\x20-\x7e]*$/.test(value);
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The headers a message travels with, given the version a 2025-era `initialize` settled on. */
export function headersFor(
  message: JSONRPCMessage,
  negotiated: string | undefined,
): Record<string, string> {
  if (isJSONRPCRequest(message)) {
    const params = message.params as Record<string, unknown> | undefined;
    const meta = params?._meta as Record<string, unknown> | undefined;
    const claimed = meta?.[PROTOCOL_VERSION_META_KEY];
    if (typeof claimed === 'string') {
      const headers: Record<string, string> = {
        'mcp-protocol-version': claimed,
        'mcp-method': message.method,
      };
      const field = NAME_FIELD[message.method];
      const name = field ? params?.[field] : undefined;
      if (typeof name === 'string') headers['mcp-name'] = headerValue(name);
      return headers;
    }
  }
  return negotiated ? { 'mcp-protocol-version': negotiated } : {};
}

/** The JSON-RPC messages of an event stream, as each event completes. */
async function* streamedMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  const eventsIn = function* (final: boolean): Generator<unknown> {
    const parts = buffer.split(/\r?\n\r?\n/);
    buffer = final ? '' : parts.pop()!;
    for (const event of parts) {
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (data) yield JSON.parse(data);
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    yield* eventsIn(false);
  }
  buffer += decoder.decode();
  yield* eventsIn(true);
}

export interface BridgeOptions extends BridgeTarget {
  stdin?: Readable;
  stdout?: Writable;
  /** Problems worth a line on stderr (never the key). */
  log: (line: string) => void;
}

/**
 * Serves until the client closes stdin. Messages are forwarded concurrently (a slow query does
 * not hold a ping); a cancellation aborts the request it names.
 */
export async function serveStdioBridge(options: BridgeOptions): Promise<void> {
  const transport = new StdioServerTransport(options.stdin, options.stdout);
  const inFlight = new Map<string | number, AbortController>();
  let negotiated: string | undefined;

  const send = (message: unknown) =>
    transport.send(parseJSONRPCMessage(message)).catch((e: unknown) => {
      options.log(`could not write to the client: ${(e as Error).message}`);
    });

  const answerError = (id: string | number, code: number, message: string, data?: unknown) =>
    send({ jsonrpc: '2.0', id, error: { code, message, ...(data !== undefined ? { data } : {}) } });

  const deliver = async (raw: unknown, initializeId: string | number | undefined) => {
    const message = parseJSONRPCMessage(raw);
    if (
      initializeId !== undefined &&
      isJSONRPCResultResponse(message) &&
      message.id === initializeId &&
      typeof message.result.protocolVersion === 'string'
    )
      negotiated = message.result.protocolVersion;
    await send(message);
  };

  const forward = async (message: JSONRPCMessage) => {
    const id = isJSONRPCRequest(message) ? message.id : undefined;
    const initializeId = isInitializeRequest(message) ? id : undefined;
    const abort = new AbortController();
    if (id !== undefined) inFlight.set(id, abort);
    try {
      const res = await post(options, message, headersFor(message, negotiated), abort.signal);
      if (!res.ok) {
        const text = await res.text();
        if (res.status === 401)
          options.log('Airlock refused the agent key (unknown or revoked); every call will fail');
        if (id === undefined) return;
        const e = errorOf(text);
        await answerError(
          id,
          e?.code ??
            (res.status === 401 || res.status === 403 || res.status === 429
              ? REFUSED
              : INTERNAL_ERROR),
          e?.message ?? `Airlock answered HTTP ${res.status}`,
          e?.data,
        );
        return;
      }
      const type = res.headers.get('content-type') ?? '';
      if (!res.body || res.status === 202 || res.status === 204) {
        await res.body?.cancel();
        return;
      }
      if (type.startsWith('text/event-stream')) {
        for await (const raw of streamedMessages(res.body)) await deliver(raw, initializeId);
      } else {
        const body = JSON.parse(await res.text()) as unknown;
        for (const raw of Array.isArray(body) ? body : [body]) await deliver(raw, initializeId);
      }
    } catch (e) {
      if (abort.signal.aborted) return;
      const reason =
        e instanceof TypeError && /fetch failed/.test(e.message)
          ? notRunning(options.base).message
          : `the answer from Airlock could not be read: ${(e as Error).message}`;
      options.log(reason);
      if (id !== undefined) await answerError(id, INTERNAL_ERROR, reason);
    } finally {
      if (id !== undefined) inFlight.delete(id);
    }
  };

  await new Promise<void>((done, fail) => {
    transport.onmessage = (message) => {
      // A stateless endpoint has nothing to cancel but the request still on the wire.
      if ('method' in message && message.method === 'notifications/cancelled') {
        const requestId = (message.params as { requestId?: string | number } | undefined)
          ?.requestId;
        if (requestId !== undefined) inFlight.get(requestId)?.abort();
        return;
      }
      void forward(message);
    };
    transport.onerror = (e) => options.log(`stdin: ${e.message}`);
    transport.onclose = () => {
      for (const abort of inFlight.values()) abort.abort();
      done();
    };
    transport.start().catch(fail);
  });
}
