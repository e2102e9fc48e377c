/**
 * Builds the three parts of the desktop app into out/:
 *   main      src/main/index.ts     → out/main/index.js      ES module (package.json "type": "module")
 *             + the SQLite runner   → out/main/sqlite-runner.js, forked by the SQLite connector
 *             + the audit writer    → out/main/audit-writer.js, the audit log's worker thread
 *             + the audit verifier  → out/main/verify-worker.js, "Verify chain" in the UI
 *             + the guard's workers → out/main/guard-worker.js, parsing under a deadline
 *   preload   src/preload/index.ts  → out/preload/index.cjs  CommonJS: sandboxed preloads cannot be ESM
 *   renderer  src/renderer/index.html → out/renderer/       also what `bin/airlock serve` serves
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// electron-vite bundles this file and rewrites import.meta.url to its real location.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Dependencies stay in node_modules and are loaded at run time: the native
      // better-sqlite3-multiple-ciphers addon cannot be bundled, and the rest need not be.
      externalizeDeps: true,
      lib: {
        entry: {
          index: resolve(root, 'src/main/index.ts'),
          // The SQLite connector forks this file; it looks for it beside the bundle that
          // imports it (out/main/sqlite-runner.js), so it must be an entry of its own.
          'sqlite-runner': resolve(root, 'src/main/connectors/sqlite/sqlite-runner.ts'),
          // The audit log commits on this worker thread; same lookup rule as the runner.
          'audit-writer': resolve(root, 'src/main/audit/audit-writer.ts'),
          // The UI's chain verification runs on this worker thread; same lookup rule.
          'verify-worker': resolve(root, 'src/main/audit/verify-worker.ts'),
          // The guard parses statements on these worker threads, under a deadline; same lookup rule.
          'guard-worker': resolve(root, 'src/main/guard/guard-worker.ts'),
        },
        formats: ['es'],
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: true,
      lib: {
        entry: resolve(root, 'src/preload/index.ts'),
        formats: ['cjs'],
        // ".cjs" so nothing mistakes it for an ES module under "type": "module".
        fileName: () => 'index.cjs',
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves output unminified; the UI is also served to browsers, where the
      // first paint waits for the entry chunk.
      minify: true,
      chunkSizeWarningLimit: 1500,
      rollupOptions: { input: resolve(root, 'src/renderer/index.html') },
    },
  },
});
