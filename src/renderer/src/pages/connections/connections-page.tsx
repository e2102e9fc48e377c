/** The databases Airlock guards: add, test, remove, and browse their schema. */
import {
  Badge,
  Box,
  Button,
  Grid,
  Group,
  Modal,
  Paper,
  Skeleton,
  Stack,
  Tabs,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { api } from '../../api/api';
import { keys, useConnections, type Connection } from '../../api/queries';
import { ConfirmButton } from '../../components/confirm-button';
import { EmptyHint } from '../../components/empty-hint';
import { IconBolt, IconDatabase, IconPlus, IconRefresh, IconTrash } from '../../components/icons';
import { Page } from '../../components/page';
import { ProblemAlert } from '../../components/problem-alert';
import { relativeTime } from '../../lib/format';
import { SavedConnectionPrincipals } from './agent-principals-note';
import { ConnectionForm } from './connection-form';
import { SchemaBrowser } from './schema-browser';
import { SemanticLayerEditor } from './semantic-layer';

export const KIND_LABEL: Record<string, string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  mongodb: 'MongoDB',
};

export default function ConnectionsPage() {
  const { name } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const connections = useConnections();
  const [adding, { open, close }] = useDisclosure(false);
  const list = connections.data ?? [];
  const selected = list.find((c) => c.name === name) ?? list[0];

  const [editing, setEditing] = useState<Connection | null>(null);
  const refresh = useMutation({
    mutationFn: (n: string) => api.connectionSchema({ name: n, refresh: true }),
    onSuccess: (data, n) => {
      queryClient.setQueryData(keys.schema(n), data);
      notifications.show({
        color: 'teal',
        title: `Schema of ${n} read again`,
        message: `${data.tables.length} tables.`,
      });
    },
    onError: (e, n) =>
      notifications.show({
        color: 'red',
        title: `Could not read ${n}`,
        message: e instanceof Error ? e.message : String(e),
      }),
  });
  const check = useMutation({
    mutationFn: (n: string) => api.checkConnection({ name: n }),
    onSuccess: (r, n) => {
      if (r.ok) queryClient.setQueryData(['connection-check', n], r);
      notifications.show({
        color: r.ok ? 'teal' : 'red',
        title: r.ok ? `${n} answers` : `${n} does not answer`,
        message: `${r.message}${r.ok && r.tables !== undefined ? ` — ${r.tables} tables.` : ''}`,
      });
    },
    onError: (e, n) =>
      notifications.show({
        color: 'red',
        title: `Could not test ${n}`,
        message: e instanceof Error ? e.message : String(e),
      }),
  });
  const remove = useMutation({
    mutationFn: (n: string) => api.removeConnection({ name: n }),
    onSuccess: (_d, n) => {
      void queryClient.invalidateQueries({ queryKey: keys.connections });
      void queryClient.invalidateQueries({ queryKey: keys.dashboard });
      notifications.show({
        title: 'Connection removed',
        message: `${n} is no longer reachable through Airlock.`,
      });
      void navigate('/connections');
    },
  });

  return (
    <Page
      title="Connections"
      description="The databases Airlock guards. Agents reach only what you grant them, table by table."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="add-connection">
          Add connection
        </Button>
      }
    >
      {connections.error ? (
        <ProblemAlert error={connections.error} onRetry={() => void connections.refetch()} />
      ) : null}
      {connections.isPending ? <Skeleton h={200} /> : null}
      {connections.data && list.length === 0 ? (
        <EmptyHint
          icon={<IconDatabase size={28} />}
          title="No connections yet"
          description="Add a SQLite file or a PostgreSQL, MySQL or MongoDB server. Nothing is shared with agents until you grant it."
          action={
            <Button leftSection={<IconPlus size={16} />} onClick={open}>
              Add connection
            </Button>
          }
        />
      ) : null}

      {list.length > 0 ? (
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 4, xl: 3 }}>
            <Stack gap="xs" role="list" aria-label="Connections">
              {list.map((c) => (
                <UnstyledButton
                  key={c.name}
                  role="listitem"
                  onClick={() => void navigate(`/connections/${encodeURIComponent(c.name)}`)}
                  aria-current={selected?.name === c.name ? 'true' : undefined}
                  data-testid={`connection-${c.name}`}
                >
                  <Paper
                    withBorder
                    p="sm"
                    radius="md"
                    style={
                      selected?.name === c.name
                        ? {
                            borderColor: 'var(--mantine-primary-color-filled)',
                            boxShadow: '0 0 0 1px var(--mantine-primary-color-filled)',
                          }
                        : undefined
                    }
                  >
                    <Group justify="space-between" wrap="nowrap">
                      <Text fw={650} truncate>
                        {c.name}
                      </Text>
                      <Badge size="sm" color="gray">
                        {KIND_LABEL[c.kind] ?? c.kind}
                      </Badge>
                    </Group>
                    <Text size="xs" c="dimmed" ff="monospace" truncate title={c.target} mt={2}>
                      {c.target}
                    </Text>
                    <Text size="xs" c="dimmed" mt={2}>
                      added {relativeTime(c.createdAt)}
                      {c.readOnlySource ? ' · read-only source' : ''}
                    </Text>
                  </Paper>
                </UnstyledButton>
              ))}
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8, xl: 9 }}>
            {selected ? (
              <Paper withBorder radius="md" p="md">
                <Group justify="space-between" mb="md" wrap="nowrap">
                  <div>
                    <Title order={3} fz="lg">
                      {selected.name}
                    </Title>
                    <Text size="sm" c="dimmed">
                      {KIND_LABEL[selected.kind]} ·{' '}
                      <span style={{ fontFamily: 'var(--mantine-font-family-monospace)' }}>
                        {selected.target}
                      </span>
                    </Text>
                  </div>
                  <Group gap="xs" wrap="nowrap">
                    <Button
                      variant="default"
                      leftSection={<IconBolt size={16} />}
                      loading={check.isPending}
                      onClick={() => check.mutate(selected.name)}
                      data-testid="test-connection"
                    >
                      Test
                    </Button>
                    <Tooltip label="Read the tables and columns from the database again">
                      <Button
                        variant="default"
                        leftSection={<IconRefresh size={16} />}
                        loading={refresh.isPending}
                        onClick={() => refresh.mutate(selected.name)}
                        data-testid="refresh-schema"
                      >
                        Refresh schema
                      </Button>
                    </Tooltip>
                    <Button
                      variant="default"
                      onClick={() => setEditing(selected)}
                      data-testid="edit-connection"
                    >
                      Edit
                    </Button>
                    <ConfirmButton
                      title={`Remove ${selected.name}?`}
                      message={
                        <>
                          Agents lose access to <b>{selected.name}</b> at once, and every grant on
                          it is deleted. The database itself is not touched, and the audit log keeps
                          every past entry.
                        </>
                      }
                      confirmLabel="Remove connection"
                      onConfirm={() => remove.mutateAsync(selected.name)}
                      loading={remove.isPending}
                      leftSection={<IconTrash size={16} />}
                    >
                      Remove
                    </ConfirmButton>
                  </Group>
                </Group>
                {remove.error ? (
                  <ProblemAlert error={remove.error} title="The connection was not removed" />
                ) : null}
                {selected.kind === 'postgres' || selected.kind === 'mysql' ? (
                  <Box mb="md">
                    <SavedConnectionPrincipals key={selected.name} name={selected.name} />
                  </Box>
                ) : null}
                <Tabs defaultValue="schema" keepMounted={false}>
                  <Tabs.List mb="md">
                    <Tabs.Tab value="schema">Schema</Tabs.Tab>
                    <Tabs.Tab value="semantic" data-testid="tab-semantic">
                      Semantic layer
                    </Tabs.Tab>
                  </Tabs.List>
                  <Tabs.Panel value="schema">
                    <SchemaBrowser connection={selected.name} />
                  </Tabs.Panel>
                  <Tabs.Panel value="semantic">
                    <SemanticLayerEditor connection={selected.name} />
                  </Tabs.Panel>
                </Tabs>
              </Paper>
            ) : null}
          </Grid.Col>
        </Grid>
      ) : null}

      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={`Edit ${editing?.name ?? ''}`}
        size="lg"
      >
        {editing ? (
          <ConnectionForm
            editing={editing}
            onCancel={() => setEditing(null)}
            onCreated={(c) => {
              setEditing(null);
              notifications.show({
                color: 'teal',
                title: 'Connection saved',
                message: `${c.name} was tested and saved.`,
              });
              void navigate(`/connections/${encodeURIComponent(c.name)}`);
            }}
          />
        ) : null}
      </Modal>
      <Modal opened={adding} onClose={close} title="Add a connection" size="lg">
        <ConnectionForm
          onCancel={close}
          onCreated={(c) => {
            close();
            notifications.show({
              color: 'teal',
              title: 'Connection added',
              message: `${c.name} is ready. Grant agents access on the Agents page.`,
            });
            void navigate(`/connections/${encodeURIComponent(c.name)}`);
          }}
        />
      </Modal>
    </Page>
  );
}
