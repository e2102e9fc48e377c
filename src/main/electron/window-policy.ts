/**
 * The security decisions for the app window, as pure functions: no Electron at run time
 * (the one import below is type-only and erased), so tests check them without a binary.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path of the built preload script (CommonJS: sandboxed preloads cannot be ESM). */
  preloadPath: string;
}

export function buildWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'Airlock',
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    // Shown on 'ready-to-show', so the user never sees an empty frame.
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: input.preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      // Chromium's spellchecker downloads dictionaries from Google: nothing may leave the machine.
      spellcheck: false,
    },
  };
}

/** The origin (`scheme://host:port`) of a URL, or null when it is not a valid absolute URL. */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    // Opaque origins (about:, data:, file: in some cases) serialise as "null".
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** The window may only ever show the app's own pages. */
export function isAllowedNavigation(url: string, appOrigin: string): boolean {
  const origin = originOf(url);
  return origin !== null && origin === originOf(appOrigin);
}

/** Every `window.open` and `target=_blank` is refused: the app has one window. */
export function windowOpenDecision(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Camera, microphone, notifications, clipboard reads, geolocation…: the UI needs none of them,
 * so every permission request and check is refused.
 */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}

/**
 * Whether an IPC message comes from the app's own page. `frameUrl` is the sender frame's URL,
 * or null when the frame is gone; a message from any other origin is refused.
 */
export function isTrustedSender(frameUrl: string | null | undefined, appOrigin: string): boolean {
  return typeof frameUrl === 'string' && isAllowedNavigation(frameUrl, appOrigin);
}
