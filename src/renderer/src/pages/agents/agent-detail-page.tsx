/** One agent: its key and status, its grants (editable tree), what it can actually see, its limits. */
import { Anchor, Badge, Breadcrumbs, Group, Paper, Skeleton, Tabs, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/api';
import { keys, useAgents } from '../../api/queries';
import { ConfirmButton } from '../../components/confirm-button';
import { IconEye, IconKey, IconLock, IconSliders, IconTerminal } from '../../components/icons';
import { Page } from '../../components/page';
import { ProblemAlert } from '../../components/problem-alert';
import { formatDateTime, relativeTime } from '../../lib/format';
import { AccessPreviewPanel } from './access-preview';
import { AgentLimitsPanel } from './agent-limits';
import { agentStatus, AgentStatusBadge } from './agent-status';
import { GrantsEditor } from './grants-editor';
import { McpConnectPanel } from './mcp-connect';

export default function AgentDetailPage() {
  const { id = '' } = useParams();
  const agents = useAgents();
  const queryClient = useQueryClient();
  const [tab, setTab] = useState<string | null>('grants');
  const agent = agents.data?.find((a) => a.id === id);

  const revoke = useMutation({
    mutationFn: () => api.revokeAgent({ id }),
    onSuccess: (a) => {
      void queryClient.invalidateQueries({ queryKey: keys.agents });
      void queryClient.invalidateQueries({ queryKey: keys.dashboard });
      notifications.show({
        color: 'red',
        title: `${a.name} revoked`,
        message: 'Its key stops working immediately. Past audit entries remain.',
      });
    },
  });

  if (agents.error) return <ProblemAlert error={agents.error} />;
  if (agents.isPending) return <Skeleton m="lg" h={300} />;
  if (!agent) {
    return (
      <Page
        title="Agent not found"
        description="It may have been created on another machine, or the link is wrong."
      >
        <Anchor component={Link} to="/agents">
          Back to all agents
        </Anchor>
      </Page>
    );
  }
  const status = agentStatus(agent);

  return (
    <Page
      title={agent.name}
      description={
        <Breadcrumbs separator="›" fz="sm" component="span">
          <Anchor component={Link} to="/agents" size="sm">
            Agents
          </Anchor>
          <span>{agent.name}</span>
        </Breadcrumbs>
      }
      actions={
        status === 'active' ? (
          <ConfirmButton
            title={`Revoke ${agent.name}?`}
            message={
              <>
                The key <code>{agent.keyPrefix}…</code> stops working at once and cannot be
                restored. Its grants and its audit history stay for reference. To give the agent
                access again, create a new agent.
              </>
            }
            confirmLabel="Revoke key"
            onConfirm={() => revoke.mutateAsync()}
            loading={revoke.isPending}
            variant="light"
            data-testid="revoke-agent"
          >
            Revoke
          </ConfirmButton>
        ) : null
      }
    >
      <Paper withBorder radius="md" p="md">
        <Group gap="xl">
          <Field label="Status">
            <AgentStatusBadge agent={agent} />
          </Field>
          <Field label="Key">
            <Group gap={6}>
              <IconKey size={14} />
              <Text ff="monospace" size="sm">
                {agent.keyPrefix}…
              </Text>
            </Group>
          </Field>
          <Field label="Last used">
            <Text size="sm" title={formatDateTime(agent.lastUsedAt)}>
              {relativeTime(agent.lastUsedAt)}
            </Text>
          </Field>
          <Field label="Created">
            <Text size="sm">{formatDateTime(agent.createdAt)}</Text>
          </Field>
          <Field label="Expires">
            <Text size="sm">{agent.expiresAt ? formatDateTime(agent.expiresAt) : 'never'}</Text>
          </Field>
          <Anchor
            component={Link}
            to={`/audit?agent=${encodeURIComponent(agent.name)}`}
            size="sm"
            ml="auto"
          >
            Its audit trail →
          </Anchor>
        </Group>
      </Paper>
      {revoke.error ? <ProblemAlert error={revoke.error} title="The key was not revoked" /> : null}
      {status !== 'active' ? (
        <Badge color="gray" variant="outline" size="lg">
          This key no longer works; grants are shown for reference.
        </Badge>
      ) : null}

      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="grants" leftSection={<IconLock size={15} />} data-testid="tab-grants">
            Grants
          </Tabs.Tab>
          <Tabs.Tab value="preview" leftSection={<IconEye size={15} />} data-testid="tab-preview">
            Access preview
          </Tabs.Tab>
          <Tabs.Tab value="limits" leftSection={<IconSliders size={15} />} data-testid="tab-limits">
            Limits
          </Tabs.Tab>
          {status === 'active' ? (
            <Tabs.Tab
              value="connect"
              leftSection={<IconTerminal size={15} />}
              data-testid="tab-connect"
            >
              Connect an MCP client
            </Tabs.Tab>
          ) : null}
        </Tabs.List>
        <Tabs.Panel value="grants" pt="md">
          <GrantsEditor agentId={agent.id} agentName={agent.name} disabled={status !== 'active'} />
        </Tabs.Panel>
        <Tabs.Panel value="preview" pt="md">
          <AccessPreviewPanel agentId={agent.id} onEditGrants={() => setTab('grants')} />
        </Tabs.Panel>
        <Tabs.Panel value="limits" pt="md">
          <AgentLimitsPanel
            agentId={agent.id}
            agentName={agent.name}
            disabled={status !== 'active'}
          />
        </Tabs.Panel>
        {status === 'active' ? (
          <Tabs.Panel value="connect" pt="md">
            <McpConnectPanel agentName={agent.name} withTitle={false} />
          </Tabs.Panel>
        ) : null}
      </Tabs>
    </Page>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4} mb={2}>
        {label}
      </Text>
      {children}
    </div>
  );
}
