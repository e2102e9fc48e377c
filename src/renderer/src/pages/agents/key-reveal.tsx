/** A new agent's key, shown once, with the MCP configuration and the request an agent author pastes first. */
import { Alert, Divider, Stack } from '@mantine/core';
import { useSystemInfo } from '../../api/queries';
import { CopyBlock } from '../../components/copy-text';
import { IconKey } from '../../components/icons';
import { curlExample, curlFirstCall } from '../../lib/curl-example';
import { McpConnectPanel } from './mcp-connect';

export function KeyReveal({ name, apiKey }: { name: string; apiKey: string }) {
  const system = useSystemInfo();
  const origin = system.data?.url ?? window.location.origin;
  return (
    <Stack gap="md">
      <Alert color="yellow" icon={<IconKey />} title="Copy the key now — it is shown only once">
        Airlock keeps only a hash of it. If the key is lost, revoke <b>{name}</b> and create a new
        agent.
      </Alert>
      <CopyBlock label="API key" text={apiKey} testId="agent-key" />
      <Divider />
      <McpConnectPanel agentName={name} apiKey={apiKey} />
      <Divider label="Or call the HTTP API" labelPosition="left" />
      <CopyBlock
        label="Try it with curl: the connections it may use (none until you grant some)"
        text={curlFirstCall(origin, apiKey)}
        testId="agent-curl"
      />
      <CopyBlock
        label="Once it holds a grant on a table: run SQL"
        text={curlExample(origin, apiKey, 'demo', 'SELECT count(*) FROM orders')}
        testId="agent-curl-query"
      />
    </Stack>
  );
}
