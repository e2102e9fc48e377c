/**
 * The "Connect an MCP client" texts: each client's shape (they differ), the key only where it is
 * given, and the shell lines read back by a real shell exactly as written.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  KEY_PLACEHOLDER,
  mcpClientConfigs,
  type McpClient,
  type McpTarget,
} from '../../src/renderer/src/lib/mcp-config';

const KEY = 'alk_Qx7vR2mN9pL4sT8wY1zB3cD5';
const target: McpTarget = {
  origin: 'http://127.0.0.1:7717',
  dataDir: '/home/ana/.airlock',
  cliCommand: { command: '/usr/local/bin/node', args: ['/opt/airlock/bin/airlock'] },
};

function config(client: McpClient, t: McpTarget) {
  const found = mcpClientConfigs(t).find((c) => c.client === client);
  if (!found) throw new Error(`no configuration for ${client}`);
  return found;
}
const text = (client: McpClient, t: McpTarget, i = 0) => config(client, t).snippets[i]!.text;
const allText = (t: McpTarget) =>
  mcpClientConfigs(t)
    .flatMap((c) => c.snippets.map((s) => s.text))
    .join('\n');

/** Runs a shell line with `claude` standing in as a function that prints its arguments, one per line. */
function argvOf(command: string): string[] {
  const out = execFileSync('bash', ['-c', `claude() { printf '%s\\n' "$@"; }\n${command}`], {
    encoding: 'utf8',
  });
  return out.split('\n').slice(0, -1);
}

describe('MCP client configuration', () => {
  it('offers the five clients in a fixed order', () => {
    expect(mcpClientConfigs(target).map((c) => c.title)).toEqual([
      'Claude Code',
      'Cursor',
      'VS Code',
      'Codex',
      'Claude Desktop',
    ]);
  });

  it('Claude Code: claude mcp add over HTTP with the Bearer header, as a shell reads it', () => {
    const withKey = { ...target, apiKey: KEY };
    expect(text('claude-code', withKey)).toBe(
      `claude mcp add --transport http airlock http://127.0.0.1:7717/mcp \\\n` +
        `  --header "Authorization: Bearer ${KEY}"`,
    );
    expect(argvOf(text('claude-code', withKey))).toEqual([
      'mcp',
      'add',
      '--transport',
      'http',
      'airlock',
      'http://127.0.0.1:7717/mcp',
      '--header',
      `Authorization: Bearer ${KEY}`,
    ]);
    // Without the key, the placeholder reaches the client literally (the shell leaves it alone).
    expect(argvOf(text('claude-code', target)).at(-1)).toBe(
      `Authorization: Bearer ${KEY_PLACEHOLDER}`,
    );
  });

  it('quotes what a shell would expand, so a key reaches the client unchanged', () => {
    const odd = 'alk_"$HOME`id`\\x';
    expect(argvOf(text('claude-code', { ...target, apiKey: odd })).at(-1)).toBe(
      `Authorization: Bearer ${odd}`,
    );
    const exported = execFileSync(
      'bash',
      ['-c', `${text('codex', { ...target, apiKey: odd }, 1)}\nprintf %s "$AIRLOCK_API_KEY"`],
      { encoding: 'utf8' },
    );
    expect(exported).toBe(odd);
  });

  it('Cursor: mcpServers with url and headers', () => {
    expect(JSON.parse(text('cursor', { ...target, apiKey: KEY }))).toEqual({
      mcpServers: {
        airlock: {
          url: 'http://127.0.0.1:7717/mcp',
          headers: { Authorization: `Bearer ${KEY}` },
        },
      },
    });
  });

  it('VS Code: servers with type http, the key asked for by VS Code and never written in the file', () => {
    const parsed: unknown = JSON.parse(text('vscode', { ...target, apiKey: KEY }));
    expect(parsed).toEqual({
      inputs: [
        {
          type: 'promptString',
          id: 'airlock-api-key',
          description: 'Airlock agent key',
          password: true,
        },
      ],
      servers: {
        airlock: {
          type: 'http',
          url: 'http://127.0.0.1:7717/mcp',
          headers: { Authorization: 'Bearer ${input:airlock-api-key}' },
        },
      },
    });
    expect(text('vscode', { ...target, apiKey: KEY })).toBe(text('vscode', target));
  });

  it('Codex: [mcp_servers.airlock] with url and bearer_token_env_var, the key in the environment', () => {
    expect(text('codex', { ...target, apiKey: KEY })).toBe(
      [
        '[mcp_servers.airlock]',
        'url = "http://127.0.0.1:7717/mcp"',
        'bearer_token_env_var = "AIRLOCK_API_KEY"',
      ].join('\n'),
    );
    expect(text('codex', { ...target, apiKey: KEY }, 1)).toBe(`export AIRLOCK_API_KEY="${KEY}"`);
    expect(text('codex', target, 1)).toBe(`export AIRLOCK_API_KEY="${KEY_PLACEHOLDER}"`);
  });

  it('Claude Desktop: stdio through this Airlock’s command line, key in AIRLOCK_API_KEY, and the bundle', () => {
    expect(JSON.parse(text('claude-desktop', { ...target, apiKey: KEY }))).toEqual({
      mcpServers: {
        airlock: {
          command: '/usr/local/bin/node',
          args: ['/opt/airlock/bin/airlock', 'mcp', '--data-dir', '/home/ana/.airlock'],
          env: { AIRLOCK_API_KEY: KEY },
        },
      },
    });
    expect(text('claude-desktop', target, 1)).toBe('cd "/opt/airlock" && npm run build:mcpb');
  });

  it('Claude Desktop without a command line beside the app: a path to replace, said so', () => {
    const packaged = { ...target, cliCommand: undefined };
    const parsed = JSON.parse(text('claude-desktop', packaged)) as {
      mcpServers: { airlock: { command: string; args: string[] } };
    };
    expect(parsed.mcpServers.airlock.command).toBe('/path/to/airlock/bin/airlock');
    expect(parsed.mcpServers.airlock.args).toEqual(['mcp', '--data-dir', '/home/ana/.airlock']);
    expect(config('claude-desktop', packaged).note).toContain('no bin/airlock beside it');
    expect(text('claude-desktop', packaged, 1)).toBe('npm run build:mcpb');
  });

  it('puts the key in only when it is given; otherwise the placeholder stands where it would', () => {
    const withKey = allText({ ...target, apiKey: KEY });
    // Claude Code, Cursor, the Codex export line and Claude Desktop.
    expect(withKey.split(KEY).length - 1).toBe(4);
    expect(withKey).not.toContain(KEY_PLACEHOLDER);

    const without = allText(target);
    expect(without).not.toMatch(/alk_/);
    expect(without.split(KEY_PLACEHOLDER).length - 1).toBe(4);
  });

  it('takes the server’s address with or without a trailing slash', () => {
    const slash = { ...target, origin: 'http://127.0.0.1:7717/' };
    expect(JSON.parse(text('cursor', slash)).mcpServers.airlock.url).toBe(
      'http://127.0.0.1:7717/mcp',
    );
  });
});
