/** Exactly what an agent can see, as the policy computes it: table by table, column by column. */
import { Alert, Badge, Button, Group, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useAccessPreview } from '../../api/queries';
import { EmptyHint } from '../../components/empty-hint';
import { IconAlert, IconEye, IconEyeOff, IconLock } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';

export function AccessPreviewPanel({
  agentId,
  onEditGrants,
}: {
  agentId: string;
  onEditGrants: () => void;
}) {
  const preview = useAccessPreview(agentId);
  if (preview.error)
    return (
      <ProblemAlert
        error={preview.error}
        title="Could not compute the access preview"
        onRetry={() => void preview.refetch()}
      />
    );
  if (!preview.data) return <Skeleton h={240} />;

  const visible = preview.data.connections
    .map((c) => ({
      ...c,
      tables: c.tables.filter(
        (t) => t.read || t.write || t.columns.some((col) => col.read || col.write),
      ),
    }))
    .filter((c) => c.tables.length > 0 || c.error);

  if (visible.length === 0) {
    return (
      <EmptyHint
        icon={<IconLock size={28} />}
        title="This agent can see nothing"
        description="Every request it makes is denied. Grant it tables on the Grants tab."
        action={<Button onClick={onEditGrants}>Edit grants</Button>}
      />
    );
  }

  return (
    <Stack gap="lg" data-testid="access-preview">
      {visible.map((c) => {
        const hiddenTables =
          (preview.data.connections.find((x) => x.name === c.name)?.tables.length ?? 0) -
          c.tables.length;
        return (
          <Stack key={c.name} gap="xs">
            <Group gap="xs">
              <Title order={4} fz="md">
                {c.name}
              </Title>
              <Text size="sm" c="dimmed">
                {c.tables.length} table{c.tables.length === 1 ? '' : 's'} visible
                {hiddenTables > 0 ? `, ${hiddenTables} hidden` : ''}
              </Text>
            </Group>
            {c.error ? (
              <Alert
                color="orange"
                icon={<IconAlert />}
                title={`The schema of ${c.name} could not be read`}
              >
                {c.error} The agent's grants on it still apply; its requests fail until the database
                answers.
              </Alert>
            ) : null}
            {c.tables.map((t) => {
              const hidden = t.columns.filter((col) => !col.read);
              return (
                <Paper
                  key={t.name}
                  withBorder
                  radius="md"
                  p="sm"
                  data-testid={`preview-${c.name}-${t.name}`}
                >
                  <Group justify="space-between" mb={8}>
                    <Text ff="monospace" fw={600}>
                      {t.name}
                    </Text>
                    <Group gap={6}>
                      {t.read ? <Badge color="teal">read</Badge> : null}
                      {t.write ? <Badge color="orange">write</Badge> : null}
                      {hidden.length ? (
                        <Badge color="gray" variant="outline">
                          {hidden.length} hidden
                        </Badge>
                      ) : null}
                    </Group>
                  </Group>
                  <Group gap={6}>
                    {t.columns.map((col) => (
                      <Badge
                        key={col.name}
                        variant={col.read ? 'light' : 'outline'}
                        color={col.read ? (col.write ? 'orange' : 'teal') : 'gray'}
                        leftSection={col.read ? <IconEye size={12} /> : <IconEyeOff size={12} />}
                        tt="none"
                        ff="monospace"
                        td={col.read ? undefined : 'line-through'}
                        title={`${col.name} ${col.type}: ${col.read ? 'visible' : 'hidden'}${col.write ? ', writable' : ''}`}
                        data-visible={col.read}
                      >
                        {col.name}
                      </Badge>
                    ))}
                  </Group>
                </Paper>
              );
            })}
          </Stack>
        );
      })}
    </Stack>
  );
}
