/** Loads an agent's grants against every connection's schema, edits them as a tree, saves them. */
import { Alert, Button, Code, Group, Skeleton, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { keys, useGrants } from '../../api/queries';
import { EmptyHint } from '../../components/empty-hint';
import { IconDatabase, IconSearch } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { fromGrants, toGrants, type AccessTree, type EditorModel } from '../../lib/grants-model';
import { ConnectionGrants } from './grants-tree';
import { useAllSchemas } from './use-all-schemas';

export function GrantsEditor({
  agentId,
  agentName,
  disabled,
}: {
  agentId: string;
  agentName: string;
  disabled: boolean;
}) {
  const queryClient = useQueryClient();
  const grants = useGrants(agentId);
  const schemas = useAllSchemas();
  const [filter, setFilter] = useState('');
  const loaded = useMemo<EditorModel | null>(
    () => (grants.data && schemas.ready ? fromGrants(grants.data, schemas.map) : null),
    [grants.data, schemas.ready, schemas.map],
  );
  const [tree, setTree] = useState<AccessTree | null>(null);
  useEffect(() => setTree(loaded?.tree ?? null), [loaded]);

  const next = loaded && tree ? toGrants({ tree, kept: loaded.kept }) : null;
  const dirty =
    next !== null &&
    grants.data !== undefined &&
    JSON.stringify(next) !== JSON.stringify(toGrants(loaded!));

  const save = useMutation({
    mutationFn: () => api.putGrants({ id: agentId, grants: next ?? [] }),
    onSuccess: (res) => {
      queryClient.setQueryData(keys.grants(agentId), res.grants);
      void queryClient.invalidateQueries({ queryKey: keys.access(agentId) });
      notifications.show({
        color: 'teal',
        title: 'Grants saved',
        message: `${agentName} now has ${res.grants.length} grant${res.grants.length === 1 ? '' : 's'}. They apply to its next request.`,
      });
    },
  });

  if (grants.error)
    return (
      <ProblemAlert
        error={grants.error}
        title="Could not load the grants"
        onRetry={() => void grants.refetch()}
      />
    );
  if (schemas.connections.data && schemas.connections.data.length === 0) {
    return (
      <EmptyHint
        icon={<IconDatabase size={28} />}
        title="No databases to grant"
        description="Add a connection first; then tick the tables and columns this agent may read or write."
        action={
          <Button component={Link} to="/connections">
            Go to Connections
          </Button>
        }
      />
    );
  }
  if (!loaded || !tree) return <Skeleton h={280} />;

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="nowrap">
        <TextInput
          placeholder="Filter tables"
          leftSection={<IconSearch size={14} />}
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
          aria-label="Filter tables"
          w={260}
        />
        <Group gap="xs">
          <Button
            variant="default"
            disabled={!dirty || save.isPending}
            onClick={() => setTree(loaded.tree)}
          >
            Discard changes
          </Button>
          <Button
            onClick={() => save.mutate()}
            loading={save.isPending}
            disabled={!dirty || disabled}
            data-testid="save-grants"
          >
            Save grants
          </Button>
        </Group>
      </Group>
      {dirty ? (
        <Text size="sm" c="yellow.8" role="status">
          Unsaved changes — nothing changes for {agentName} until you save.
        </Text>
      ) : (
        <Text size="sm" c="dimmed">
          Tick a table to grant all of its columns (and columns added later); open it to pick
          columns one by one. Unticked means the agent cannot see it at all. Writes wait for a
          person&apos;s approval unless you switch that off for the table.
        </Text>
      )}
      {save.error ? <ProblemAlert error={save.error} title="The grants were not saved" /> : null}
      {schemas.errors.map((e) => (
        <ProblemAlert
          key={e.connection}
          error={e.error}
          title={`The schema of ${e.connection} could not be read; its tables are missing below`}
        />
      ))}
      {(schemas.connections.data ?? []).map((c) => (
        <ConnectionGrants
          key={c.name}
          connection={c.name}
          kind={c.kind}
          tables={schemas.tables[c.name] ?? []}
          tree={tree}
          onChange={setTree}
          filter={filter}
        />
      ))}
      {loaded.kept.length > 0 ? (
        <Alert
          color="gray"
          title={`${loaded.kept.length} other rule${loaded.kept.length === 1 ? '' : 's'} kept as they are`}
        >
          <Text size="sm" mb={6}>
            Deny rules, and grants for tables or columns the databases no longer report, are not
            shown in the tree. Saving keeps them unchanged.
          </Text>
          <Code block>{JSON.stringify(loaded.kept, null, 2)}</Code>
        </Alert>
      ) : null}
    </Stack>
  );
}
