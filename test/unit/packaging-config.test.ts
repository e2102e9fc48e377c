/**
 * The electron-builder configuration (package.json "build"), checked without electron-builder
 * (it is not installed here): the targets issue 3 asks for, no update feed, nothing that
 * would phone home at run time, and the files the shell needs at run time.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  main: string;
  build: Record<string, unknown> & {
    files: string[];
    linux: { target: string[]; maintainer?: string };
    win: { target: string[] };
    mac: { target: string[] };
  };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('electron-builder configuration', () => {
  it('builds AppImage and deb for Linux, NSIS for Windows, dmg for macOS', () => {
    expect(pkg.build.linux.target).toEqual(['AppImage', 'deb']);
    expect(pkg.build.linux.maintainer).toMatch(/<.+@.+>/);
    expect(pkg.build.win.target).toEqual(['nsis']);
    expect(pkg.build.mac.target).toEqual(['dmg']);
  });

  it('publishes nowhere and ships no updater: the app never looks for updates', () => {
    expect(pkg.build).toHaveProperty('publish', null);
    const text = JSON.stringify(pkg.build);
    expect(text).not.toMatch(/"(provider|url|publish)":\s*"/);
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    expect(
      deps.filter((d) => /updater|update-electron-app|sentry|analytics|telemetry/i.test(d)),
    ).toEqual([]);
  });

  it('packs the built app, the bundled resources and package.json; not sources or maps', () => {
    expect(pkg.main).toBe('./out/main/index.js');
    expect(pkg.build.files).toEqual(
      expect.arrayContaining(['out/**/*', 'resources/**/*', 'package.json', '!**/*.map']),
    );
    expect(pkg.build.files.some((f) => f.startsWith('src'))).toBe(false);
  });

  it('keeps files outside an asar archive: the SQLite runner is forked and the audit threads are loaded from plain files', () => {
    expect(pkg.build.asar).toBe(false);
  });
});
