/**
 * Lint, including the layer rules of ARCHITECTURE.md: each folder may import only what its
 * layer allows (shared ← main, shared ← preload, shared ← renderer; only src/main/electron/**
 * and src/main/index.ts touch Electron). Inside the core, lint/main-layers.js keeps the inner
 * layers (transports › operations › core › services › guard, policy, audit and connectors ›
 * store) and forbids import cycles. test/unit/layer-rules.test.ts proves every rule fires.
 *
 * ESLint replaces, not merges, a rule's options when several blocks match one file, so each
 * file gets exactly one `no-restricted-imports` block below, built from the pieces here.
 */
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import airlock from './lint/main-layers.js';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

/** `node:*` and every bare builtin (`fs`, `fs/promises`, `path`, `crypto`, …). */
const noNode = (layer) => ({
  paths: nodeBuiltins.map((name) => ({ name, message: `${layer} may not use Node built-ins.` })),
  patterns: [{ regex: '^node:', message: `${layer} may not use Node built-ins.` }],
});

const noElectron = (why) => ({ regex: '^electron(/.*)?$', message: why });

/** A relative import that climbs out of the current layer into one of `layers`. */
const intoLayers = (layers, message) => ({
  regex: `^(\\.\\./)+(${layers.join('|')})(/|$)`,
  message,
});

/** Imports that spell the folder out (`src/main/...`, `/abs/src/main/...`). */
const intoSrcLayers = (layers, message) => ({
  regex: `(^|/)src/(${layers.join('|')})(/|$)`,
  message,
});

const restrict = (...parts) => [
  'error',
  {
    paths: parts.flatMap((p) => p.paths ?? []),
    patterns: parts.flatMap((p) => p.patterns ?? []),
  },
];

const SHARED = 'src/shared is pure TypeScript for every layer';
const sharedRules = restrict(noNode('src/shared (pure TypeScript for every layer)'), {
  patterns: [
    noElectron(`${SHARED}; it may not import electron.`),
    { regex: '^react(-dom)?(/.*)?$', message: `${SHARED}; it may not import React.` },
    intoLayers(['main', 'preload', 'renderer'], `${SHARED}; it may not import from other layers.`),
    intoSrcLayers(['main', 'preload', 'renderer'], `${SHARED}; it may not import other layers.`),
  ],
});

const notUi = (layer) => ({
  patterns: [
    intoLayers(['renderer', 'preload'], `${layer} may not import the preload or renderer.`),
    intoSrcLayers(['renderer', 'preload'], `${layer} may not import the preload or renderer.`),
  ],
});

const CORE = 'The core runs in plain Node (bin/airlock serve)';
const coreRules = restrict(notUi('src/main'), {
  patterns: [
    noElectron(`${CORE}: only src/main/electron/** and src/main/index.ts import electron.`),
    {
      // Reaching into the shell folder would pull electron in by the back door.
      regex: '^(\\./|(\\.\\./)+)electron(/|$)',
      message: `${CORE}: it may not import the Electron shell (src/main/electron).`,
    },
  ],
});

const shellRules = restrict(notUi('The Electron shell'));

const RENDERER = 'The renderer is sandboxed web code';
const rendererRules = restrict(noNode('The renderer (sandboxed web code)'), {
  patterns: [
    noElectron(`${RENDERER}; it reaches the main process only through window.airlock.`),
    intoLayers(['main'], `${RENDERER}; it may not import the core (src/main).`),
    intoSrcLayers(['main'], `${RENDERER}; it may not import the core (src/main).`),
  ],
});

const PRELOAD = 'The preload is a thin bridge';
const preloadRules = restrict({
  patterns: [
    intoLayers(['main', 'renderer'], `${PRELOAD}; it may not import src/main or src/renderer.`),
    intoSrcLayers(['main', 'renderer'], `${PRELOAD}; it may not import src/main or src/renderer.`),
  ],
});

const SHELL_FILES = ['src/main/electron/**', 'src/main/index.ts'];

export default defineConfig(
  globalIgnores(['out/', 'node_modules/', 'resources/', 'scratch/', 'coverage/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  { files: ['src/**'], rules: { '@typescript-eslint/no-explicit-any': 'error' } },
  // Tests may need `any` to feed deliberately malformed input.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'warn' } },

  // ── layers ──────────────────────────────────────────────────────────────
  { files: ['src/shared/**'], rules: { 'no-restricted-imports': sharedRules } },
  {
    files: ['src/main/**'],
    ignores: SHELL_FILES,
    rules: { 'no-restricted-imports': coreRules },
  },
  { files: SHELL_FILES, rules: { 'no-restricted-imports': shellRules } },
  { files: ['src/renderer/**'], rules: { 'no-restricted-imports': rendererRules } },
  { files: ['src/preload/**'], rules: { 'no-restricted-imports': preloadRules } },
  // Inner layers of the core: which folder of src/main may import which, and no cycles.
  {
    files: ['src/main/**/*.{ts,tsx}'],
    plugins: { airlock },
    rules: { 'airlock/main-layers': 'error', 'airlock/no-cycles': 'error' },
  },
);
