/**
 * Syslog collectors for tests, on real loopback sockets: TCP with RFC 6587 octet counting and
 * UDP, each parsing what it receives as RFC 5424 (header, structured data, MSG).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

export interface Syslog5424 {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  /** SD-ID → params. */
  sd: Record<string, Record<string, string>>;
  msg: string;
  raw: string;
}

/** Parses one RFC 5424 message strictly: a malformed one throws. */
export function parse5424(raw: string): Syslog5424 {
  const head = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(raw);
  if (!head) throw new Error(`not RFC 5424: ${raw.slice(0, 120)}`);
  let i = head[0].length;
  const sd: Syslog5424['sd'] = {};
  if (raw[i] === '-') i += 1;
  else {
    while (raw[i] === '[') {
      const idEnd = raw.indexOf(' ', i);
      const id = raw.slice(i + 1, idEnd);
      const params: Record<string, string> = {};
      i = idEnd;
      while (raw[i] === ' ') {
        const eq = raw.indexOf('=', i);
        const name = raw.slice(i + 1, eq);
        if (raw[eq + 1] !== '"') throw new Error(`bad SD param ${name}`);
        let j = eq + 2;
        let value = '';
        while (raw[j] !== '"') {
          if (raw[j] === '\\' && ['"', '\\', ']'].includes(raw[j + 1]!)) j += 1;
          if (j >= raw.length) throw new Error('unterminated SD value');
          value += raw[j];
          j += 1;
        }
        params[name] = value;
        i = j + 1;
      }
      if (raw[i] !== ']') throw new Error(`bad SD element at ${i}: ${raw.slice(i, i + 20)}`);
      sd[id] = params;
      i += 1;
    }
  }
  let msg = '';
  if (raw[i] === ' ') msg = raw.slice(i + 1);
  else if (i !== raw.length) throw new Error('no space before MSG');
  return {
    pri: Number(head[1]),
    version: Number(head[2]),
    timestamp: head[3]!,
    hostname: head[4]!,
    appName: head[5]!,
    procId: head[6]!,
    msgId: head[7]!,
    sd,
    msg,
    raw,
  };
}

export interface Collector {
  port: number;
  messages: Syslog5424[];
  /** Stops listening and drops every connection (the collector "goes down"). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

/** A TCP collector reading octet-counted frames (RFC 6587 §3.4.1). */
export async function tcpCollector(port = 0): Promise<Collector> {
  const messages: Syslog5424[] = [];
  const sockets = new Set<Socket>();
  let server: Server;
  const start = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {});
        let buf = Buffer.alloc(0);
        s.on('data', (chunk) => {
          buf = Buffer.concat([buf, chunk]);
          for (;;) {
            const sp = buf.indexOf(0x20);
            if (sp < 0) break;
            const len = Number(buf.subarray(0, sp).toString('ascii'));
            if (!Number.isInteger(len) || len <= 0) throw new Error('bad octet count');
            if (buf.length < sp + 1 + len) break;
            messages.push(parse5424(buf.subarray(sp + 1, sp + 1 + len).toString('utf8')));
            buf = buf.subarray(sp + 1 + len);
          }
        });
      });
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : p);
      });
    });
  const c: Collector = {
    port: await start(port),
    messages,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async restart() {
      await start(c.port);
    },
  };
  return c;
}

/** A UDP collector: one message per datagram (RFC 5426). */
export async function udpCollector(): Promise<Collector> {
  const messages: Syslog5424[] = [];
  let socket: UdpSocket;
  const start = (p: number) =>
    new Promise<number>((resolve) => {
      socket = createSocket('udp4');
      socket.on('message', (m) => messages.push(parse5424(m.toString('utf8'))));
      socket.bind(p, '127.0.0.1', () => resolve(socket.address().port));
    });
  const c: Collector = {
    port: await start(0),
    messages,
    stop: () => new Promise<void>((r) => socket.close(() => r())),
    async restart() {
      await start(c.port);
    },
  };
  return c;
}
