import type { Database } from 'better-sqlite3-multiple-ciphers';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuditRecord } from '../shared/domain';
import { AuditLog } from './audit/audit-log';
import { auditEntry } from './audit/entry';
import { Checkpointer } from './audit/checkpoints';
import { startRetention, type Retention } from './audit/retention';
import { retentionPolicyOf } from './audit/retention-settings';
import { ensureSigningKey, type AuditSigner } from './audit/signing-key';
import { Connections } from './connections/connections';
import { warmGuard } from './guard/guard';
import type { QueryLimits } from './connectors/types';
import { Agents } from './identity/agents';
import { GrantsRepo } from './policy/grants-repo';
import { systemClock, type Clock, type KeyProvider, type Notifier } from './ports';
import { Pipeline } from './query/pipeline';
import type { RateLimit } from './ratelimit/sliding-window';
import { AgentLimiter } from './ratelimit/agent-limiter';
import { openStore } from './store/open-store';
import { ensureDataDir, lockDataDir } from './store/data-dir-lock';
import { AlertMonitor } from './alerts/alert-monitor';
import { SecretBox } from './store/secret-box';
import { SettingsRepo, queryLimitsOf, rateLimitsOf } from './settings/settings';
import { createNlCore, type NlConfig, type NlCore } from './nl/nl-core';
import { Forwarder, type ForwarderOptions } from './audit/forward/forwarder';
import { Approvals } from './approvals/approvals';
import { approvalTtlSeconds } from './settings/settings';

/** The bundled demo database, found from the source tree or the built app. */
export function demoDatabasePath(): string {
  for (const rel of [
    '../../resources/demo.db',
    '../../../resources/demo.db',
    '../resources/demo.db',
  ]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(
    'the bundled demo database (resources/demo.db) is missing from this installation',
  );
}

export interface CoreOptions {
  dataDir: string;
  keyProvider: KeyProvider;
  clock?: Clock;
  queryLimits?: Partial<QueryLimits>;
  rateLimits?: RateLimit[];
  /** Register the bundled demo database as connection `demo` on first start (default true). */
  demo?: boolean;
  /** Natural-language settings the shell fixes (tests: short Ollama timeouts, small budgets). */
  nl?: NlConfig;
  /** Where security alerts go (desktop notifications, or the log headless); none: not raised. */
  notifier?: Notifier;
  /** How audit forwarding settles and retries (tests: short intervals). */
  forwarding?: ForwarderOptions;
}

/** Everything the shells and the API need, wired once. */
export interface Core {
  dataDir: string;
  db: Database;
  /** The store file, for readers on other threads (audit verification). */
  storePath: string;
  /** The store key again, for such a reader; the caller zeroes it once the file is open. */
  storeKey(): Promise<Buffer>;
  clock: Clock;
  audit: AuditLog;
  /** The audit's Ed25519 key (private half only in the store) and its signed checkpoints. */
  signer: AuditSigner;
  checkpoints: Checkpointer;
  /** Retention and anonymization per the settings: hourly, or now (audit/retention.ts). */
  retention: Pick<Retention, 'runNow'>;
  /** Forwards the trail to the SIEM destinations of `audit.forward`. */
  forwarding: Forwarder;
  agents: Agents;
  grants: GrantsRepo;
  connections: Connections;
  /** The one request pipeline every query runs through, for every principal. */
  queries: Pipeline;
  /** Agent writes held for a person's approval; `onRequested` hears of each new one. */
  approvals: Approvals;
  /** Questions in plain language (Ollama), the semantic layer. */
  nl: NlCore;
  settings: SettingsRepo;
  /** Per-agent limits (requests, rows and bytes), their usage kept in the store. */
  rateLimiter: AgentLimiter;
  /** The limits in force: the settings, unless the shell fixed them (tests, benchmarks). */
  queryLimits(): QueryLimits;
  /** Records an administrative change in the audit log. */
  auditAdmin(
    action: string,
    details: Record<string, unknown>,
    extra?: Partial<AuditRecord>,
  ): Promise<number>;
  close(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const clock = options.clock ?? systemClock;
  ensureDataDir(options.dataDir);
  const unlock = lockDataDir(options.dataDir, process.argv.slice(2, 4).join(' ') || 'airlock');
  let opened: Awaited<ReturnType<typeof openStore>>;
  let audit: AuditLog;
  try {
    opened = await openStore(options.dataDir, options.keyProvider);
  } catch (e) {
    unlock();
    throw e;
  }
  const { db, key, path } = opened;
  try {
    audit = await AuditLog.withWriter(db, path, key);
  } catch (e) {
    db.close();
    unlock();
    throw e;
  }
  const signer = ensureSigningKey(db, () => clock.now());
  const checkpoints = new Checkpointer(db, signer, clock);
  audit.onDurable((e) => checkpoints.observe(e));
  checkpoints.start();
  if (options.notifier) {
    const alerts = new AlertMonitor(options.notifier, clock);
    audit.onDurable((e) => alerts.observe(e));
  }
  const agents = new Agents(db, clock);
  const grants = new GrantsRepo(db);
  const connections = new Connections(db, new SecretBox(key), clock);
  // The guard's worker threads load their parsers while the rest starts.
  warmGuard();
  key.fill(0);
  const settings = new SettingsRepo(db);
  const retention = startRetention({ db, signer, append: (r) => audit.append(r), clock }, () =>
    retentionPolicyOf(settings.get()),
  );
  const queryLimits = (): QueryLimits => ({
    ...queryLimitsOf(settings.get()),
    ...options.queryLimits,
  });
  const dailyOf = (s: ReturnType<typeof settings.get>) => ({
    rowsPerDay: s.limits.rowsPerDay,
    bytesPerDay: s.limits.bytesPerDay,
  });
  const rateLimiter = new AgentLimiter(
    db,
    { rate: options.rateLimits ?? rateLimitsOf(settings.get()), ...dailyOf(settings.get()) },
    () => clock.now().getTime(),
    // Usage counts ride with the audit writer's next commit (off the main thread).
    (rows) => audit.saveUsage(rows),
  );
  settings.onChange((s) =>
    rateLimiter.setLimits(options.rateLimits ?? rateLimitsOf(s), dailyOf(s)),
  );
  // An agent's answered rows count toward its day once its entry is durable.
  audit.onDurable((e) => rateLimiter.observe(e));
  const forwarding = new Forwarder(
    { db, audit, targets: () => settings.get().audit?.forward ?? [] },
    options.forwarding,
  );
  settings.onChange(() => forwarding.configure());
  const approvals = new Approvals(db, clock, () => approvalTtlSeconds(settings.get()));
  const queries = new Pipeline({
    connections,
    audit,
    grantsOf: (id) => grants.list(id),
    limits: queryLimits,
    clock,
    approvals,
  });
  const nl = createNlCore({
    db,
    clock,
    audit,
    connections,
    settings,
    auditAdmin: (...args) => core.auditAdmin(...args),
    queries,
    ...(options.nl ? { config: options.nl } : {}),
  });
  const core: Core = {
    dataDir: options.dataDir,
    db,
    storePath: path,
    async storeKey() {
      const k = await options.keyProvider.load();
      if (!k)
        throw new Error(`the store key is no longer available from ${options.keyProvider.source}`);
      return k;
    },
    clock,
    audit,
    signer,
    checkpoints,
    retention,
    forwarding,
    agents,
    grants,
    connections,
    queries,
    approvals,
    nl,
    settings,
    rateLimiter,
    queryLimits,
    auditAdmin: (action, details, extra = {}) =>
      audit.append(auditEntry(clock, { actor: 'admin', action, details, ...extra })),
    async close() {
      retention.stop();
      // What is durable (a stop entry included) gets a moment to reach the SIEM.
      await forwarding.close();
      await connections.close();
      try {
        // Handed to the audit log before it closes: they ride with its last commit.
        rateLimiter.flush();
      } catch {
        // Counts of the last quarter second are lost; the limits still hold on the next start.
      }
      await audit.close();
      try {
        // A clean stop leaves a signed checkpoint at the head.
        checkpoints.close();
      } catch {
        // The log is intact without it; the next start signs one.
      }
      db.close();
      unlock();
    },
  };
  try {
    if (options.demo !== false && !connections.get('demo')) {
      await connections.ensureDemo(options.dataDir, demoDatabasePath());
      await core.auditAdmin(
        'admin.connection.add',
        { name: 'demo', kind: 'sqlite', bundled: true },
        { connection: 'demo' },
      );
    }
  } catch (e) {
    await core.close();
    throw e;
  }
  return core;
}
