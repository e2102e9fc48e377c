import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module of ours. Built, the module sits beside the bundle as
 * `<name>.js`; from source (tests, `bin/airlock`) it is TypeScript, which a worker can only
 * load after registering tsx itself — Node 20 does not pass loader hooks to workers.
 */
export function startWorker(builtUrl: URL, sourceUrl: URL, options: WorkerOptions = {}): Worker {
  const built = fileURLToPath(builtUrl);
  if (existsSync(built)) return new Worker(built, options);
  const code = `import { register } from ${JSON.stringify(tsxEntry('./esm/api'))}; register(); await import(${JSON.stringify(sourceUrl.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}

type ExportTarget = string | { import?: string | { default?: string } };

/**
 * A tsx entry point (`.` = its loader for `--import`, `./esm/api` = its API), resolved through
 * tsx's package exports from this file's location, so it works whatever the working directory.
 */
export function tsxEntry(subpath: '.' | './esm/api'): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, ExportTarget>;
  };
  const target = pkg.exports[subpath];
  const rel =
    typeof target === 'string'
      ? target
      : typeof target?.import === 'string'
        ? target.import
        : target?.import?.default;
  if (!rel) throw new Error(`tsx does not export ${subpath}`);
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}
