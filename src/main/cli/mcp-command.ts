/**
 * `airlock mcp`: the stdio face of the running Airlock's MCP endpoint (mcp/stdio-bridge.ts).
 * stdout carries MCP messages only; everything said to a person goes to stderr.
 */
import { DEFAULT_PORT } from '../app';
import { BridgeRefusal, checkAirlock, serveStdioBridge } from '../mcp/stdio-bridge';
import { parseOptions, UsageError } from './args';
import { recordedPort } from '../store/port-file';

export const MCP_HELP = `Usage: AIRLOCK_API_KEY=alk_… airlock mcp [--data-dir DIR] [--port N]

Speaks MCP on stdin/stdout for clients that launch their servers (Claude Desktop), and forwards
every message to the running Airlock's /mcp on 127.0.0.1 with the agent key: the same guard,
limits and audit as over HTTP. The key is read from AIRLOCK_API_KEY only.
Exits 2 with one line on stderr when Airlock is not running or refuses the key.

Options:
  --data-dir DIR  the data directory of the running Airlock, to find its port
                  (default: $AIRLOCK_HOME, else ~/.airlock)
  --port N        its port (default: the port it recorded in DIR, else ${DEFAULT_PORT})
  -h, --help      show this help`;

export async function mcpCommand(
  argv: string[],
  dataDirOf: (opts: Record<string, string | boolean>) => string,
): Promise<number> {
  const opts = parseOptions(argv, { 'data-dir': 'string', port: 'string', help: 'boolean' });
  if (opts.help) {
    // Help is asked for by a person, not a client: stdout is free here.
    console.log(MCP_HELP);
    return 0;
  }
  let port: number;
  if (opts.port !== undefined) {
    port = Number(opts.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError('--port needs a number from 1 to 65535');
  } else port = recordedPort(dataDirOf(opts)) ?? DEFAULT_PORT;
  const say = (line: string) => process.stderr.write(`airlock mcp: ${line}\n`);
  const apiKey = process.env.AIRLOCK_API_KEY?.trim();
  if (!apiKey) {
    say('set AIRLOCK_API_KEY to the key of an Airlock agent (shown once, when the agent is made)');
    return 2;
  }
  const target = { base: `http://127.0.0.1:${port}`, apiKey };
  try {
    await checkAirlock(target);
  } catch (e) {
    if (e instanceof BridgeRefusal) {
      say(e.message);
      return 2;
    }
    throw e;
  }
  await serveStdioBridge({ ...target, log: say });
  return 0;
}
