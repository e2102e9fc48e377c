/**
 * Install anywhere (issue 10): `npm ci` / `npm install` with npm 10 or 11 on a machine that cannot
 * download Electron, with no environment variables, leaving the lockfile as it is. The parts that
 * make that true are checked here: the .npmrc that stops every install script (proved on a real
 * npm install of a package whose script would leave a mark), the explicit native build chained
 * into the entry points, the on-request Electron download, a lockfile npm ci accepts, and CI
 * using npm ci.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const pkg = JSON.parse(read('package.json')) as PackageJson;
const lock = JSON.parse(read('package-lock.json')) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};

/** The .npmrc settings, comments and blank lines left out. */
function npmrc(): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of read('.npmrc').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    settings.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return settings;
}

describe('install scripts', () => {
  it('.npmrc stops every dependency install script, the setting npm 10 and npm 11 both obey', () => {
    expect(npmrc().get('ignore-scripts')).toBe('true');
  });

  it('npm 11 would still refuse Electron its script if ignore-scripts were turned off', () => {
    expect(pkg.allowScripts?.electron).toBe(false);
  });

  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /**
   * Installs, offline, a packed package whose postinstall writes a marker (as Electron's would
   * download), into a project with or without Airlock's .npmrc; true when the marker appeared.
   */
  function installRunsScripts(withProjectNpmrc: boolean): boolean {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-npmrc-'));
    dirs.push(dir);
    const dep = join(dir, 'dep');
    mkdirSync(dep);
    writeFileSync(
      join(dep, 'package.json'),
      JSON.stringify({
        name: 'marks-on-install',
        version: '1.0.0',
        scripts: { postinstall: 'node mark.cjs' },
      }),
    );
    // npm runs install scripts with INIT_CWD set to the directory npm was started in.
    writeFileSync(
      join(dep, 'mark.cjs'),
      "require('fs').writeFileSync(require('path').join(process.env.INIT_CWD, 'postinstall-ran'), '');\n",
    );
    execFileSync('npm', ['pack', '--silent', '--ignore-scripts'], {
      cwd: dep,
      stdio: 'pipe',
      shell: process.platform === 'win32',
    });
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'p',
        version: '1.0.0',
        private: true,
        dependencies: { 'marks-on-install': 'file:../dep/marks-on-install-1.0.0.tgz' },
      }),
    );
    if (withProjectNpmrc) writeFileSync(join(project, '.npmrc'), read('.npmrc'));
    // The test's own run may be under `npm test`, whose settings reach children as npm_config_*.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)),
    );
    const result = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund'], {
      cwd: project,
      env,
      encoding: 'utf8',
      shell: process.platform === 'win32',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(project, 'node_modules', 'marks-on-install', 'package.json'))).toBe(
      true,
    );
    return existsSync(join(project, 'postinstall-ran'));
  }

  it('a real npm install with the project .npmrc runs no install script (and without it, does)', () => {
    expect(installRunsScripts(false)).toBe(true);
    expect(installRunsScripts(true)).toBe(false);
  }, 120_000);
});

describe('the native module is built explicitly, where it is needed', () => {
  const ensure = 'node scripts/ensure-native.mjs && ';

  it('npm test, the demo build and the benchmarks build it first (npm runs no pre-scripts under ignore-scripts)', () => {
    const needing = [
      'test',
      'build:demo',
      'bench',
      'bench:streaming',
      'bench:linking',
      'bench:audit',
    ];
    for (const name of needing) expect(pkg.scripts[name]?.startsWith(ensure), name).toBe(true);
    expect(pkg.scripts.native).toBe('node scripts/ensure-native.mjs');
  });

  it('bin/airlock builds it before the CLI opens the store', () => {
    const bin = read('bin/airlock');
    const ensureAt = bin.indexOf('await ensureNative()');
    expect(bin).toContain("from '../scripts/ensure-native.mjs'");
    expect(ensureAt).toBeGreaterThan(0);
    expect(ensureAt).toBeLessThan(bin.indexOf('cli/main.ts'));
  });

  it('ensure-native exits 0 with nothing on stdout when the module already loads', () => {
    const result = spawnSync(process.execPath, ['scripts/ensure-native.mjs'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });

  it("Electron's binary is fetched only on request, by its own install script", () => {
    expect(pkg.scripts['desktop:install']).toBe('node node_modules/electron/install.js');
    expect(read('scripts/start.mjs')).toContain('npm run desktop:install');
  });
});

describe('the lockfile npm ci checks', () => {
  it('records exactly the dependencies package.json asks for', () => {
    expect(lock.lockfileVersion).toBe(3);
    const top = lock.packages[''];
    expect(top?.dependencies).toEqual(pkg.dependencies);
    expect(top?.devDependencies).toEqual(pkg.devDependencies);
  });

  it('locks every direct dependency at the exact version package.json pins', () => {
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });

  it('holds no field npm 10 drops, so npm install with either npm leaves it unchanged', () => {
    // npm 11 records an optional binary's `libc` (glibc/musl); npm 10 does not know the field
    // and rewrites the lockfile without it. Without it, both write the same file.
    const withLibc = Object.keys(lock.packages).filter((k) => 'libc' in (lock.packages[k] ?? {}));
    expect(withLibc, 'strip `libc` from these lockfile entries').toEqual([]);
  });
});

describe('CI', () => {
  const ci = read('.ci/run');
  const commands = ci
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');

  it('installs with npm ci and no environment variables, and checks the tree stays clean', () => {
    expect(commands).toMatch(/^\s*npm ci\b/m);
    expect(commands).not.toMatch(/npm install/);
    expect(commands).not.toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD|npm_config_/);
    expect(commands).toMatch(/git status --porcelain/);
  });
});
