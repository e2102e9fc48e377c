import { ensureDataDir } from './store/data-dir-lock';
import { join } from 'node:path';
import { ensureAdminToken } from './admin-token';
import { recordPort } from './store/port-file';
import { buildServer } from './api/server';
import { UiSessions, auditSessionEvents } from './api/ui-sessions';
import { createCore, type Core, type CoreOptions } from './core';
import { fileLogger, portOver } from './ops/log';
import { silentLogger, type RunningAirlock, type StartOptions } from './ports';
import { createUiBackend, type UiBackend } from './ui/ops-handlers';
import { VERSION } from './version';

export const DEFAULT_PORT = 7717;

/** Entries the server writes of itself (start, stop): no person or agent acted. */
const SYSTEM = { actor: 'system' } as const;

export interface StartedAirlock extends RunningAirlock {
  adminTokenPath: string;
  /** The UI's handlers, for the desktop shell's IPC transport. */
  ui: UiBackend;
  /** A one-time login link for the UI in a browser (single use, valid 10 minutes). */
  loginLink(): string;
  /** Hears of each new approval request (the desktop notification); answers the unsubscribe. */
  onApprovalRequested: Core['approvals']['onRequested'];
}

/** Starts the core and the loopback API. Both shells (Electron and headless) call this. */
export async function startAirlock(
  options: StartOptions & Pick<CoreOptions, 'queryLimits' | 'rateLimits' | 'forwarding'>,
): Promise<StartedAirlock> {
  // Checked before anything starts: a refused token must not leave threads or runners behind.
  ensureDataDir(options.dataDir);
  const adminToken = ensureAdminToken(options.dataDir);
  const requestLog = fileLogger(options.dataDir);
  const logger = portOver(requestLog, options.logger ?? silentLogger);
  const core = await createCore({
    dataDir: options.dataDir,
    keyProvider: options.keyProvider,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.queryLimits ? { queryLimits: options.queryLimits } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.forwarding ? { forwarding: options.forwarding } : {}),
    // Headless, security alerts go to the log; the desktop shell passes OS notifications.
    notifier: options.notifier ?? { alert: (title, body) => logger.warn(`${title}: ${body}`) },
  });
  // Each new approval request is one line in the log (headless, the officer's cue; the desktop
  // also notifies): who asks, where, how many rows. Never the statement's values or parameters.
  core.approvals.onRequested((a) =>
    logger.info(
      `approval requested: agent '${a.agent.name}' on '${a.connection}' would change ${a.preview.rowsAffected} row(s); decide on the Approvals page`,
      { approvalId: a.id, agent: a.agent.name, connection: a.connection },
    ),
  );
  let port = options.port ?? DEFAULT_PORT;
  // Sign-in links issued and used, refused sign-ins and sign-outs are all on the record.
  const sessions = new UiSessions(core.clock, { onEvent: auditSessionEvents(core) });
  const ui = createUiBackend(core, { url: () => `http://127.0.0.1:${port}` });
  const app = await buildServer({
    core,
    adminToken,
    port: () => port,
    sessions,
    ui,
    ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
    logger,
    requestLog,
  });
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (e) {
    await app.close();
    await ui.close();
    await core.close();
    const err = e as { code?: string; message: string };
    throw new Error(
      err.code === 'EADDRINUSE'
        ? `port ${port} on 127.0.0.1 is already in use; start with --port N to pick another`
        : `cannot listen on 127.0.0.1:${port}: ${err.message}`,
    );
  }
  const address = app.server.address();
  if (address && typeof address === 'object') port = address.port;
  const url = `http://127.0.0.1:${port}`;
  // Found by `airlock mcp` without a --port; not being able to record it costs only that.
  let forgetPort = () => {};
  try {
    forgetPort = recordPort(options.dataDir, port);
  } catch (e) {
    logger.warn(`the port was not recorded in the data directory: ${(e as Error).message}`);
  }
  // Start and a clean stop are on the record: a gap between a stop and the next start shows.
  await core.auditAdmin('system.start', { version: VERSION, port, pid: process.pid }, SYSTEM);
  logger.info('listening', { url });
  return {
    url,
    port,
    dataDir: options.dataDir,
    adminTokenPath: join(options.dataDir, 'admin.token'),
    ui,
    loginLink: () => `${url}/login?token=${sessions.issueLoginToken().token}`,
    onApprovalRequested: (listener) => core.approvals.onRequested(listener),
    async close() {
      await app.close();
      forgetPort();
      await ui.close();
      // Not recorded when the audit itself is failing; the store still closes.
      await core
        .auditAdmin('system.stop', { version: VERSION, pid: process.pid }, SYSTEM)
        .catch((e: unknown) => logger.warn(`the stop was not recorded: ${(e as Error).message}`));
      await core.close();
      await new Promise<void>((done) => requestLog.flush(() => done()));
    },
  };
}
