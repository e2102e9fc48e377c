/** Whether questions will work right now, and if not, the steps that fix it (Settings for the address and model). */
import { Alert, Anchor, Badge, Button, Group, List, Skeleton, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { IconAlert, IconCheck, IconRefresh } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { ollamaBanner } from '../../lib/ask-model';

export const OLLAMA_STATUS_KEY = ['ollama-status'] as const;

export function useOllamaStatus() {
  return useQuery({
    queryKey: OLLAMA_STATUS_KEY,
    queryFn: () => api.ollamaStatus({}),
    staleTime: 10_000,
    // Opening the page checks again: Ollama may have been started meanwhile.
    refetchOnMount: 'always',
  });
}

export function OllamaBanner() {
  const status = useOllamaStatus();
  if (status.error)
    return (
      <ProblemAlert
        error={status.error}
        title="Could not ask Ollama for its status"
        onRetry={() => void status.refetch()}
      />
    );
  if (!status.data) return <Skeleton h={36} radius="md" />;
  const s = status.data;
  const banner = ollamaBanner(s);
  const again = (
    <Button
      size="compact-xs"
      variant="subtle"
      leftSection={<IconRefresh size={12} />}
      onClick={() => void status.refetch()}
      loading={status.isFetching}
      data-testid="ollama-check-again"
    >
      Check again
    </Button>
  );
  if (banner.kind === 'ready') {
    return (
      <Group gap="xs" data-testid="ollama-banner" data-kind="ready">
        <Badge color="teal" variant="light" leftSection={<IconCheck size={12} />} tt="none">
          {banner.title}
        </Badge>
        <Text size="xs" c="dimmed">
          at {s.url} · runs on this machine, nothing leaves it
        </Text>
        <Anchor component={Link} to="/settings" size="xs">
          Change model
        </Anchor>
      </Group>
    );
  }
  return (
    <Alert
      color="orange"
      variant="light"
      icon={<IconAlert />}
      title={banner.title}
      data-testid="ollama-banner"
      data-kind={banner.kind}
    >
      <Text size="sm" mb={6}>
        {banner.kind === 'down'
          ? 'Questions need Ollama running on this machine. Until then you can still write SQL in the Workbench.'
          : banner.kind === 'no-model'
            ? `Ollama is running${s.version ? ` (version ${s.version})` : ''}, but not with the model Airlock is set to use.`
            : 'Questions will fail until this is fixed.'}
      </Text>
      {s.guidance.length ? (
        <List size="sm" spacing={2} data-testid="ollama-guidance">
          {s.guidance.map((g) => (
            <List.Item key={g}>{g}</List.Item>
          ))}
        </List>
      ) : null}
      {s.models.length && banner.kind === 'no-model' ? (
        <Text size="sm" mt={6}>
          Installed: {s.models.map((m) => m.name).join(', ')} — pick one in Settings.
        </Text>
      ) : null}
      <Group gap="sm" mt="xs">
        <Button component={Link} to="/settings" size="xs" variant="light" color="orange">
          Open Settings (address and model)
        </Button>
        {again}
      </Group>
    </Alert>
  );
}
