/**
 * How another program starts this Airlock's command line, with absolute paths: the UI offers it
 * for Claude Desktop's stdio configuration (`bin/airlock mcp`). Only an install from source has
 * `bin/airlock`; a packaged desktop app has none, and then there is no answer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CliCommand {
  command: string;
  args: string[];
}

/** The checkout's `bin/airlock`: the nearest folder above this module whose package is Airlock's. */
function findBin(): string | undefined {
  // src/main/ui/ from the sources, out/main/ from the build: the root is a few levels up.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, 'bin', 'airlock');
    if (existsSync(bin) && packageName(join(dir, 'package.json')) === 'airlock') return bin;
    dir = dirname(dir);
  }
  return undefined;
}

function packageName(file: string): string | undefined {
  try {
    const { name } = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

export function cliCommand(): CliCommand | undefined {
  const bin = findBin();
  if (!bin) return undefined;
  // Under Node (`bin/airlock serve`) the same node binary runs it, so the client's PATH (a
  // desktop app's is short) does not matter. Under Electron the script's own `env node` line.
  return process.versions.electron
    ? { command: bin, args: [] }
    : { command: process.execPath, args: [bin] };
}
