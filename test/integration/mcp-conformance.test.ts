/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in
 * package.json) against Airlock's `/mcp`, over real HTTP on loopback. The suite's CLI cannot
 * send headers, so a loopback proxy in front adds the agent's key (test/helpers/bearer-proxy.ts);
 * on Node 20 the CLI runs with a preload that supplies the one `fs` export it lacks
 * (test/helpers/node20-fs-globsync.mjs). Nothing is downloaded: the suite and its schemas are in
 * node_modules, and it talks only to the proxy.
 *
 * Three runs: the scenarios each protocol revision requires, frozen at its release and run at
 * its wire (2025-11-25: `initialize` first; 2026-07-28: stateless, `server/discover`), then
 * every server scenario the suite has (`--suite all`: pending, draft and extension ones too).
 * Every check of every scenario passes, except the ones listed below with the reason: features
 * Airlock does not offer on purpose, and tools only the suite's reference server has. The list
 * is exact both ways, so a new failure fails this test, and so does a listed one that stops
 * failing (then it applies, and belongs out of the list).
 */
import type { FastifyInstance } from 'fastify';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import type { AuditEntry } from '../../src/shared/domain';
import { startBearerProxy, type BearerProxy } from '../helpers/bearer-proxy';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';

const require = createRequire(import.meta.url);
const CLI = join(
  dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist/index.js',
);
const PRELOAD = fileURLToPath(new URL('../helpers/node20-fs-globsync.mjs', import.meta.url));

const NO_PROMPTS =
  'Airlock offers no prompts: an agent gets tools over its grants, nothing else to fetch';
const NO_RESOURCES =
  'Airlock offers no resources: data leaves only through an audited tool call, under the grants';
const NO_COMPLETION = 'Airlock offers no argument completion (it would list names outside a call)';
const NO_LOGGING =
  'Airlock sends no log messages to clients; its log and audit stay with the person who runs it';
const NO_SERVER_REQUESTS =
  'Airlock never asks the client for sampling or form input: a model cannot answer for a person';
const NO_TASKS = 'Airlock does not offer the tasks extension: every call answers in its request';
const NO_SKILLS = 'Airlock does not offer the skills extension';
const REFERENCE_TOOL = (tool: string) =>
  `calls ${tool}, a tool only the suite's reference server has`;
const STATELESS =
  'the handler is stateless (no session): no session id, no resumable stream, nothing to poll';

/**
 * Scenarios that exercise a feature Airlock does not offer on purpose, or need a tool of the
 * suite's reference server. Each must run, and must still not pass; their checks are not read.
 */
const NOT_APPLICABLE: Record<string, string> = {
  'completion-complete': NO_COMPLETION,
  'logging-set-level': NO_LOGGING,
  'tools-call-simple-text': REFERENCE_TOOL('test_simple_text'),
  'tools-call-image': REFERENCE_TOOL('test_image_content'),
  'tools-call-audio': REFERENCE_TOOL('test_audio_content'),
  'tools-call-embedded-resource': REFERENCE_TOOL('test_embedded_resource'),
  'tools-call-mixed-content': REFERENCE_TOOL('test_multiple_content_types'),
  // Airlock's own tool errors (isError with the code and audit id) are tested in mcp.test.ts.
  'tools-call-error': REFERENCE_TOOL('test_error_handling'),
  'tools-call-with-progress': REFERENCE_TOOL('test_tool_with_progress'),
  'tools-call-with-logging': NO_LOGGING,
  'tools-call-sampling': NO_SERVER_REQUESTS,
  'tools-call-elicitation': NO_SERVER_REQUESTS,
  'elicitation-sep1034-defaults': NO_SERVER_REQUESTS,
  'elicitation-sep1330-enums': NO_SERVER_REQUESTS,
  'json-schema-2020-12': REFERENCE_TOOL('json_schema_2020_12_tool'),
  'resources-list': NO_RESOURCES,
  'resources-read-text': NO_RESOURCES,
  'resources-read-binary': NO_RESOURCES,
  'resources-templates-read': NO_RESOURCES,
  'resources-subscribe': NO_RESOURCES,
  'resources-unsubscribe': NO_RESOURCES,
  'prompts-list': NO_PROMPTS,
  'prompts-get-simple': NO_PROMPTS,
  'prompts-get-with-args': NO_PROMPTS,
  'prompts-get-embedded-resource': NO_PROMPTS,
  'prompts-get-with-image': NO_PROMPTS,
  'http-custom-header-server-validation':
    'no Airlock tool declares an x-mcp-header parameter, so there is no Mcp-Param header to check',
  'input-required-result-basic-elicitation': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-basic-sampling': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-basic-list-roots': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-request-state': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-multiple-input-requests': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-multi-round': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-missing-input-response': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-result-type': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-tampered-state': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-capability-check': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-ignore-extra-params': REFERENCE_TOOL('test_input_required_result_*'),
  'input-required-result-non-tool-request':
    'asks for input on prompts/get, and Airlock offers no prompts',
  'tasks-lifecycle': NO_TASKS,
  'tasks-capability-negotiation': NO_TASKS,
  'tasks-wire-fields': NO_TASKS,
  'tasks-request-state-removal': NO_TASKS,
  'tasks-mrtr-input': NO_TASKS,
  'tasks-request-headers': NO_TASKS,
  'tasks-dispatch-and-envelope': NO_TASKS,
  'tasks-status-notifications': NO_TASKS,
  'tasks-required-task-error': NO_TASKS,
  'tasks-mrtr-composition': NO_TASKS,
  'sep-2640-skills-directory': NO_SKILLS,
  'sep-2640-skills-enumeration': NO_SKILLS,
  'sep-2640-skills-manifest': NO_SKILLS,
};

/**
 * Checks that do not pass inside scenarios that otherwise apply (and whose other checks must
 * pass), as `scenario/check`, with the status the suite gives them.
 */
const EXCUSED: Record<string, { status: 'FAILURE' | 'WARNING' | 'SKIPPED'; reason: string }> = {
  'server-stateless/sep-2575-server-rejects-undeclared-capability': {
    status: 'FAILURE',
    reason: REFERENCE_TOOL('test_missing_capability'),
  },
  'server-stateless/sep-2575-missing-capability-http-400': {
    status: 'FAILURE',
    reason: REFERENCE_TOOL('test_missing_capability'),
  },
  'server-stateless/sep-2575-http-server-no-independent-requests-on-stream': {
    status: 'FAILURE',
    reason: REFERENCE_TOOL('test_streaming_elicitation'),
  },
  'server-stateless/sep-2575-server-no-log-without-loglevel': {
    status: 'FAILURE',
    reason: REFERENCE_TOOL('test_logging_tool'),
  },
  'server-stateless/sep-2575-server-sends-prompts-list-changed-on-subscription': {
    status: 'SKIPPED',
    reason: NO_PROMPTS,
  },
  'server-stateless/sep-2575-server-sends-tools-list-changed-on-subscription': {
    status: 'SKIPPED',
    reason: "an agent's tools change only with its grants, which the suite cannot change",
  },
  'caching/sep-2549-prompts-list-caching-hints': { status: 'FAILURE', reason: NO_PROMPTS },
  'caching/sep-2549-resources-list-caching-hints': { status: 'FAILURE', reason: NO_RESOURCES },
  'caching/sep-2549-resources-templates-list-caching-hints': {
    status: 'FAILURE',
    reason: NO_RESOURCES,
  },
  'caching/sep-2549-resources-read-caching-hints': { status: 'SKIPPED', reason: NO_RESOURCES },
  // Without a resources capability, resources/read is an unknown method (-32601), not a
  // missing resource (-32602 with its uri).
  'sep-2164-resource-not-found/sep-2164-error-code': { status: 'WARNING', reason: NO_RESOURCES },
  'sep-2164-resource-not-found/sep-2164-data-uri': { status: 'WARNING', reason: NO_RESOURCES },
  'server-sse-multiple-streams/server-sse-multiple-streams-session': {
    status: 'WARNING',
    reason: STATELESS,
  },
  'server-sse-polling/server-sse-polling-session': { status: 'WARNING', reason: STATELESS },
  'server-sse-polling/server-sse-priming-event': { status: 'WARNING', reason: STATELESS },
  'server-sse-polling/server-sse-retry-field': { status: 'WARNING', reason: STATELESS },
};

/** Scenarios that must run and pass in the run that requires them: the core of the door. */
const MUST_PASS = {
  '2025-11-25': ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'],
  '2026-07-28': [
    'server-stateless',
    'tools-list',
    'caching',
    'server-sse-multiple-streams',
    'sep-2164-resource-not-found',
    'dns-rebinding-protection',
    'input-required-result-unsupported-methods',
    'input-required-result-validate-input',
  ],
} as const;

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

interface Run {
  /** Scenario name → its checks. */
  scenarios: Map<string, Check[]>;
  output: string;
}

let t: TestAirlock;
let app: FastifyInstance;
let port = 0;
let proxy: BearerProxy;
let agentId = '';
const work = mkdtempSync(join(tmpdir(), 'airlock-conformance-'));
const runs = new Map<string, Run>();

beforeAll(async () => {
  t = await startTestAirlock();
  // The harness's core behind a server that listens: the suite speaks real HTTP.
  app = await buildServer({ core: t.core, adminToken: t.adminToken, port: () => port });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  // A write grant, so every tool (execute too) is listed.
  const agent = await t.createAgent('conformance', [
    { connection: 'demo', table: 'customers', actions: ['read', 'write'], approval: 'none' },
  ]);
  agentId = agent.id;
  proxy = await startBearerProxy(port, agent.apiKey);
});

afterAll(async () => {
  await proxy?.close();
  await app?.close();
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs the suite's CLI (asynchronously: this process serves Airlock), answering its output. */
function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, CLI, ...args], {
      cwd: work,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    // Exit code 1 means "some check failed", which the lists above account for.
    child.on('close', () => resolve(output));
  });
}

/** One run of server scenarios against the proxy, read back from the suite's result files. */
async function conformance(label: string, args: string[]): Promise<Run> {
  const out = join(work, label);
  const url = `http://127.0.0.1:${proxy.port}/mcp`;
  const output = await cli(['server', '--url', url, ...args, '-o', out]);
  const scenarios = new Map<string, Check[]>();
  for (const dir of existsSync(out) ? readdirSync(out) : []) {
    const name = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(dir)?.[1];
    if (name)
      scenarios.set(
        name,
        JSON.parse(readFileSync(join(out, dir, 'checks.json'), 'utf8')) as Check[],
      );
  }
  return { scenarios, output };
}

/** `scenario/check status` for every check that did not pass, outside NOT_APPLICABLE. */
function unexplained(run: Run): string[] {
  const found: string[] = [];
  for (const [scenario, checks] of run.scenarios) {
    if (scenario in NOT_APPLICABLE) continue;
    for (const c of checks) {
      if (c.status === 'SUCCESS' || c.status === 'INFO') continue;
      const key = `${scenario}/${c.id}`;
      if (EXCUSED[key]?.status === c.status) continue;
      found.push(`${key} ${c.status}: ${c.errorMessage ?? ''}`.slice(0, 300));
    }
  }
  return found.sort();
}

const passed = (checks: Check[] | undefined) =>
  checks !== undefined &&
  checks.some((c) => c.status === 'SUCCESS') &&
  checks.every((c) => c.status === 'SUCCESS' || c.status === 'INFO');

const notPassing = (run: Run) =>
  [...run.scenarios].flatMap(([scenario, checks]) =>
    checks
      .filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO')
      .map((c) => `${scenario}/${c.id}`),
  );

describe('the MCP conformance suite against /mcp', () => {
  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    it(`passes every applicable scenario ${revision} requires`, async () => {
      const run = await conformance(revision, ['--requirements', revision]);
      runs.set(revision, run);
      expect(run.scenarios.size, run.output.slice(-2000)).toBeGreaterThan(20);
      expect(unexplained(run), run.output.slice(-2000)).toEqual([]);
      // The core of the door ran and passed (its failures would be listed above).
      for (const scenario of MUST_PASS[revision])
        expect(
          run.scenarios.get(scenario)?.some((c) => c.status === 'SUCCESS'),
          scenario,
        ).toBe(true);
    }, 300_000);
  }

  it('passes every applicable check of every server scenario the suite has', async () => {
    const run = await conformance('all', ['--suite', 'all']);
    runs.set('all', run);
    expect(unexplained(run), run.output.slice(-2000)).toEqual([]);
    // Every scenario the suite lists for servers ran.
    const listed = /Server scenarios[^\n]*\n((?:\s+- .+\n)+)/.exec(await cli(['list', '--server']));
    const names = (listed?.[1] ?? '').split('\n').flatMap((l) => /- (\S+)/.exec(l)?.[1] ?? []);
    expect(names.length).toBeGreaterThan(40);
    expect([...run.scenarios.keys()].sort()).toEqual(names.sort());
  }, 300_000);

  it('lists exactly the scenarios and checks that do not apply (none of them passes)', () => {
    expect(runs.size, 'the runs above').toBe(3);
    const all = [...runs.values()];
    for (const scenario of Object.keys(NOT_APPLICABLE)) {
      const seen = all.map((r) => r.scenarios.get(scenario)).filter((c) => c !== undefined);
      expect(seen.length, `${scenario} ran`).toBeGreaterThan(0);
      expect(
        seen.some((checks) => !passed(checks)),
        `${scenario} passes now: it applies, take it out of NOT_APPLICABLE`,
      ).toBe(true);
    }
    const notPassed = new Set(all.flatMap(notPassing));
    for (const key of Object.keys(EXCUSED))
      expect(notPassed.has(key), `${key} passes now: take it out of EXCUSED`).toBe(true);
  });

  it('went through the agent key: the proxy forwarded, and the audit names the agent', () => {
    expect(proxy.forwarded()).toBeGreaterThan(100);
    const entries = t.core.audit.list({ limit: 10_000, offset: 0 }).entries as AuditEntry[];
    const agents = new Set(entries.map((e) => (e.details as { agentId?: string }).agentId));
    expect(agents.has(agentId)).toBe(true);
  });
});
