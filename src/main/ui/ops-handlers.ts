/**
 * The UI's back end: one handler per operation of the contract (src/shared/contract/ops.ts),
 * assembled from small files by concern. The HTTP transport (/v1/ui/<op>) and the Electron
 * IPC transport both call these through dispatch.ts; neither adds behaviour of its own.
 */
import type { Core } from '../core';
import { VERSION } from '../version';
import { agentOps, connectionOps, settingsOps } from './admin-ops';
import { AuditSearch } from './audit-search';
import { Dashboard } from './dashboard';
import type { OpParsed, OpsHandlers } from './ops-types';
import { VerifyJobs, type VerifyJobsOptions } from './verify-jobs';
import { runQuery } from './workbench';
import { nlOps } from '../nl/nl-ops';
import { reportOps } from './report-ops';
import { forwardingOps } from './forwarding-ops';
import { agentLimitOps } from './agent-limit-ops';
import { approvalOps } from './approval-ops';
import { cliCommand } from './cli-command';

export type Shell = 'desktop' | 'browser';

export interface UiBackendOptions {
  /** The core's loopback URL (known only once the server listens). */
  url: () => string;
  verify?: VerifyJobsOptions;
}

export interface UiBackend {
  /** The handlers as one shell presents them (systemInfo names the shell). */
  handlers(shell: Shell): OpsHandlers;
  /** Stops running verification jobs. */
  close(): Promise<void>;
}

/**
 * The handlers behind the admin surface: the UI calls them through dispatch.ts, and the
 * `/v1/admin/*` routes (api/routes/admin-routes.ts) call these same functions, so an admin
 * feature is written once. `searchAudit` also takes the admin API's `offset`.
 */
export function adminHandlers(core: Core) {
  const audit = new AuditSearch(core.db);
  return {
    ...connectionOps(core),
    ...agentOps(core),
    ...settingsOps(core),
    searchAudit: async (input: OpParsed<'searchAudit'> & { offset?: number }) =>
      audit.search(input),
    auditEntry: async ({ id }: OpParsed<'auditEntry'>) => audit.entry(id),
    ...approvalOps(core),
  } satisfies Partial<OpsHandlers>;
}

export function createUiBackend(core: Core, options: UiBackendOptions): UiBackend {
  const dashboard = new Dashboard(core.db, core);
  const verify = new VerifyJobs(core, options.verify);
  const shared = {
    ...adminHandlers(core),
    dashboard: async () => dashboard.summary(),
    runQuery: (input) => runQuery(core, input),
    startVerify: () => verify.start(),
    verifyStatus: async ({ id }) => verify.status(id),
    ...forwardingOps(core),
    ...agentLimitOps(core),
    ...reportOps(core),
    ...nlOps(core),
  } satisfies Omit<OpsHandlers, 'systemInfo'>;
  const cli = cliCommand();
  return {
    handlers: (shell) => ({
      ...shared,
      systemInfo: async () => ({
        version: VERSION,
        dataDir: core.dataDir,
        url: options.url(),
        shell,
        ...(cli ? { cliCommand: cli } : {}),
      }),
    }),
    close: () => verify.close(),
  };
}
