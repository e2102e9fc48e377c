/** Whether plain-language questions will work: Ollama reachable, the model installed, and if not, how to fix it. */
import { Alert, Badge, Button, Group, List, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/api';
import { IconAlert, IconCheck, IconRefresh } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { formatBytes } from '../../lib/format';

export function OllamaStatusPanel({ onPickModel }: { onPickModel: (model: string) => void }) {
  const status = useQuery({
    queryKey: ['ollama-status'],
    queryFn: () => api.ollamaStatus({}),
    staleTime: 10_000,
  });
  if (status.error)
    return <ProblemAlert error={status.error} title="Could not ask Ollama for its status" />;
  if (!status.data) return <Skeleton h={60} />;
  const s = status.data;
  return (
    <Stack gap="xs" data-testid="ollama-status">
      <Group gap="xs">
        {s.problem ? (
          <Badge color="orange" leftSection={<IconAlert size={12} />} tt="none">
            questions will not work yet
          </Badge>
        ) : (
          <Badge color="teal" leftSection={<IconCheck size={12} />} tt="none">
            ready for questions
          </Badge>
        )}
        <Text size="xs" c="dimmed">
          {s.reachable ? `Ollama ${s.version ?? ''} at ${s.url}` : `nothing answers at ${s.url}`}
          {s.reachable
            ? ` · model ${s.model} ${s.modelPresent ? 'installed' : 'not installed'}`
            : ''}
        </Text>
        <Button
          size="compact-xs"
          variant="subtle"
          leftSection={<IconRefresh size={12} />}
          onClick={() => void status.refetch()}
          loading={status.isFetching}
        >
          Check again
        </Button>
      </Group>
      {s.problem ? (
        <Alert color="orange" variant="light" title={s.problem.message} p="sm">
          {s.guidance.length ? (
            <List size="sm" spacing={2}>
              {s.guidance.map((g) => (
                <List.Item key={g}>{g}</List.Item>
              ))}
            </List>
          ) : null}
        </Alert>
      ) : null}
      {s.models.length ? (
        <Group gap={6}>
          <Text size="xs" c="dimmed">
            Installed:
          </Text>
          {s.models.map((m) => (
            <Badge
              key={m.name}
              component="button"
              type="button"
              variant={m.name === s.model ? 'filled' : 'outline'}
              tt="none"
              style={{ cursor: 'pointer' }}
              onClick={() => onPickModel(m.name)}
              title={[m.parameterSize, m.quantization, m.size ? formatBytes(m.size) : null]
                .filter(Boolean)
                .join(' · ')}
            >
              {m.name}
            </Badge>
          ))}
        </Group>
      ) : null}
    </Stack>
  );
}
