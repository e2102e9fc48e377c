/**
 * `bin/airlock mcp` (issue 14, stdio) as a real child process, driven by the official SDK's
 * stdio client of both protocol eras: it forwards to a real Airlock listening on loopback, so
 * the tools, the grants' refusals and the audit entries are those of `/mcp`; it refuses to
 * start, with one line on stderr and exit 2, when Airlock is not there or the key is refused.
 * Also: `bin/airlock serve` records its port in the data directory, where `mcp` finds it.
 */
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { FastifyInstance } from 'fastify';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import type { AuditEntry } from '../../src/shared/domain';
import { ROOT, runAirlock } from '../helpers/cli';
import { startTestAirlock, tempDir, type TestAirlock } from '../helpers/harness';

const AIRLOCK = join(ROOT, 'bin/airlock');

let t: TestAirlock;
let app: FastifyInstance;
let port = 0;
let reader: { id: string; apiKey: string };

beforeAll(async () => {
  t = await startTestAirlock();
  // The harness's core behind a server that listens: the bridge speaks real HTTP to it.
  app = await buildServer({ core: t.core, adminToken: t.adminToken, port: () => port });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  reader = await t.createAgent('stdio-reader', [
    { connection: 'demo', table: 'customers', actions: ['read'], columns: ['id', 'first_name'] },
  ]);
});
afterAll(async () => {
  await app.close();
  await t.close();
});

const entries = (): AuditEntry[] =>
  (t.core.audit.list({ limit: 10_000, offset: 0 }).entries as AuditEntry[]).sort(
    (a, b) => a.id - b.id,
  );

/** A client of the given era connected to `bin/airlock mcp` over its stdin/stdout. */
async function connect(
  key: string,
  args: string[],
  era: 'legacy' | 'modern',
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: AIRLOCK,
    args: ['mcp', ...args],
    cwd: ROOT,
    env: { ...getDefaultEnvironment(), AIRLOCK_API_KEY: key },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const client = new Client(
    { name: 'airlock-stdio-test', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(transport);
  return { client, stderr: () => err };
}

type Refusal = { error: { code: string; message: string }; auditId: number };

// Each test starts bin/airlock (tsx) at least once: seconds apiece on a loaded machine.
const SLOW = { timeout: 120_000 };

describe.each(['legacy', 'modern'] as const)('bin/airlock mcp, a %s-era client', SLOW, (era) => {
  it('lists the tools, runs a granted query and refuses a hidden column, each call one audit entry', async () => {
    const before = entries().length;
    const { client, stderr } = await connect(reader.apiKey, ['--port', String(port)], era);
    try {
      if (era === 'modern') expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      else expect(client.getServerVersion()?.name).toBe('airlock');
      const { tools } = await client.listTools();
      expect(tools.map((x) => x.name)).toEqual([
        'list_connections',
        'describe_tables',
        'query',
        'ask',
      ]);
      expect(tools.find((x) => x.name === 'query')?.annotations?.readOnlyHint).toBe(true);

      const read = await client.callTool({
        name: 'query',
        arguments: {
          connection: 'demo',
          sql: 'SELECT id, first_name FROM customers ORDER BY id LIMIT 2',
        },
      });
      expect(read.isError, JSON.stringify(read)).toBeFalsy();
      const rows = read.structuredContent as { rowCount: number; auditId: number };
      expect(rows.rowCount).toBe(2);
      expect(JSON.parse((read.content as { text: string }[])[0]!.text)).toEqual(rows);

      const hidden = await client.callTool({
        name: 'query',
        arguments: { connection: 'demo', sql: 'SELECT email FROM customers' },
      });
      expect(hidden.isError).toBe(true);
      const refusal = hidden.structuredContent as Refusal;
      expect(refusal.error.code).toBe('PERMISSION_DENIED');

      // Exactly the two calls' entries: the bridge's own opening check and the listing add none.
      const added = entries().slice(before);
      expect(added.map((e) => e.id)).toEqual([rows.auditId, refusal.auditId]);
      expect(added[0]).toMatchObject({
        actor: 'agent:stdio-reader',
        action: 'query.read',
        status: 'allowed',
      });
      expect(added[1]).toMatchObject({ status: 'denied', decision: 'deny' });
      expect(stderr()).not.toContain(reader.apiKey);
    } finally {
      await client.close();
    }
  });
});

describe('bin/airlock mcp while serving', SLOW, () => {
  it("answers a call refused at the door (a key revoked meanwhile) with the JSON-RPC error of /mcp, under the call's id", async () => {
    const gone = await t.createAgent('stdio-revoked', [
      { connection: 'demo', table: 'customers', actions: ['read'] },
    ]);
    const { client, stderr } = await connect(gone.apiKey, ['--port', String(port)], 'legacy');
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      expect((await t.admin('DELETE', `/v1/admin/agents/${gone.id}`)).statusCode).toBe(200);
      const before = entries().length;
      const refused = await client.callTool({ name: 'list_connections', arguments: {} }).then(
        () => null,
        (e: unknown) => e as { code?: number; message?: string },
      );
      expect(refused?.code).toBe(-32001);
      expect(refused?.message).toMatch(/key/i);
      expect(entries().slice(before)).toEqual([
        expect.objectContaining({ status: 'denied', action: 'auth', rule: 'identity' }),
      ]);
      expect(stderr()).toMatch(/refused the agent key/);
      expect(stderr()).not.toContain(gone.apiKey);
    } finally {
      await client.close();
    }
  });
});

describe('bin/airlock mcp refuses to start', SLOW, () => {
  it('when Airlock is not running: one line on stderr, exit 2, nothing on stdout', async () => {
    // A port that was free a moment ago, and is again.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const free = (probe.address() as AddressInfo).port;
    await new Promise<void>((done) => probe.close(() => done()));

    const r = await runAirlock(['mcp', '--port', String(free)], { AIRLOCK_API_KEY: reader.apiKey });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `airlock mcp: Airlock is not running on 127.0.0.1:${free} — start it with \`npm start\` or \`bin/airlock serve\` (or pass the --port it runs on)`,
    ]);
  });

  it('when the key is refused, or missing; the key is never printed', async () => {
    const before = entries().length;
    const wrong = 'alk_this-key-was-never-issued';
    const refused = await runAirlock(['mcp', '--port', String(port)], { AIRLOCK_API_KEY: wrong });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^airlock mcp: Airlock refused the agent key in AIRLOCK_API_KEY/,
    );
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).not.toContain(wrong);
    // The refused key is on the record, as any refused request is.
    expect(entries().slice(before)).toEqual([
      expect.objectContaining({
        status: 'denied',
        action: 'auth',
        rule: 'identity',
        details: { route: '/mcp' },
      }),
    ]);

    const missing = await runAirlock(['mcp', '--port', String(port)], {
      AIRLOCK_API_KEY: undefined,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^airlock mcp: set AIRLOCK_API_KEY/);
  });
});

describe('bin/airlock serve records its port for bin/airlock mcp', SLOW, () => {
  const running: ChildProcess[] = [];
  const dirs: string[] = [];
  afterAll(() => {
    for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('mcp --data-dir finds the port in DIR/airlock.port, and a clean stop removes it', async () => {
    const dataDir = tempDir('airlock-mcp-stdio-');
    dirs.push(dataDir);
    const env = { ...process.env };
    delete env.AIRLOCK_HOME;
    delete env.AIRLOCK_STORE_KEY;
    const serve = spawn(AIRLOCK, ['serve', '--data-dir', dataDir, '--port', '0'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(serve);
    let out = '';
    serve.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((done) => serve.on('exit', (code) => done(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
      serve.stdout!.on('data', () => {
        const m = /UI and API:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const served = Number(new URL(url).port);
    expect(readFileSync(join(dataDir, 'airlock.port'), 'utf8').trim()).toBe(String(served));

    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await admin('POST', '/v1/admin/agents', { name: 'stdio-found' });
    expect(created.status).toBe(201);
    const agent = (await created.json()) as { id: string; apiKey: string };
    const granted = await admin('PUT', `/v1/admin/agents/${agent.id}/grants`, {
      grants: [{ connection: 'demo', table: 'customers', actions: ['read'] }],
    });
    expect(granted.status).toBe(200);

    const { client } = await connect(agent.apiKey, ['--data-dir', dataDir], 'legacy');
    try {
      const conns = await client.callTool({ name: 'list_connections', arguments: {} });
      expect(conns.isError).toBeFalsy();
      expect(
        (conns.structuredContent as { connections: { name: string }[] }).connections.map(
          (c) => c.name,
        ),
      ).toEqual(['demo']);
    } finally {
      await client.close();
    }

    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'airlock.port'))).toBe(false);
  });
});

describe('npm run build:mcpb', SLOW, () => {
  /** Top-level keys the MCPB manifest schema knows; it rejects any other. */
  const MANIFEST_KEYS = new Set([
    '$schema',
    'manifest_version',
    'name',
    'display_name',
    'version',
    'description',
    'long_description',
    'author',
    'repository',
    'homepage',
    'documentation',
    'support',
    'icon',
    'icons',
    'screenshots',
    'localization',
    'server',
    'tools',
    'tools_generated',
    'prompts',
    'prompts_generated',
    'keywords',
    'license',
    'privacy_policies',
    'compatibility',
    'user_config',
    '_meta',
  ]);

  interface Manifest {
    manifest_version: string;
    name: string;
    version: string;
    description: string;
    author: { name: string };
    server: {
      type: string;
      entry_point: string;
      mcp_config: { command: string; args: string[]; env: Record<string, string> };
    };
    user_config: Record<
      string,
      {
        type: string;
        title: string;
        description: string;
        sensitive?: boolean;
        required?: boolean;
        default?: unknown;
      }
    >;
  }

  it('writes a valid zip whose manifest names its entry, which runs bin/airlock mcp as Claude Desktop would', async () => {
    const dir = tempDir('airlock-mcpb-');
    try {
      const bundle = join(dir, 'airlock.mcpb');
      const built = await new Promise<{ code: number | null; out: string }>((done) => {
        const child = spawn(
          process.execPath,
          [join(ROOT, 'scripts/build-mcpb.mjs'), '--out', bundle],
          {
            cwd: ROOT,
          },
        );
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => done({ code, out }));
      });
      expect(built.code, built.out).toBe(0);

      // Read by an independent zip reader (Python's zipfile): every entry's CRC checks out.
      const extracted = join(dir, 'installed');
      const listing = await new Promise<{ code: number | null; out: string }>((done) => {
        const py = spawn('python3', [
          '-c',
          'import sys, zipfile, json\n' +
            'z = zipfile.ZipFile(sys.argv[1])\n' +
            'assert z.testzip() is None\n' +
            'z.extractall(sys.argv[2])\n' +
            'print(json.dumps(z.namelist()))',
          bundle,
          extracted,
        ]);
        let out = '';
        py.stdout.on('data', (d: Buffer) => (out += d.toString()));
        py.stderr.on('data', (d: Buffer) => (out += d.toString()));
        py.on('exit', (code) => done({ code, out }));
      });
      expect(listing.code, listing.out).toBe(0);
      const names = JSON.parse(listing.out) as string[];

      const manifest = JSON.parse(
        readFileSync(join(extracted, 'manifest.json'), 'utf8'),
      ) as Manifest;
      expect(Object.keys(manifest).filter((k) => !MANIFEST_KEYS.has(k))).toEqual([]);
      expect(manifest).toMatchObject({
        manifest_version: '0.3',
        name: 'airlock',
        version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
        author: { name: expect.any(String) },
        server: { type: 'node' },
      });
      expect(names.sort()).toEqual(['manifest.json', manifest.server.entry_point].sort());
      expect(manifest.server.mcp_config.args).toEqual([
        `\${__dirname}/${manifest.server.entry_point}`,
      ]);
      expect(manifest.server.mcp_config.env.AIRLOCK_API_KEY).toBe('${user_config.api_key}');
      expect(manifest.user_config.api_key).toMatchObject({
        type: 'string',
        sensitive: true,
        required: true,
      });
      for (const field of Object.values(manifest.user_config))
        expect(Object.keys(field)).toEqual(
          expect.arrayContaining(['type', 'title', 'description']),
        );
      expect(manifest.user_config.airlock_dir!.default).toBe(ROOT.replace(/\/$/, ''));

      // Launched the way the host does: placeholders replaced by the install's settings.
      const settings: Record<string, string> = {
        api_key: reader.apiKey,
        airlock_dir: manifest.user_config.airlock_dir!.default as string,
        port: String(port),
      };
      const fill = (s: string) =>
        s
          .replaceAll('${__dirname}', extracted)
          .replace(/\$\{user_config\.([a-z_]+)\}/g, (_, k: string) => settings[k] ?? '');
      const env = Object.fromEntries(
        Object.entries(manifest.server.mcp_config.env).map(([k, v]) => [k, fill(v)]),
      );
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: manifest.server.mcp_config.args.map(fill),
        env: { ...getDefaultEnvironment(), ...env },
        stderr: 'pipe',
      });
      const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
      await client.connect(transport);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((x) => x.name)).toContain('query');
      } finally {
        await client.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
