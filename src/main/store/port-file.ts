/**
 * `DIR/airlock.port`: the port the Airlock holding the data directory listens on, so a command
 * started later (`airlock mcp`, launched by an MCP client) finds it without being told. Written
 * once listening and removed at a clean stop; a file left by a crash names a port that no
 * longer answers, which the reader's caller says as "not running".
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PORT_FILE = 'airlock.port';

/** Records `port` for the data directory; the returned function removes the record. */
export function recordPort(dataDir: string, port: number): () => void {
  const path = join(dataDir, PORT_FILE);
  writeFileSync(path, `${port}\n`, { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

/** The port recorded in the data directory, or undefined when none is (or it is not a port). */
export function recordedPort(dataDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, PORT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const port = Number(text.trim());
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}
