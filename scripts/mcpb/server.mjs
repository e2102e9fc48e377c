// The entry of Airlock's Claude Desktop bundle (dist/airlock.mcpb, built by scripts/build-mcpb.mjs):
// runs `bin/airlock mcp` from the Airlock folder named at install, with this process's stdin,
// stdout and stderr, so the client speaks MCP to it directly. The agent key arrives in
// AIRLOCK_API_KEY from the bundle's sensitive setting and is passed on, never printed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const say = (line) => process.stderr.write(`airlock bundle: ${line}\n`);
// A setting left empty may arrive empty or as its unreplaced placeholder.
const given = (value) => typeof value === 'string' && value !== '' && !value.startsWith('${');

const dir = process.env.AIRLOCK_DIR;
const bin = given(dir) ? join(dir, 'bin', 'airlock') : undefined;
if (!bin || !existsSync(bin)) {
  say(
    `no Airlock found at ${given(dir) ? dir : '(not set)'}; set "Airlock folder" to the folder holding bin/airlock`,
  );
  process.exit(2);
}
const args = [bin, 'mcp'];
if (given(process.env.AIRLOCK_PORT)) args.push('--port', process.env.AIRLOCK_PORT);

const child = spawn(process.execPath, args, { cwd: dir, stdio: 'inherit', env: process.env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (e) => {
  say(`could not start ${bin}: ${e.message}`);
  process.exit(2);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
