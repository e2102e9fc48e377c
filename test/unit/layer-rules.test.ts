/**
 * The layer rules in eslint.config.js (ARCHITECTURE.md "Layers and folders"), proven with
 * ESLint's own API: each forbidden import is reported, each allowed one is not.
 */
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: `${root}eslint.config.js` });
});

async function lint(code: string, filePath: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error(`no lint result for ${filePath}`);
  // A fatal message (parse error, "file ignored") would make a quiet result meaningless.
  const fatal = result.messages.filter((m) => m.fatal || m.ruleId === null);
  expect(fatal, `${filePath} was not linted`).toEqual([]);
  return result.messages;
}

async function restricted(code: string, filePath: string): Promise<string[]> {
  const messages = await lint(code, filePath);
  return messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

type Case = [source: string, filePath: string];

function expectForbidden(cases: Case[]): void {
  it.each(cases)('reports %s in %s', async (source, filePath) => {
    const messages = await restricted(`import x from '${source}';\nexport { x };\n`, filePath);
    expect(messages).toHaveLength(1);
  });
}

function expectAllowed(cases: Case[]): void {
  it.each(cases)('allows %s in %s', async (source, filePath) => {
    const messages = await restricted(`import x from '${source}';\nexport { x };\n`, filePath);
    expect(messages).toEqual([]);
  });
}

describe('src/shared is pure', () => {
  expectForbidden([
    ['node:fs', 'src/shared/domain.ts'],
    ['node:crypto', 'src/shared/contract/api.ts'],
    ['fs', 'src/shared/domain.ts'],
    ['fs/promises', 'src/shared/domain.ts'],
    ['path', 'src/shared/domain.ts'],
    ['crypto', 'src/shared/domain.ts'],
    ['os', 'src/shared/domain.ts'],
    ['child_process', 'src/shared/domain.ts'],
    ['electron', 'src/shared/domain.ts'],
    ['react', 'src/shared/domain.ts'],
    ['react-dom/client', 'src/shared/domain.ts'],
    ['../main/ports', 'src/shared/domain.ts'],
    ['../../main/ports', 'src/shared/contract/api.ts'],
    ['../preload/index', 'src/shared/domain.ts'],
    ['../renderer/src/app', 'src/shared/domain.ts'],
  ]);
  expectAllowed([
    ['zod', 'src/shared/contract/api.ts'],
    ['./errors', 'src/shared/domain.ts'],
    ['../errors', 'src/shared/contract/api.ts'],
  ]);
});

describe('the core (src/main) does not import electron', () => {
  expectForbidden([
    ['electron', 'src/main/guard/x.ts'],
    ['electron/main', 'src/main/guard/x.ts'],
    ['electron', 'src/main/app.ts'],
    ['./electron/window', 'src/main/app.ts'],
    ['../electron/safe-storage-key-provider', 'src/main/store/x.ts'],
    ['../../renderer/src/app', 'src/main/api/x.ts'],
    ['../../preload/index', 'src/main/api/x.ts'],
  ]);
  expectAllowed([
    ['node:fs', 'src/main/store/x.ts'],
    ['fs', 'src/main/store/x.ts'],
    ['fastify', 'src/main/api/x.ts'],
    ['../ports', 'src/main/guard/x.ts'],
    ['../../shared/errors', 'src/main/guard/x.ts'],
    ['./electron-like-name', 'src/main/guard/x.ts'],
  ]);

  it('reports the example from the brief', async () => {
    const messages = await restricted("import { app } from 'electron';", 'src/main/guard/x.ts');
    expect(messages).toHaveLength(1);
  });
});

describe('the Electron shell may import electron', () => {
  expectAllowed([
    ['electron', 'src/main/electron/window.ts'],
    ['electron', 'src/main/index.ts'],
    ['./app', 'src/main/index.ts'],
    ['./electron/window', 'src/main/index.ts'],
    ['node:path', 'src/main/electron/window.ts'],
  ]);
  expectForbidden([['../../renderer/src/app', 'src/main/electron/window.ts']]);
});

describe('src/renderer is web code', () => {
  expectForbidden([
    ['electron', 'src/renderer/src/app.tsx'],
    ['node:fs', 'src/renderer/src/app.tsx'],
    ['fs', 'src/renderer/src/app.tsx'],
    ['path', 'src/renderer/src/main.tsx'],
    ['crypto', 'src/renderer/src/app.tsx'],
    ['child_process', 'src/renderer/src/app.tsx'],
    ['../../main/ports', 'src/renderer/src/app.tsx'],
    ['../../main/electron/window-policy', 'src/renderer/src/app.tsx'],
  ]);
  expectAllowed([
    ['react', 'src/renderer/src/app.tsx'],
    ['react-dom/client', 'src/renderer/src/main.tsx'],
    ['../../shared/contract/api', 'src/renderer/src/app.tsx'],
    ['./app', 'src/renderer/src/main.tsx'],
  ]);
});

describe('src/preload is a thin bridge', () => {
  expectForbidden([
    ['../main/ports', 'src/preload/index.ts'],
    ['../main/electron/window-policy', 'src/preload/index.ts'],
    ['../renderer/src/app', 'src/preload/index.ts'],
  ]);
  expectAllowed([
    ['electron', 'src/preload/index.ts'],
    ['../shared/errors', 'src/preload/index.ts'],
  ]);
});

describe('no explicit any in src', () => {
  it.each(['src/main/guard/x.ts', 'src/shared/domain.ts', 'src/renderer/src/app.tsx'])(
    'reports any as an error in %s',
    async (filePath) => {
      const messages = await lint('export const x: any = 1;\n', filePath);
      const anys = messages.filter((m) => m.ruleId === '@typescript-eslint/no-explicit-any');
      expect(anys.map((m) => m.severity)).toEqual([2]);
    },
  );
});
