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

// ── inner layers of the core (lint/main-layers.js) ─────────────────────────
// Targets are real files: the rules resolve each import to the file it names.

async function byRule(ruleId: string, source: string, filePath: string): Promise<string[]> {
  const messages = await lint(`import x from '${source}';\nexport { x };\n`, filePath);
  return messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

describe('src/main: a layer imports only its own layer and the layers below', () => {
  const layers = (source: string, filePath: string) =>
    byRule('airlock/main-layers', source, filePath);

  it.each([
    ['../api/http-errors', 'src/main/ui/x.ts', 'ui (operations)', 'api (transports)'],
    ['../app', 'src/main/api/x.ts', 'api (transports)', 'app (shell)'],
    ['../ui/dispatch', 'src/main/query/x.ts', 'query (services)', 'ui (operations)'],
    ['../core', 'src/main/nl/x.ts', 'nl (services)', 'core (core)'],
    [
      '../query/query-service',
      'src/main/guard/x.ts',
      'guard (guard, policy, audit and connectors)',
      'query (services)',
    ],
    [
      '../../nl/ask-service',
      'src/main/connectors/sqlite/x.ts',
      'connectors (guard, policy, audit and connectors)',
      'nl (services)',
    ],
    [
      '../audit/audit-log',
      'src/main/store/x.ts',
      'store (store)',
      'audit (guard, policy, audit and connectors)',
    ],
    ['./core', 'src/main/ports.ts', 'ports (store)', 'core (core)'],
  ])('reports %s in %s, naming both layers', async (source, filePath, from, to) => {
    expect(await layers(source, filePath)).toEqual([
      `src/main/${from} may not import src/main/${to}: a layer imports only its own layer and the layers below ` +
        '(shell › transports › operations › core › services › guard, policy, audit and connectors › store).',
    ]);
  });

  it.each([
    ['../ui/dispatch', 'src/main/api/x.ts'],
    ['../api/server', 'src/main/electron/x.ts'],
    ['../core', 'src/main/ui/x.ts'],
    ['../query/query-service', 'src/main/ui/x.ts'],
    ['../policy/policy', 'src/main/query/x.ts'],
    ['../guard/analyzer', 'src/main/connectors/x.ts'],
    ['../store/open-store', 'src/main/audit/x.ts'],
    ['../ports', 'src/main/guard/x.ts'],
    ['../../shared/errors', 'src/main/guard/x.ts'],
    ['fastify', 'src/main/api/x.ts'],
  ])('allows %s in %s', async (source, filePath) => {
    expect(await layers(source, filePath)).toEqual([]);
  });

  it('excuses no file: a service importing the core is reported wherever it is', async () => {
    expect(await layers('../core', 'src/main/nl/nl-ops.ts')).toHaveLength(1);
    expect(await layers('../core', 'src/main/nl/other.ts')).toHaveLength(1);
  });

  it('reports a folder that is in no layer, so each new folder is placed on purpose', async () => {
    expect(await layers('../ports', 'src/main/somewhere-new/x.ts')).toEqual([
      'src/main/somewhere-new is in no layer: place it in MAIN_LAYERS (lint/main-layers.js) before importing it or from it.',
    ]);
  });
});

describe('src/main has no import cycles', () => {
  const cycles = (source: string, filePath: string) =>
    byRule('airlock/no-cycles', source, filePath);

  it('reports a file that imports a file that imports it back, with the cycle', async () => {
    expect(await cycles('./mongo-policy', 'src/main/policy/policy.ts')).toEqual([
      'This import closes a cycle: policy/policy.ts → policy/mongo-policy.ts → policy/policy.ts.',
    ]);
  });

  it('reports two folders of one layer that would import each other (guard ⇄ connectors)', async () => {
    const [message, ...rest] = await cycles(
      '../../connectors/mongodb/document-connector',
      'src/main/guard/mongo/x.ts',
    );
    expect(rest).toEqual([]);
    expect(message).toMatch(
      /^src\/main\/guard and src\/main\/connectors would import each other: guard\/mongo\/x\.ts → connectors\/mongodb\/document-connector\.ts, and back connectors\/\S+ → guard\/\S+\.$/,
    );
  });

  it.each([
    ['../guard/analyzer', 'src/main/connectors/x.ts'],
    ['./policy', 'src/main/policy/x.ts'],
    ['../policy/policy', 'src/main/guard/x.ts'],
    ['../ui/dispatch', 'src/main/api/x.ts'],
  ])('allows %s in %s', async (source, filePath) => {
    expect(await cycles(source, filePath)).toEqual([]);
  });
});
