/**
 * The window's security decisions, checked without an Electron binary: window-policy.ts is
 * pure, and window.ts only wires it to Electron's events.
 */
import { describe, expect, it } from 'vitest';
import {
  buildWindowOptions,
  isAllowedNavigation,
  isPermissionGranted,
  isTrustedSender,
  originOf,
  windowOpenDecision,
} from '../../src/main/electron/window-policy';

const APP = 'http://127.0.0.1:7717';

describe('buildWindowOptions', () => {
  const options = buildWindowOptions({ preloadPath: '/opt/airlock/out/preload/index.cjs' });
  const prefs = options.webPreferences ?? {};

  it('isolates the renderer', () => {
    expect(prefs.sandbox).toBe(true);
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webviewTag).toBe(false);
  });

  it('keeps web security on', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
  });

  it('uses the given preload script', () => {
    expect(prefs.preload).toBe('/opt/airlock/out/preload/index.cjs');
  });

  it('turns off the spellchecker, which would download dictionaries', () => {
    expect(prefs.spellcheck).toBe(false);
  });
});

describe('isAllowedNavigation', () => {
  it.each([`${APP}/`, `${APP}/index.html`, `${APP}/agents?id=3#grants`, 'http://127.0.0.1:7717'])(
    'allows the app origin: %s',
    (url) => {
      expect(isAllowedNavigation(url, APP)).toBe(true);
    },
  );

  it.each([
    ['another port', 'http://127.0.0.1:7718/'],
    ['another scheme', 'https://127.0.0.1:7717/'],
    ['localhost instead of the bound address', 'http://localhost:7717/'],
    ['a remote site', 'https://example.com/'],
    ['a look-alike host', 'http://127.0.0.1:7717.evil.example/'],
    ['userinfo tricks', 'http://127.0.0.1:7717@evil.example/'],
    ['file:', 'file:///etc/passwd'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['javascript:', 'javascript:alert(1)'],
    ['about:blank', 'about:blank'],
    ['garbage', 'not a url'],
    ['empty', ''],
  ])('denies %s', (_why, url) => {
    expect(isAllowedNavigation(url, APP)).toBe(false);
  });

  it('compares origins, so the app URL may carry a path', () => {
    expect(isAllowedNavigation(`${APP}/audit`, `${APP}/some/page`)).toBe(true);
  });
});

describe('originOf', () => {
  it('returns null for opaque origins', () => {
    expect(originOf('about:blank')).toBeNull();
    expect(originOf('data:text/plain,hi')).toBeNull();
  });
});

describe('windowOpenDecision', () => {
  it('denies every new window', () => {
    expect(windowOpenDecision()).toEqual({ action: 'deny' });
  });
});

describe('isPermissionGranted', () => {
  it.each([
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'openExternal',
    'display-capture',
    'fileSystem',
    'unknown',
  ])('denies %s', (permission) => {
    expect(isPermissionGranted(permission)).toBe(false);
  });
});

describe('isTrustedSender', () => {
  it('trusts a frame on the app origin', () => {
    expect(isTrustedSender(`${APP}/`, APP)).toBe(true);
  });

  it.each([
    ['a frame that is gone', null],
    ['an unknown frame', undefined],
    ['another origin', 'https://example.com/'],
    ['a file: page', 'file:///tmp/x.html'],
  ])('refuses %s', (_why, url) => {
    expect(isTrustedSender(url, APP)).toBe(false);
  });
});
