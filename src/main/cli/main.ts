/**
 * `bin/airlock`: the headless shell. Exit codes: 0 success, 1 failure (for `audit verify`:
 * the chain is broken), 2 usage errors or an unreadable store.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { startAirlock, DEFAULT_PORT } from '../app';
import { headlessKeyProvider } from '../store/key-file';
import { StoreError } from '../store/store-error';
import { parseOptions, UsageError } from './args';
import { evalCommand } from './eval-command';
import { VERSION } from '../version';
import { requestLoginLink } from './login-link';
import { mcpCommand } from './mcp-command';
import {
  AUDIT_HELP,
  auditExport,
  auditPublicKey,
  auditPurge,
  auditVerify,
  auditVerifyReport,
} from './audit-commands';

const HELP = {
  main: `Airlock ${VERSION} — least-privilege, audited database access for local AI agents

Usage: airlock <command> [options]

Commands:
  serve          run the core headless and serve the UI and API on 127.0.0.1
  audit verify   recompute the audit hash chain and check its signed checkpoints
  audit export   write a signed audit report (JSON, CSV or PDF)
  audit verify-report  check a report offline, with no store and no key
  audit public-key     print the audit signing key and its fingerprint
  audit purge    delete old audit entries under a signed anchor, anonymize per the settings
  eval           ask a question/gold-SQL file through the local model and report execution accuracy
  login-link     print a new one-time link that signs a browser in to the running UI
  mcp            serve MCP on stdin/stdout for an agent, through the running Airlock (AIRLOCK_API_KEY)

Run 'airlock <command> --help' for a command's options.`,
  serve: `Usage: airlock serve [--data-dir DIR] [--port N]

Runs Airlock headless: the API and the UI on http://127.0.0.1:PORT.
First start creates the encrypted store, DIR/admin.token and DIR/store.key (both 0600,
store.key only when AIRLOCK_STORE_KEY is not set) and registers the demo database.

Options:
  --data-dir DIR  where the store lives (default: $AIRLOCK_HOME, else ~/.airlock)
  --port N        port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  -h, --help      show this help`,
  loginLink: `Usage: airlock login-link [--data-dir DIR] [--port N]

Asks the Airlock running on 127.0.0.1:PORT for a new one-time login link and prints it.
Open it in a browser on this machine: it works once, within 10 minutes, and signs that
browser in (a session cookie that ends after 12 hours without use). Uses the admin token
in DIR/admin.token.

Options:
  --data-dir DIR  the data directory of the running Airlock (default: $AIRLOCK_HOME, else ~/.airlock)
  --port N        its port (default ${DEFAULT_PORT})
  -h, --help      show this help`,
};

function dataDirOf(opts: Record<string, string | boolean>): string {
  const d =
    typeof opts['data-dir'] === 'string'
      ? opts['data-dir']
      : process.env.AIRLOCK_HOME || resolve(homedir(), '.airlock');
  return resolve(d);
}

function rendererDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../../out/renderer', import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

async function serve(argv: string[]): Promise<number> {
  const opts = parseOptions(argv, { 'data-dir': 'string', port: 'string', help: 'boolean' });
  if (opts.help) {
    console.log(HELP.serve);
    return 0;
  }
  const port = opts.port === undefined ? DEFAULT_PORT : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--port needs a number from 0 to 65535');
  const dataDir = dataDirOf(opts);
  const running = await startAirlock({
    dataDir,
    port,
    keyProvider: headlessKeyProvider(dataDir),
    ...(rendererDir() ? { rendererDir: rendererDir()! } : {}),
    logger: {
      info: () => {},
      warn: (m) => console.error(`warning: ${m}`),
      error: (m, f) => console.error(`error: ${m}${f?.error ? `: ${String(f.error)}` : ''}`),
    },
  });
  // Listen for the stop signals before announcing the address: a supervisor may signal as
  // soon as it reads it, and an unheard signal would kill the process without closing the store.
  const stopped = new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log(`Airlock ${VERSION} is running.
  UI and API:   ${running.url}/
  Sign in:      ${running.loginLink()}
                (opens the UI in a browser; works once, for 10 minutes — \`airlock login-link\` makes another)
  Data:         ${dataDir}
  Admin token:  ${running.adminTokenPath}
  API docs:     ${running.url}/v1/openapi.json
Press Ctrl+C to stop.`);
  await stopped;
  console.log('Stopping…');
  await running.close();
  return 0;
}

async function loginLink(argv: string[]): Promise<number> {
  const opts = parseOptions(argv, { 'data-dir': 'string', port: 'string', help: 'boolean' });
  if (opts.help) {
    console.log(HELP.loginLink);
    return 0;
  }
  const port = opts.port === undefined ? DEFAULT_PORT : Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError('--port needs a number from 1 to 65535');
  console.log(await requestLoginLink(dataDirOf(opts), port));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(HELP.main);
        return command === undefined ? 2 : 0;
      case '--version':
        console.log(VERSION);
        return 0;
      case 'serve':
        return await serve(rest);
      case 'eval':
        return await evalCommand(rest, dataDirOf);
      case 'login-link':
        return await loginLink(rest);
      case 'mcp':
        return await mcpCommand(rest, dataDirOf);
      case 'audit': {
        const [sub, ...more] = rest;
        if (sub === 'verify') return await auditVerify(more, dataDirOf);
        if (sub === 'public-key') return await auditPublicKey(more, dataDirOf);
        if (sub === 'export') return await auditExport(more, dataDirOf);
        if (sub === 'verify-report') return auditVerifyReport(more);
        if (sub === 'purge') return await auditPurge(more, dataDirOf);
        if (sub === '--help' || sub === '-h') {
          console.log(AUDIT_HELP);
          return 0;
        }
        throw new UsageError(
          sub
            ? `unknown audit command '${sub}'`
            : "'audit' needs a subcommand: verify, public-key, export, verify-report, purge",
        );
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`airlock: ${e.message}\nRun 'airlock --help' for usage.`);
      return 2;
    }
    if (e instanceof StoreError) {
      console.error(`airlock: ${e.message}`);
      return 2;
    }
    console.error(`airlock: ${(e as Error).message}`);
    return 1;
  }
}
