/** One audit entry in full: who, what, the statement, the decision with its rule and reason. */
import { Button, Code, Drawer, Group, SimpleGrid, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/api';
import { keys } from '../../api/queries';
import { CopyIcon } from '../../components/copy-text';
import { IconChevronLeft, IconChevronRight } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { SqlView } from '../../components/sql/sql-view';
import { StatusBadge } from '../../components/status-badge';
import { formatDateTime, formatMs } from '../../lib/format';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children ?? '—'}
      </Text>
    </div>
  );
}

export function EntryDrawer({
  id,
  onClose,
  onNavigate,
}: {
  id: number | null;
  onClose: () => void;
  onNavigate: (id: number) => void;
}) {
  const entry = useQuery({
    queryKey: keys.auditEntry(id ?? 0),
    queryFn: () => api.auditEntry({ id: id! }),
    enabled: id !== null,
  });
  const e = entry.data;
  return (
    <Drawer
      opened={id !== null}
      onClose={onClose}
      position="right"
      size={620}
      title={
        // Drawer.Title is already the dialog's heading (h2): plain text inside it.
        <Group gap="sm" component="span">
          <Text component="span" fw={650} fz="lg">
            Audit entry #{id}
          </Text>
          {e ? <StatusBadge status={e.status} /> : null}
        </Group>
      }
      data-testid="audit-drawer"
    >
      {entry.error ? (
        <ProblemAlert error={entry.error} title={`Entry #${id} could not be read`} />
      ) : null}
      {entry.isPending && id !== null ? <Skeleton h={300} /> : null}
      {e ? (
        <Stack gap="lg">
          <SimpleGrid cols={2} spacing="md">
            <Field label="Time">{formatDateTime(e.time)}</Field>
            <Field label="Who">{e.actor}</Field>
            <Field label="Action">{e.action}</Field>
            <Field label="Connection">{e.connection}</Field>
            <Field label="Rows">{e.rowCount ?? '—'}</Field>
            <Field label="Latency">{e.latencyMs === null ? '—' : formatMs(e.latencyMs)}</Field>
          </SimpleGrid>

          <Stack gap={6}>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
              Decision
            </Text>
            <Group gap="sm">
              <Code c={e.decision === 'deny' ? 'red' : e.decision === 'allow' ? 'teal' : undefined}>
                {e.decision ?? 'none'}
              </Code>
              {e.rule ? (
                <Text size="sm">
                  rule <Code>{e.rule}</Code>
                </Text>
              ) : null}
            </Group>
            {e.reason ? (
              <Text size="sm" data-testid="audit-reason">
                {e.reason}
              </Text>
            ) : null}
          </Stack>

          {e.statement ? (
            <Stack gap={6}>
              <Group justify="space-between">
                <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
                  Statement
                </Text>
                <CopyIcon text={e.statement} label="Copy statement" />
              </Group>
              <SqlView sql={e.statement} />
              {e.paramsHash ? (
                <Text size="xs" c="dimmed">
                  parameters hash <Code>{e.paramsHash.slice(0, 16)}…</Code>
                </Text>
              ) : null}
            </Stack>
          ) : null}

          {e.details && Object.keys(e.details).length > 0 ? (
            <Stack gap={6}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
                Details
              </Text>
              <Code block>{JSON.stringify(e.details, null, 2)}</Code>
            </Stack>
          ) : null}

          <Stack gap={4}>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
              Chain hash
            </Text>
            <Group gap={4} wrap="nowrap">
              <Code style={{ wordBreak: 'break-all' }}>{e.chainHash}</Code>
              <CopyIcon text={e.chainHash} label="Copy chain hash" />
            </Group>
          </Stack>

          <Group justify="space-between">
            <Button
              variant="default"
              size="xs"
              leftSection={<IconChevronLeft size={14} />}
              disabled={e.id <= 1}
              onClick={() => onNavigate(e.id - 1)}
            >
              Older entry
            </Button>
            <Button
              variant="default"
              size="xs"
              rightSection={<IconChevronRight size={14} />}
              onClick={() => onNavigate(e.id + 1)}
            >
              Newer entry
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Drawer>
  );
}
