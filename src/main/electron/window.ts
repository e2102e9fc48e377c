/**
 * Creates the app window and locks it to the app's own origin. The decisions live in
 * window-policy.ts; this file only wires them to Electron's events.
 */
import { BrowserWindow } from 'electron';
import {
  buildWindowOptions,
  isAllowedNavigation,
  isPermissionGranted,
  windowOpenDecision,
} from './window-policy';

export interface AppWindowOptions {
  /** The core's URL, e.g. `http://127.0.0.1:7717`; the window shows this origin and no other. */
  appUrl: string;
  preloadPath: string;
  /** The page to open on, e.g. `/approvals` (the app routes by hash); the start page when absent. */
  page?: string;
}

export function createAppWindow(options: AppWindowOptions): BrowserWindow {
  const appOrigin = new URL(options.appUrl).origin;
  const win = new BrowserWindow(buildWindowOptions({ preloadPath: options.preloadPath }));
  const contents = win.webContents;

  // The session is shared by every window; setting the handlers again is harmless.
  contents.session.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(isPermissionGranted(permission)),
  );
  contents.session.setPermissionCheckHandler((_wc, permission) => isPermissionGranted(permission));

  contents.setWindowOpenHandler(() => windowOpenDecision());
  // 'will-frame-navigate' covers the main frame and subframes; a redirect is checked on its own
  // because it can leave the origin after the navigation itself was allowed.
  contents.on('will-frame-navigate', (event) => {
    if (!isAllowedNavigation(event.url, appOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url, appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());

  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.page ? `${options.appUrl}/#${options.page}` : options.appUrl);
  return win;
}
