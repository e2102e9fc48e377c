/**
 * A loopback HTTP proxy that adds `Authorization: Bearer <key>` to every request it forwards:
 * for a client that cannot send headers of its own (the MCP conformance suite's CLI). It
 * stands in for the target's address and nothing more: a Host or Origin naming the proxy's
 * own loopback address is rewritten to the target's port, any other (a foreign Host, say) is
 * forwarded as it came, so the target's Host and Origin rules see what the client sent.
 * Bodies and answers stream through unchanged, server-sent events included.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BearerProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Requests forwarded so far. */
  forwarded(): number;
  close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/** `value` with the proxy's loopback `host:port` replaced by the target's. */
function retarget(value: string, from: number, to: number): string {
  for (const name of LOOPBACK) {
    const own = `${name}:${from}`;
    if (value === own) return `${name}:${to}`;
    if (value === `http://${own}`) return `http://${name}:${to}`;
  }
  return value;
}

export async function startBearerProxy(target: number, key: string): Promise<BearerProxy> {
  let count = 0;
  let own = 0;
  const server: Server = createServer((inbound, outbound) => {
    count++;
    const headers: IncomingHttpHeaders = { ...inbound.headers, authorization: `Bearer ${key}` };
    if (headers.host) headers.host = retarget(headers.host, own, target);
    if (headers.origin) headers.origin = retarget(headers.origin, own, target);
    const upstream = request(
      { host: '127.0.0.1', port: target, method: inbound.method, path: inbound.url, headers },
      (answer) => {
        outbound.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outbound);
      },
    );
    upstream.on('error', () => {
      if (!outbound.headersSent) outbound.writeHead(502);
      outbound.end();
    });
    inbound.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  own = (server.address() as AddressInfo).port;
  return {
    port: own,
    forwarded: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
