/**
 * A property over the whole HTTP surface, driven by the server's own `/v1/openapi.json`: every
 * route gets malformed and near-valid bodies, path parameters, query strings, headers and
 * encodings, as the administrator, an agent, a UI session and a stranger, over real HTTP on
 * loopback. Whatever arrives:
 *
 * - never a 5xx;
 * - every error in the one documented shape `{ error: { code, message }, auditId? }`, its
 *   status the code's own (src/shared/errors.ts);
 * - every answer and every audit entry bounded in size;
 * - `airlock audit verify` exits 0 afterwards.
 *
 * The generator is seeded (AIRLOCK_FUZZ_SEED=<n> replays a run; the seed is printed).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { createCore, type Core } from '../../src/main/core';
import { envKeyProvider } from '../../src/main/store/key-file';
import { ERROR_STATUS } from '../../src/shared/errors';
import { sqlAnswer, startOllamaDouble, type OllamaDouble } from '../doubles/ollama-double';
import { rng } from '../bench/generated-schema';
import { tempDir } from '../helpers/harness';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = Number(process.env.AIRLOCK_FUZZ_SEED ?? Date.now() % 2 ** 31);
/** Cases per route and principal; the whole run stays well under the suite's budget. */
const CASES = Number(process.env.AIRLOCK_FUZZ_CASES ?? 10);
const CONCURRENCY = 4;
/** No answer, error or not, is larger than this (the audit search's pages are the largest). */
const MAX_ANSWER = 512 * 1024;
/** An error answer stays small whatever the request. */
const MAX_ERROR = 8 * 1024;
/** An audit entry beyond its statement (at most 100,000 characters, the contract's cap). */
const MAX_ENTRY_OVERHEAD = 16 * 1024;

// ---------------------------------------------------------------- seeded generator

/** The shared seeded generator, with the draws the fuzzer needs. */
function prng(seed: number) {
  const { next, pick } = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  'a\udfffb',
  '🙂',
  '\u202e',
  'é'.normalize('NFD'),
  '../../etc/passwd',
  '%zz',
  '%00',
  '${jndi:ldap://x}',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'demo',
  'DEMO',
  'products',
  'SELECT 1',
  'SELECT * FROM products',
  'SELECT name FROM products WHERE id = ?',
  'DROP TABLE products',
  'PRAGMA key = 1',
  'ATTACH DATABASE "/tmp/x" AS x',
  'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT n FROM r',
  '2026-01-01T00:00:00Z',
  'not-a-date',
  'postgres://user:secret@127.0.0.1:1/db',
  'mysql://root:pw@127.0.0.1:1/x',
  'http://127.0.0.1:1',
  'https://api.example.com',
  '/nonexistent/x.db',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
];

/**
 * What one generated value may hold (characters and nodes): the large shapes (long strings,
 * thousands of keys, long arrays) come now and then, but never nested into a body of gigabytes.
 */
const BODY_BUDGET = 400_000;
let budget = BODY_BUDGET;
const spend = (n: number) => (budget -= n) > 0;

function randomString(r: Rng, maxLen = 40): string {
  switch (r.int(0, 5)) {
    case 0:
      return r.pick(NASTY_STRINGS);
    case 1: {
      const n = r.pick([1, 64, 65, 101, 256, 5000, 100_001]);
      return spend(n) ? 'x'.repeat(n) : 'x';
    }
    case 2: {
      let s = '';
      const n = r.int(0, maxLen);
      for (let i = 0; i < n; i++) s += String.fromCharCode(r.int(0, 0xffff));
      return s;
    }
    case 3: {
      let s = '';
      const n = r.int(1, maxLen);
      for (let i = 0; i < n; i++) s += String.fromCharCode(r.int(0x20, 0x7e));
      return s;
    }
    default:
      return r.pick(NASTY_STRINGS) + r.pick(NASTY_STRINGS);
  }
}

function junk(r: Rng, depth = 0): unknown {
  if (!spend(1)) return null;
  switch (r.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 7]);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return depth > 3 ? [] : Array.from({ length: r.int(0, 4) }, () => junk(r, depth + 1));
    case 6:
      if (depth > 3) return {};
      return Object.fromEntries(
        Array.from({ length: r.int(0, 4) }, () => [randomString(r, 8), junk(r, depth + 1)]),
      );
    default:
      return r.pick(NASTY_STRINGS);
  }
}

type Schema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean | Schema;
};

/** A value near the schema: valid-looking, with a chance at every node of being something else. */
function fromSchema(r: Rng, s: Schema | undefined, depth = 0, name = ''): unknown {
  if (!spend(1)) return null;
  if (!s || r.chance(depth === 0 ? 0.1 : 0.08)) return junk(r, depth);
  if (s.const !== undefined) return s.const;
  if (s.enum) return r.chance(0.9) ? r.pick(s.enum) : randomString(r);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fromSchema(r, r.pick(alts), depth, name);
  const type = Array.isArray(s.type) ? r.pick(s.type) : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if ((s.required ?? []).includes(k) ? r.chance(0.95) : r.chance(0.5))
          out[k] = fromSchema(r, v, depth + 1, k);
      }
      if (r.chance(0.1)) out[randomString(r, 10)] = junk(r, depth + 1);
      if (r.chance(0.02) && spend(50_000)) for (let i = 0; i < 5000; i++) out[`k${i}`] = i;
      return out;
    }
    case 'array': {
      const n = r.chance(0.03) && spend(2000) ? 2000 : r.int(0, 3);
      return Array.from({ length: n }, () => fromSchema(r, s.items, depth + 1, name));
    }
    case 'string': {
      if (/^(name|connection)$/.test(name) && r.chance(0.5))
        return r.pick(['demo', 'fuzz-db', 'nope']);
      if (/sql|statement/i.test(name) && r.chance(0.6))
        return r.pick(NASTY_STRINGS.filter((x) => /SELECT|DROP|PRAGMA|ATTACH|WITH/.test(x)));
      if (/url/i.test(name) && r.chance(0.6))
        return r.pick(NASTY_STRINGS.filter((x) => x.includes('://')));
      if (r.chance(0.5)) {
        const len = r.int(s.minLength ?? 1, Math.min(s.maxLength ?? 20, 20));
        return Array.from({ length: len }, () => r.pick(['a', 'b', 'z', '1', '_'])).join('');
      }
      return randomString(r);
    }
    case 'integer':
    case 'number': {
      if (r.chance(0.7))
        return r.int(Math.max(s.minimum ?? 0, -1000), Math.min(s.maximum ?? 1000, 1000));
      return r.pick([-1, 0, 1.5, 2 ** 53 + 1, 1e308, -1e308]);
    }
    case 'boolean':
      return r.chance(0.5);
    case 'null':
      return null;
    default:
      return junk(r, depth);
  }
}

// ---------------------------------------------------------------- requests

interface Op {
  method: string;
  path: string;
  security: string | null;
  params: { name: string; in: 'path' | 'query'; schema: Schema }[];
  body?: Schema;
}

type Who = 'admin' | 'agent' | 'session' | 'stranger';

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function encodePathPart(r: Rng, v: string): string {
  switch (r.int(0, 4)) {
    case 0:
      return v.replace(
        /[^A-Za-z0-9._~-]/g,
        (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      );
    case 1:
      return r.pick(['%zz', '%', '%E0%A4%A', '%ff%fe', '..', '%2e%2e', 'a%2Fb', '%00', '%C0%AF']);
    default:
      try {
        return encodeURIComponent(v);
      } catch {
        return '%ed%a0%80'; // a lone surrogate has no UTF-8 encoding: send its CESU bytes
      }
  }
}

function build(
  r: Rng,
  op: Op,
  who: Who,
  creds: { admin: string; agent: string; cookie: string; host: string },
): Sent {
  budget = BODY_BUDGET;
  let path = op.path;
  const query: string[] = [];
  for (const p of op.params) {
    const v = r.chance(0.4) ? String(fromSchema(r, p.schema, 1, p.name)) : randomString(r);
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodePathPart(r, v));
    else if (r.chance(0.7)) query.push(`${encodeURIComponent(p.name)}=${encodePathPart(r, v)}`);
  }
  if (r.chance(0.15))
    query.push(`${encodePathPart(r, randomString(r, 6))}=${encodePathPart(r, randomString(r))}`);
  if (r.chance(0.05)) query.push('a=1&a=2&a[b]=3');
  if (query.length) path += `?${query.join('&')}`;

  const headers: Record<string, string> = {
    host: r.chance(0.97) ? creds.host : r.pick(['evil.example', '127.0.0.1:1', 'localhost']),
  };
  switch (who) {
    case 'admin':
      headers.authorization = `Bearer ${creds.admin}`;
      break;
    case 'agent':
      headers.authorization = `Bearer ${creds.agent}`;
      break;
    case 'session':
      headers.cookie = creds.cookie;
      if (r.chance(0.9))
        headers['x-airlock-ui'] = r.chance(0.95)
          ? '1'
          : randomString(r, 5).replace(/[^\x20-\x7e]/g, '');
      break;
    case 'stranger':
      if (r.chance(0.6))
        headers.authorization = r.pick([
          'Bearer',
          'Bearer ',
          'Basic YWRtaW46YWRtaW4=',
          `Bearer alk_${'A'.repeat(r.int(0, 60))}`,
          `Bearer adm_${randomBytes(8).toString('hex')}`,
          `Bearer ${'x'.repeat(8000)}`,
          'Bearer a b c',
        ]);
      if (r.chance(0.3))
        headers.cookie = r.pick([
          'airlock_session=',
          'airlock_session=abc',
          `airlock_session=${'A'.repeat(43)}`,
        ]);
      if (r.chance(0.3)) headers['x-airlock-ui'] = '1';
      break;
  }
  if (r.chance(0.1))
    headers.origin = r.pick(['http://evil.example', 'null', `http://${creds.host}`]);
  if (r.chance(0.1))
    headers.accept = r.pick([
      'text/event-stream',
      'application/x-ndjson',
      '*/*',
      'text/html',
      'application/xml',
    ]);

  let body: Buffer | undefined;
  if (op.body || r.chance(0.2)) {
    let text: string;
    switch (r.int(0, 11)) {
      case 0:
        text = r.pick(['"str"', '1', 'true', 'null', '[]', '[1,2]', '{}', '']);
        break;
      case 1:
        text = r.pick([
          '{',
          '{"a":',
          '{"a":1,}',
          "{'a':1}",
          '\u0000',
          'NaN',
          '{"a":1}{"b":2}',
          '\ufeff{}',
        ]);
        break;
      case 2:
        text = `${'['.repeat(r.int(100, 5000))}${']'.repeat(r.int(0, 100))}`;
        break;
      case 3:
        text = JSON.stringify(fromSchema(r, op.body, 0)).replace(/"([^"]*)"/, '"\\ud800$1"');
        break;
      default:
        text = JSON.stringify(fromSchema(r, op.body, 0)) ?? 'null';
    }
    body = Buffer.from(text, 'utf8');
    if (r.chance(0.03)) body = Buffer.concat([body, randomBytes(r.int(1, 64))]);
    if (r.chance(0.02)) body = Buffer.alloc(1024 * 1024 + 10, 0x20);
    headers['content-type'] = r.chance(0.85)
      ? 'application/json'
      : r.pick([
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          'application/json;;;',
          'APPLICATION/JSON',
        ]);
    if (r.chance(0.04)) {
      headers['content-encoding'] = r.pick(['gzip', 'br', 'deflate', 'identity', 'x-weird']);
      if (headers['content-encoding'] === 'gzip' && r.chance(0.5)) body = gzipSync(body);
    }
  }
  const method = r.chance(0.03) ? r.pick(['PATCH', 'OPTIONS', 'HEAD', 'GET', 'DELETE']) : op.method;
  // A HEAD answer has no body, so a body sent with HEAD would be read as the next request.
  if (method === 'HEAD') body = undefined;
  return {
    method,
    path,
    headers,
    ...(body ? { body } : {}),
  };
}

type ErrorLike = { error?: { code?: unknown; message?: unknown }; auditId?: unknown };
function parseBody(body: Buffer): ErrorLike | null {
  try {
    return JSON.parse(body.toString()) as ErrorLike;
  } catch {
    return null;
  }
}

function send(port: number, s: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A connection of its own per request: one request's broken framing never reaches the next.
    const req = httpRequest(
      { host: '127.0.0.1', port, method: s.method, path: s.path, headers: s.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          // Keep the first bytes beyond the cap only: enough to tell the answer is too large.
          if (size <= MAX_ANSWER + 1) chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () =>
      req.destroy(new Error(`no answer in 60 s: ${s.method} ${s.path.slice(0, 200)}`)),
    );
    req.on('error', reject);
    if (s.body) req.write(s.body);
    req.end();
  });
}

/** Requests no HTTP client library will send: broken framing at the socket. */
const RAW_REQUESTS = (host: string, agent: string) => [
  `POST /v1/query HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${agent}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"connection":"demo"}`,
  `POST /v1/query HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${agent}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
  `POST /v1/query HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${agent}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
  `GET /v1/connections HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${agent}\r\nX-Bad\u0001Header: 1\r\n\r\n`,
  `GET /v1/connections/${'%ff'.repeat(50)}/tables HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${agent}\r\n\r\n`,
  `GET /v1/${'a'.repeat(70_000)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  `GET /v1/health HTTP/1.1\r\nHost: ${host}\r\n${'X-Pad: y\r\n'.repeat(3000)}\r\n`,
  `GET /v1/health HTTP/9.9\r\nHost: ${host}\r\n\r\n`,
  `BREW /v1/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  `GET /v1/health\r\n\r\n`,
];

/** The status line of a raw exchange, or null when the server closed without one (allowed for broken framing). */
function sendRaw(
  port: number,
  text: string,
): Promise<{ status: number | null; head: string; length: number }> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      got += d;
      // One whole answer is all we want; the connection may stay open.
      const end = got.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)\r\n/i.exec(got)?.[1] ?? 0);
      if (end >= 0 && got.length >= end + 4 + length) sock.end();
    });
    const done = () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : null, head: got.slice(0, 4000), length: got.length });
    };
    sock.on('close', done);
    sock.on('error', () => undefined);
    sock.setTimeout(15_000, () => sock.destroy());
    sock.write(text, 'latin1');
    setTimeout(() => sock.end(), 3000);
  });
}

// ---------------------------------------------------------------- the run

let core: Core;
let app: FastifyInstance;
let ollama: OllamaDouble;
let dataDir: string;
let storeKeyHex: string;
let port = 0;
/** What the server logged as internal errors: the cause of any 5xx, printed with the failures. */
const internalErrors: string[] = [];

beforeAll(async () => {
  dataDir = tempDir('airlock-fuzz-');
  storeKeyHex = randomBytes(32).toString('hex');
  ollama = await startOllamaDouble({ models: ['fuzz-model'] });
  ollama.otherwise(sqlAnswer('SELECT name FROM products LIMIT 3'));
  core = await createCore({
    dataDir,
    keyProvider: envKeyProvider(storeKeyHex),
    // Fixed here so that a fuzzed settings change cannot throttle the rest of the run.
    rateLimits: [{ windowMs: 60_000, max: 1_000_000, label: 'minute' }],
    queryLimits: { timeoutMs: 5_000 },
    nl: { ollama: { url: ollama.url, model: 'fuzz-model' }, ollamaTimeouts: { requestMs: 5_000 } },
  });
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  app = await buildServer({
    core,
    adminToken,
    port: () => port,
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: (msg, fields) => internalErrors.push(`${msg} ${JSON.stringify(fields)}`),
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  (globalThis as { fuzzAdmin?: string }).fuzzAdmin = adminToken;
}, 60_000);

afterAll(async () => {
  await app?.close().catch(() => undefined);
  await core?.close().catch(() => undefined);
  await ollama?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'bin/airlock'),
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 },
      (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('fuzzing every route of /v1/openapi.json', () => {
  it(
    'never answers 5xx, always in the error shape, bounded; the audit chain verifies afterwards',
    { timeout: 240_000 },
    async () => {
      const started = Date.now();
      const host = `127.0.0.1:${port}`;
      const admin = (globalThis as { fuzzAdmin?: string }).fuzzAdmin!;
      const asAdmin = {
        authorization: `Bearer ${admin}`,
        host,
        'content-type': 'application/json',
      };

      // An agent with a grant, and a UI session, the way a person gets them.
      const created = await send(port, {
        method: 'POST',
        path: '/v1/admin/agents',
        headers: asAdmin,
        body: Buffer.from('{"name":"fuzz-agent"}'),
      });
      expect(created.status, created.body.toString()).toBe(201);
      const agent = JSON.parse(created.body.toString()) as { id: string; apiKey: string };
      const grants = { grants: [{ connection: 'demo', table: 'products', actions: ['read'] }] };
      const put = await send(port, {
        method: 'PUT',
        path: `/v1/admin/agents/${agent.id}/grants`,
        headers: asAdmin,
        body: Buffer.from(JSON.stringify(grants)),
      });
      expect(put.status, put.body.toString()).toBe(200);
      const link = await send(port, {
        method: 'POST',
        path: '/v1/admin/login-links',
        headers: { authorization: `Bearer ${admin}`, host },
      });
      const login = new URL((JSON.parse(link.body.toString()) as { url: string }).url);
      const opened = await send(port, {
        method: 'GET',
        path: `${login.pathname}${login.search}`,
        headers: { host },
      });
      const setCookie = opened.headers['set-cookie'];
      const cookie = (Array.isArray(setCookie) ? setCookie[0]! : setCookie!).split(';')[0]!;

      const docAnswer = await send(port, {
        method: 'GET',
        path: '/v1/openapi.json',
        headers: { host },
      });
      expect(docAnswer.status).toBe(200);
      const doc = JSON.parse(docAnswer.body.toString()) as {
        paths: Record<string, Record<string, Record<string, unknown>>>;
      };
      const ops: Op[] = [];
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, o] of Object.entries(methods)) {
          const sec = (o.security as Record<string, unknown>[] | undefined)?.[0];
          ops.push({
            method: method.toUpperCase(),
            path,
            security: sec ? Object.keys(sec)[0]! : null,
            params: (o.parameters as Op['params'] | undefined) ?? [],
            body: (o.requestBody as { content: Record<string, { schema: Schema }> } | undefined)
              ?.content['application/json']?.schema,
          });
        }
      }
      expect(ops.length).toBeGreaterThan(40);

      const r = prng(SEED);
      const creds = { admin, agent: agent.apiKey, cookie, host };
      const jobs: { op: Op; sent: Sent }[] = [];
      for (const op of ops) {
        // The principal the route is for gets most cases; the others check they are turned away.
        const own: Who =
          op.security === 'adminToken'
            ? 'admin'
            : op.security === 'agentKey'
              ? 'agent'
              : op.security === 'uiSession'
                ? 'session'
                : 'stranger';
        for (let i = 0; i < CASES; i++) {
          let who: Who =
            i < CASES * 0.6 ? own : r.pick(['admin', 'agent', 'session', 'stranger'] as const);
          // Signing out would end the one session the rest of the run uses.
          if (op.path === '/v1/ui/logout' && who === 'session') who = 'stranger';
          jobs.push({ op, sent: build(r, op, who, creds) });
        }
      }
      // Shuffled (seeded): state one route changes meets every other route.
      for (let i = jobs.length - 1; i > 0; i--) {
        const j = r.int(0, i);
        [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
      }

      const failures: string[] = [];
      const byStatus = new Map<number, number>();
      let fiveXx = 0;
      let largest = 0;
      const check = (job: { op: Op; sent: Sent }, a: Answer) => {
        byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
        largest = Math.max(largest, a.body.length);
        const what = `${job.sent.method} ${job.sent.path.slice(0, 120)} [${job.op.method} ${job.op.path}] → ${a.status}`;
        if (a.status >= 500) {
          fiveXx++;
          failures.push(`${what}: ${a.body.toString().slice(0, 300)}`);
          return;
        }
        if (a.body.length > MAX_ANSWER) failures.push(`${what}: answer of ${a.body.length}+ bytes`);
        // A HEAD answer carries the status alone.
        if (a.status >= 400 && job.sent.method !== 'HEAD') {
          if (a.body.length > MAX_ERROR) failures.push(`${what}: error of ${a.body.length} bytes`);
          const parsed = parseBody(a.body);
          const code = parsed?.error?.code;
          if (typeof code !== 'string' || typeof parsed?.error?.message !== 'string') {
            failures.push(`${what}: not the error shape: ${a.body.toString().slice(0, 200)}`);
          } else if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== a.status) {
            failures.push(`${what}: code ${code} with status ${a.status}`);
          } else if (parsed.auditId !== undefined && !Number.isInteger(parsed.auditId)) {
            failures.push(`${what}: auditId ${String(parsed.auditId)}`);
          }
          if (code === 'RATE_LIMITED' && !a.headers['retry-after'])
            failures.push(`${what}: 429 without Retry-After`);
        }
      };

      let next = 0;
      const worker = async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          try {
            check(job, await send(port, job.sent));
          } catch (e) {
            // The server may close a connection on a body it will not read; that is an answer too,
            // but only for framing it cannot parse.
            const { authorization: _a, cookie: _c, ...shown } = job.sent.headers;
            failures.push(
              `${job.sent.method} ${job.sent.path.slice(0, 120)} (${job.sent.path.length} chars, ${JSON.stringify(shown)}, body ${job.sent.body?.length ?? 0} B): ${(e as Error).message}`,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      let rawCount = 0;
      for (const text of RAW_REQUESTS(host, agent.apiKey)) {
        const a = await sendRaw(port, text);
        rawCount++;
        if (a.status !== null) {
          byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
          if (a.status >= 500) {
            fiveXx++;
            failures.push(`raw ${JSON.stringify(text.slice(0, 60))} → ${a.head}`);
          } else if (a.status >= 400) {
            // Refused by Node's HTTP parser or by a route: the error shape all the same.
            const body = parseBody(
              Buffer.from(a.head.slice(a.head.indexOf('\r\n\r\n') + 4), 'latin1'),
            );
            const code = body?.error?.code;
            if (
              typeof code !== 'string' ||
              ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== a.status
            )
              failures.push(
                `raw ${JSON.stringify(text.slice(0, 60))} → not the error shape: ${a.head}`,
              );
          }
        }
      }
      // The server still answers after all of it.
      const health = await send(port, {
        method: 'GET',
        path: '/v1/health/ready',
        headers: { host },
      });
      expect(health.status).toBe(200);

      // Bounded audit entries: nothing beyond a statement's own text grows with the input.
      const entries = core.db
        .prepare<[], { id: number; statement: number; total: number }>(
          `SELECT id, coalesce(length(statement), 0) AS statement,
                length(time) + length(actor) + length(action) + coalesce(length(connection), 0) + coalesce(length(statement), 0)
                + coalesce(length(params_hash), 0) + coalesce(length(decision), 0) + coalesce(length(rule), 0)
                + coalesce(length(reason), 0) + coalesce(length(details), 0) AS total
           FROM audit_log`,
        )
        .all();
      const biggest = entries.reduce((m, e) => Math.max(m, e.total - e.statement), 0);
      for (const e of entries) {
        if (e.statement > 100_000)
          failures.push(`audit entry ${e.id}: statement of ${e.statement} characters`);
        if (e.total - e.statement > MAX_ENTRY_OVERHEAD)
          failures.push(
            `audit entry ${e.id}: ${e.total - e.statement} characters beyond its statement`,
          );
      }

      await app.close();
      await core.close();
      const verify = await runCli(['audit', 'verify', '--data-dir', dataDir], {
        AIRLOCK_STORE_KEY: storeKeyHex,
      });

      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const statuses = [...byStatus.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}:${n}`)
        .join(' ');
      console.log(
        `fuzz-openapi: seed ${SEED} (AIRLOCK_FUZZ_SEED=${SEED} replays), ${jobs.length + rawCount} requests (${rawCount} raw), ` +
          `${ops.length} routes, 5xx = ${fiveXx}, failures = ${failures.length}, largest answer ${largest} B, ` +
          `${entries.length} audit entries (largest ${biggest} chars beyond its statement), verify exit ${verify.code}, ${seconds} s; statuses ${statuses}`,
      );
      if (internalErrors.length)
        console.log(`internal errors:\n${internalErrors.slice(0, 10).join('\n')}`);
      if (verify.code !== 0) console.log(`audit verify:\n${verify.stdout}\n${verify.stderr}`);
      expect(failures.slice(0, 25), `seed ${SEED}`).toEqual([]);
      expect(fiveXx).toBe(0);
      expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    },
  );
});
