/** Every agent key: who it is, when it was last used, whether it still works. */
import { Button, Paper, Skeleton, Table, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useNavigate } from 'react-router';
import { useAgents } from '../../api/queries';
import { EmptyHint } from '../../components/empty-hint';
import { IconPlus, IconRobot } from '../../components/icons';
import { Page } from '../../components/page';
import { ProblemAlert } from '../../components/problem-alert';
import { formatDateTime, relativeTime } from '../../lib/format';
import { AgentStatusBadge } from './agent-status';
import { CreateAgentModal } from './create-agent-modal';

export default function AgentsPage() {
  const agents = useAgents();
  const navigate = useNavigate();
  const [creating, { open, close }] = useDisclosure(false);
  const list = [...(agents.data ?? [])].sort(
    (a, b) =>
      Number(Boolean(a.revokedAt)) - Number(Boolean(b.revokedAt)) || a.name.localeCompare(b.name),
  );
  const openAgent = (id: string) => void navigate(`/agents/${encodeURIComponent(id)}`);

  return (
    <Page
      title="Agents"
      description="Each agent has its own key and sees only what you grant it. Open one to edit its grants and preview its access."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="new-agent">
          New agent
        </Button>
      }
    >
      {agents.error ? (
        <ProblemAlert error={agents.error} onRetry={() => void agents.refetch()} />
      ) : null}
      {agents.isPending ? <Skeleton h={200} /> : null}
      {agents.data && list.length === 0 ? (
        <EmptyHint
          icon={<IconRobot size={28} />}
          title="No agents yet"
          description="Create an agent for each script, assistant or IDE that should query your databases. It gets a key and, until you grant tables, sees nothing."
          action={
            <Button leftSection={<IconPlus size={16} />} onClick={open}>
              Create the first agent
            </Button>
          }
        />
      ) : null}
      {list.length > 0 ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={720}>
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Agent</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((a) => (
                  <Table.Tr
                    key={a.id}
                    data-clickable
                    tabIndex={0}
                    onClick={() => openAgent(a.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault();
                        openAgent(a.id);
                      }
                    }}
                    aria-label={`Open agent ${a.name}`}
                    data-testid={`agent-row-${a.name}`}
                  >
                    <Table.Td fw={600}>{a.name}</Table.Td>
                    <Table.Td>
                      <Text ff="monospace" size="sm" c="dimmed">
                        {a.keyPrefix}…
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip
                        label={
                          a.lastUsedAt
                            ? formatDateTime(a.lastUsedAt)
                            : 'The key has not been used yet'
                        }
                      >
                        <Text size="sm" c={a.lastUsedAt ? undefined : 'dimmed'}>
                          {relativeTime(a.lastUsedAt)}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{relativeTime(a.createdAt)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={a.expiresAt ? undefined : 'dimmed'}>
                        {a.expiresAt ? formatDateTime(a.expiresAt).slice(0, 10) : 'never'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <AgentStatusBadge agent={a} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      <CreateAgentModal opened={creating} onClose={close} />
    </Page>
  );
}
