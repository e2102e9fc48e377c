/**
 * The desktop shell: Electron's main process. It starts the same core as `bin/airlock serve`,
 * with the store key wrapped by the OS keychain, and opens one window on the core's URL.
 * Everything else is the core's job.
 */
import { join } from 'node:path';
import { app, BrowserWindow, clipboard, dialog, ipcMain, safeStorage } from 'electron';
import { startAirlock, type StartedAirlock } from './app';
import { IPC_GET_INFO } from '../shared/contract/op-names';
import { registerOpsIpc } from './electron/ipc-ops';
import { registerDesktopIpc } from './electron/desktop-ipc';
import { showApprovalNotifications } from './electron/approval-notifications';
import { createElectronNotifier } from './electron/notifier';
import { createSafeStorageKeyProvider } from './electron/safe-storage-key-provider';
import { createAppWindow } from './electron/window';
import { isTrustedSender } from './electron/window-policy';

// The build lays out out/main/index.js beside out/preload/index.cjs and out/renderer/.
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');
const rendererDir = join(import.meta.dirname, '../renderer');

let core: StartedAirlock | undefined;
let mainWindow: BrowserWindow | undefined;
let closing = false;
let stopApprovalNotifications = () => {};

// Both must happen before 'ready'. A second copy would fight the first over the store and port.
app.enableSandbox();
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  start().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error('Airlock could not start:', err);
    dialog.showErrorBox('Airlock could not start', message);
    app.exit(1);
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  const dataDir = app.getPath('userData');
  const running = await startAirlock({
    dataDir,
    keyProvider: createSafeStorageKeyProvider({ userDataDir: dataDir, safeStorage }),
    rendererDir,
    notifier: createElectronNotifier(),
  });
  core = running;
  registerIpc(running);
  openWindow(running);
  stopApprovalNotifications = showApprovalNotifications({
    subscribe: (listener) =>
      running.onApprovalRequested((a) =>
        listener({ id: a.id, agent: a.agent.name, connection: a.connection }),
      ),
    openApprovals: () => showPage(running, '/approvals'),
    logger: { info: () => {}, warn: (m, f) => console.warn(m, f ?? {}), error: () => {} },
  });

  app.on('activate', () => {
    // macOS: clicking the dock icon with no window open reopens it.
    if (core && BrowserWindow.getAllWindows().length === 0) openWindow(core);
  });
}

function openWindow(running: StartedAirlock, page = ''): void {
  mainWindow = createAppWindow({ appUrl: running.url, preloadPath, page });
  mainWindow.on('closed', () => {
    mainWindow = undefined;
  });
}

/** Brings the window forward on one of the app's pages (`/approvals`), opening it if closed. */
function showPage(running: StartedAirlock, page: string): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    openWindow(running, page);
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
  // The app routes by hash (`#/approvals`), on the origin the window is locked to.
  void mainWindow.webContents.loadURL(`${running.url}/#${page}`);
}

/**
 * Every handler checks that the message comes from the app's own page. The window needs no
 * login: only that page can reach these channels, through the preload.
 */
function registerIpc(running: StartedAirlock): void {
  const appOrigin = new URL(running.url).origin;
  ipcMain.handle(IPC_GET_INFO, (event) => {
    if (!isTrustedSender(event.senderFrame?.url, appOrigin)) {
      throw new Error(`${IPC_GET_INFO} refused: the sender is not the Airlock page`);
    }
    return { version: app.getVersion(), url: running.url };
  });
  registerDesktopIpc(
    ipcMain,
    {
      async pickFile(filters) {
        const options = {
          title: 'Choose a SQLite database',
          properties: ['openFile' as const],
          filters,
        };
        const r = mainWindow
          ? await dialog.showOpenDialog(mainWindow, options)
          : await dialog.showOpenDialog(options);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
      writeClipboard: (text) => clipboard.writeText(text),
    },
    appOrigin,
  );
  registerOpsIpc(ipcMain, running.ui.handlers('desktop'), appOrigin, {
    info: () => {},
    warn: (m, f) => console.warn(m, f ?? {}),
    error: (m, f) => console.error(m, f ?? {}),
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Close the core (flush the audit log, stop listening) before the process goes away.
app.on('will-quit', (event) => {
  if (!core || closing) return;
  event.preventDefault();
  closing = true;
  const running = core;
  core = undefined;
  stopApprovalNotifications();
  running
    .close()
    .catch((err: unknown) => console.error('Airlock did not close cleanly:', err))
    .finally(() => app.quit());
});
