/**
 * Preload (`node --import`) for the MCP conformance suite's CLI on Node 20: its bundle imports
 * `globSync` from `fs`, which Node adds only in 22, so on 20 the import fails before any
 * scenario runs. Only the suite's result summaries (tier-check) call it; the server scenarios
 * never do. `module.syncBuiltinESMExports()` cannot add a missing export, so a resolve hook
 * hands `fs` importers a module that re-exports `node:fs` plus a `globSync` that throws if it
 * is ever called (never a silent empty answer). On Node 22 and later this does nothing.
 */
import fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') {
  const shim =
    "import fs from 'node:fs'; export * from 'node:fs'; export default fs;" +
    "export function globSync() { throw new Error('fs.globSync needs Node 22'); }";
  const hooks = `
    const shim = ${JSON.stringify(`data:text/javascript,${encodeURIComponent(shim)}`)};
    export async function resolve(specifier, context, next) {
      const fromShim = context.parentURL !== undefined && context.parentURL.startsWith('data:');
      if ((specifier === 'fs' || specifier === 'node:fs') && !fromShim)
        return { url: shim, shortCircuit: true };
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
