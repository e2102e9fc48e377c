/**
 * The three ways an entry leaves: syslog over TCP (RFC 6587 octet counting), syslog over UDP
 * (one datagram per message) and a JSONL file (appended, then synced). Each link reports when
 * it breaks, so the forwarder can send again what the collector may not have taken.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { open } from 'node:fs/promises';
import { connect, isIP, type Socket } from 'node:net';
import type { ForwardTarget } from '../../../shared/contract/forwarding';
import { checkOutboundHost } from '../../net/outbound';
import {
  octetCounted,
  syslogMessage,
  syslogTestMessage,
  testRecord,
  type ForwardedEntry,
} from './message';

export interface Transport {
  /** Sends in order; resolves once the system took the bytes (a file: written and synced). */
  send(payloads: string[]): Promise<void>;
  close(): Promise<void>;
}

/** How entries and the test message are written for a destination's kind. */
export interface Format {
  entry(e: ForwardedEntry): string;
  test(time: string): string;
}

export function formatFor(target: ForwardTarget): Format {
  return target.kind === 'jsonl'
    ? { entry: (e) => JSON.stringify(e), test: (t) => JSON.stringify(testRecord(t)) }
    : { entry: syslogMessage, test: syslogTestMessage };
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Opens a link to the destination. A syslog host is judged by the air-gap rule first, on
 * every connection (a name that now points off the machine is refused), with the officer's
 * confirmation for a host on the local network.
 */
export async function openTransport(
  target: ForwardTarget,
  onBroken: (e: Error) => void,
): Promise<Transport> {
  if (target.kind === 'jsonl') return openJsonl(target.path);
  await checkOutboundHost('The SIEM (syslog)', target.host, target.lanConfirmed === true);
  return target.protocol === 'tcp'
    ? openTcp(target.host, target.port, onBroken)
    : openUdp(target.host, target.port, onBroken);
}

function where(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Refuses the error a system call gave with what it means for the officer. */
function linkError(e: unknown, host: string, port: number): Error {
  const err = e as NodeJS.ErrnoException;
  const at = where(host, port);
  switch (err.code) {
    case 'ECONNREFUSED':
      return new Error(`nothing is listening at ${at} (connection refused)`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new Error(`the collector at ${at} dropped the connection`);
    case 'ETIMEDOUT':
      return new Error(`no answer from ${at}`);
    default:
      return new Error(`${at}: ${err.code ?? err.message}`);
  }
}

/** A link's first failure, reported once; nothing is reported once it is being closed on purpose. */
function linkState(onBroken: (e: Error) => void) {
  const link = {
    closing: false,
    broken: null as Error | null,
    breaks(e: Error) {
      if (link.closing || link.broken) return;
      link.broken = e;
      onBroken(e);
    },
  };
  return link;
}

async function openTcp(
  host: string,
  port: number,
  onBroken: (e: Error) => void,
): Promise<Transport> {
  const socket: Socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${where(host, port)} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(linkError(e, host, port));
    });
  });
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 10_000);
  // A collector that writes back is not listened to; reading keeps 'end' and 'close' coming.
  socket.resume();
  const link = linkState(onBroken);
  socket.on('error', (e) => link.breaks(linkError(e, host, port)));
  socket.on('close', () =>
    link.breaks(new Error(`the collector at ${where(host, port)} closed the connection`)),
  );
  return {
    async send(payloads) {
      if (link.broken) throw link.broken;
      const bytes = Buffer.concat(payloads.map(octetCounted));
      await new Promise<void>((resolve, reject) =>
        socket.write(bytes, (e) => (e ? reject(linkError(e, host, port)) : resolve())),
      );
      if (link.broken) throw link.broken;
    },
    async close() {
      link.closing = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      });
      socket.destroy();
    },
  };
}

async function openUdp(
  host: string,
  port: number,
  onBroken: (e: Error) => void,
): Promise<Transport> {
  const address = isIP(host) ? host : (await lookup(host, { verbatim: true })).address;
  const socket: UdpSocket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  const link = linkState(onBroken);
  // A connected socket hears the collector's port-unreachable: "nothing is listening".
  socket.on('error', (e) => link.breaks(linkError(e, host, port)));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    socket.close();
    throw linkError(e, host, port);
  });
  return {
    async send(payloads) {
      for (const p of payloads) {
        if (link.broken) throw link.broken;
        await new Promise<void>((resolve, reject) =>
          socket.send(Buffer.from(p, 'utf8'), (e) =>
            e ? reject(linkError(e, host, port)) : resolve(),
          ),
        );
      }
      if (link.broken) throw link.broken;
    },
    async close() {
      link.closing = true;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

async function openJsonl(path: string): Promise<Transport> {
  let file;
  try {
    file = await open(path, 'a', 0o600);
  } catch (e) {
    throw new Error(
      `cannot open ${path} for appending: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const handle = file;
  return {
    async send(payloads) {
      try {
        await handle.appendFile(payloads.map((p) => `${p}\n`).join(''), 'utf8');
        await handle.datasync();
      } catch (e) {
        throw new Error(
          `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
    },
    close: () => handle.close(),
  };
}
