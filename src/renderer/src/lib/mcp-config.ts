/**
 * Ready-to-paste configuration for the MCP clients agent authors use, one shape per client (they
 * differ). The agent's key goes in only when it is given, right after the agent is created;
 * otherwise the texts name the key with a placeholder the person replaces.
 */

export type McpClient = 'claude-code' | 'cursor' | 'vscode' | 'codex' | 'claude-desktop';

/** What the person replaces when the key is not shown any more. */
export const KEY_PLACEHOLDER = '<AIRLOCK_API_KEY>';
/** The variable `bin/airlock mcp` reads the key from; Codex reads it from there too. */
export const KEY_ENV = 'AIRLOCK_API_KEY';
/** The name the clients list Airlock's tools under. */
export const SERVER_NAME = 'airlock';

export interface McpTarget {
  /** Airlock's own address, e.g. `http://127.0.0.1:7717`. */
  origin: string;
  /** The agent's key: only where it is shown, at creation. */
  apiKey?: string;
  /** The running Airlock's data directory, so the stdio server finds it from any environment. */
  dataDir: string;
  /** How to start Airlock's command line (absolute paths); absent when none ships with the app. */
  cliCommand?: { command: string; args: string[] };
}

export interface McpSnippet {
  /** What the text is and where it goes. */
  label: string;
  text: string;
}

export interface McpClientConfig {
  client: McpClient;
  title: string;
  snippets: McpSnippet[];
  /** A sentence the person needs besides the text (how the key is kept, what to restart). */
  note?: string;
}

/** Where the command line is, when this install has none beside it. */
const CLI_PLACEHOLDER = '/path/to/airlock/bin/airlock';

/** A value inside double quotes in a POSIX shell: only these four characters are special there. */
function shellDoubleQuoted(value: string): string {
  return `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** A TOML basic string: JSON's escapes are all valid TOML escapes. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** The folder that holds `bin/airlock` (where `npm run build:mcpb` runs), if the command names it. */
function checkoutOf(cli: McpTarget['cliCommand']): string | undefined {
  const bin = cli && [cli.command, ...cli.args].find((p) => BIN.test(p));
  return bin?.replace(BIN, '');
}
const BIN = /[\\/]bin[\\/]airlock$/;

export function mcpEndpoint(origin: string): string {
  return `${origin.replace(/\/+$/, '')}/mcp`;
}

export function mcpClientConfigs(target: McpTarget): McpClientConfig[] {
  const url = mcpEndpoint(target.origin);
  const key = target.apiKey ?? KEY_PLACEHOLDER;
  const bearer = `Bearer ${key}`;
  const cli = target.cliCommand ?? { command: CLI_PLACEHOLDER, args: [] };
  const root = checkoutOf(target.cliCommand);

  return [
    {
      client: 'claude-code',
      title: 'Claude Code',
      snippets: [
        {
          label: 'In a terminal',
          text: [
            `claude mcp add --transport http ${SERVER_NAME} ${url} \\`,
            `  --header ${shellDoubleQuoted(`Authorization: ${bearer}`)}`,
          ].join('\n'),
        },
      ],
      note: 'Add --scope user to have it in every project, not only the current one.',
    },
    {
      client: 'cursor',
      title: 'Cursor',
      snippets: [
        {
          label: '~/.cursor/mcp.json',
          text: json({
            mcpServers: { [SERVER_NAME]: { url, headers: { Authorization: bearer } } },
          }),
        },
      ],
      note: 'Or .cursor/mcp.json in one project. If the file lists other servers, add the airlock entry beside them.',
    },
    {
      client: 'vscode',
      title: 'VS Code',
      snippets: [
        {
          label: '.vscode/mcp.json',
          text: json({
            inputs: [
              {
                type: 'promptString',
                id: 'airlock-api-key',
                description: 'Airlock agent key',
                password: true,
              },
            ],
            servers: {
              [SERVER_NAME]: {
                type: 'http',
                url,
                headers: { Authorization: 'Bearer ${input:airlock-api-key}' },
              },
            },
          }),
        },
      ],
      note:
        'Or the file the command "MCP: Open User Configuration" opens. VS Code asks for the key ' +
        'the first time it starts the server and keeps it in its secret storage, so this file ' +
        'holds no key and can be shared with the project.',
    },
    {
      client: 'codex',
      title: 'Codex',
      snippets: [
        {
          label: '~/.codex/config.toml',
          text: [
            `[mcp_servers.${SERVER_NAME}]`,
            `url = ${tomlString(url)}`,
            `bearer_token_env_var = ${tomlString(KEY_ENV)}`,
          ].join('\n'),
        },
        {
          label: 'The key, in the environment Codex starts from',
          text: `export ${KEY_ENV}=${shellDoubleQuoted(key)}`,
        },
      ],
      note:
        `Codex refuses a token written in config.toml itself and reads it from ${KEY_ENV}: ` +
        'put the export line in your shell profile, then start Codex.',
    },
    {
      client: 'claude-desktop',
      title: 'Claude Desktop',
      snippets: [
        {
          label: 'claude_desktop_config.json',
          text: json({
            mcpServers: {
              [SERVER_NAME]: {
                command: cli.command,
                args: [...cli.args, 'mcp', '--data-dir', target.dataDir],
                env: { [KEY_ENV]: key },
              },
            },
          }),
        },
        {
          label: 'Or as a bundle (.mcpb)',
          text: root ? `cd ${shellDoubleQuoted(root)} && npm run build:mcpb` : 'npm run build:mcpb',
        },
      ],
      note:
        'Open the file from Settings → Developer → Edit Config, then restart Claude Desktop. It ' +
        'starts only local (stdio) servers: bin/airlock mcp forwards each call to this Airlock, ' +
        'which must be running. For the bundle, open dist/airlock.mcpb with Claude Desktop and ' +
        'paste the key when it asks.' +
        (target.cliCommand
          ? ''
          : ' This app has no bin/airlock beside it; use the path of an Airlock installed from source.'),
    },
  ];
}
