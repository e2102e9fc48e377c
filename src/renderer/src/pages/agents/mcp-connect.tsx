/**
 * "Connect an MCP client": the configuration each client takes, ready to paste, with the agent's
 * key in it only where the key is shown (right after creation); later, a placeholder.
 */
import { Alert, Code, Skeleton, Stack, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import { useSystemInfo } from '../../api/queries';
import { CopyBlock } from '../../components/copy-text';
import { IconKey } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import {
  KEY_PLACEHOLDER,
  mcpClientConfigs,
  mcpEndpoint,
  type McpClient,
} from '../../lib/mcp-config';

export function McpConnectPanel({
  agentName,
  apiKey,
  withTitle = true,
}: {
  agentName: string;
  apiKey?: string;
  /** Off where a tab of the same name already says it. */
  withTitle?: boolean;
}) {
  const system = useSystemInfo();
  const [client, setClient] = useState<McpClient>('claude-code');
  if (system.error) return <ProblemAlert error={system.error} />;
  if (!system.data) return <Skeleton h={180} />;
  const { url, dataDir, cliCommand } = system.data;
  const configs = mcpClientConfigs({ origin: url, apiKey, dataDir, cliCommand });

  return (
    <Stack gap="sm" data-testid="mcp-connect">
      <div>
        {withTitle ? <Text fw={700}>Connect an MCP client</Text> : null}
        <Text size="sm" c="dimmed">
          Airlock serves MCP at <Code>{mcpEndpoint(url)}</Code>. The client sees the tools{' '}
          {agentName}&apos;s grants allow; every call is checked and audited like the same HTTP
          request.
        </Text>
      </div>
      {apiKey ? null : (
        <Alert color="gray" variant="light" icon={<IconKey />} data-testid="mcp-key-note">
          The key was shown only once, when {agentName} was created: put it where{' '}
          <Code>{KEY_PLACEHOLDER}</Code> stands. If it is lost, revoke {agentName} and create a new
          agent.
        </Alert>
      )}
      <Tabs
        value={client}
        onChange={(v) => {
          if (v) setClient(v as McpClient);
        }}
        variant="pills"
        keepMounted={false}
      >
        <Tabs.List>
          {configs.map((c) => (
            <Tabs.Tab key={c.client} value={c.client} data-testid={`mcp-tab-${c.client}`}>
              {c.title}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {configs.map((c) => (
          <Tabs.Panel key={c.client} value={c.client} pt="sm">
            <Stack gap="sm">
              {c.snippets.map((s, i) => (
                <CopyBlock key={i} label={s.label} text={s.text} testId={`mcp-${c.client}-${i}`} />
              ))}
              {c.note ? (
                <Text size="xs" c="dimmed">
                  {c.note}
                </Text>
              ) : null}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
