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
import type { OpsHandlers } from './ops-types';
import { VerifyJobs, type VerifyJobsOptions } from './verify-jobs';
import { runQuery } from './workbench';
import { nlOps } from '../nl/nl-ops';
import { reportOps } from './report-ops';
import { forwardingOps } from './forwarding-ops';

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

export function createUiBackend(core: Core, options: UiBackendOptions): UiBackend {
  const dashboard = new Dashboard(core.db, core);
  const audit = new AuditSearch(core.db);
  const verify = new VerifyJobs(core, options.verify);
  const shared = {
    dashboard: async () => dashboard.summary(),
    ...connectionOps(core),
    ...agentOps(core),
    runQuery: (input) => runQuery(core, input),
    searchAudit: async (input) => audit.search(input),
    auditEntry: async ({ id }) => audit.entry(id),
    startVerify: () => verify.start(),
    verifyStatus: async ({ id }) => verify.status(id),
    ...forwardingOps(core),
    ...reportOps(core),
    ...settingsOps(core),
    ...nlOps(core),
  } satisfies Omit<OpsHandlers, 'systemInfo'>;
  return {
    handlers: (shell) => ({
      ...shared,
      systemInfo: async () => ({
        version: VERSION,
        dataDir: core.dataDir,
        url: options.url(),
        shell,
      }),
    }),
    close: () => verify.close(),
  };
}
