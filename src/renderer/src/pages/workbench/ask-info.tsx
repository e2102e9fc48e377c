/** What the model did for an answer: its explanation, a summary of the rows, and "keep this". */
import { Alert, Anchor, Button, Code, Group, List, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { IconBolt } from '../../components/icons';

export interface AskRecord {
  question: string;
  explanation?: string;
  summary?: string;
  model?: string;
  attempts?: number;
  auditId?: number | null;
  guidance?: string[];
  history?: { sql: string | null; error: { code: string; message: string } | null }[];
}

export function AskInfo({
  ask,
  connection,
  sql,
}: {
  ask: AskRecord;
  connection: string;
  sql: string | null;
}) {
  const save = useMutation({
    mutationFn: () =>
      api.addVerifiedExample({ connection, question: ask.question, sql: sql ?? '' }),
    onSuccess: () =>
      notifications.show({
        color: 'teal',
        title: 'Saved as a verified example',
        message: `Similar questions on ${connection} will learn from it.`,
      }),
    onError: (e) =>
      notifications.show({
        color: 'red',
        title: 'Not saved',
        message: e instanceof Error ? e.message : String(e),
      }),
  });
  return (
    <Alert
      color="airlock"
      variant="light"
      icon={<IconBolt />}
      title={`“${ask.question}”`}
      p="xs"
      radius={0}
      data-testid="ask-info"
    >
      <Stack gap={4}>
        {ask.explanation ? <Text size="sm">{ask.explanation}</Text> : null}
        {ask.summary ? (
          <Text size="xs" c="dimmed">
            {ask.summary}
          </Text>
        ) : null}
        <Group gap="sm">
          {ask.model ? (
            <Text size="xs" c="dimmed">
              {ask.model} · {ask.attempts ?? 1} model call{ask.attempts === 1 ? '' : 's'}
            </Text>
          ) : null}
          {ask.auditId ? (
            <Anchor component={Link} to={`/audit?entry=${ask.auditId}`} size="xs">
              audit #{ask.auditId}
            </Anchor>
          ) : null}
          {sql ? (
            <Button
              size="compact-xs"
              variant="subtle"
              onClick={() => save.mutate()}
              loading={save.isPending}
              data-testid="save-example"
            >
              Save as verified example
            </Button>
          ) : null}
        </Group>
      </Stack>
    </Alert>
  );
}

/** For a failed ask: the steps that fix Ollama, and what the model tried. */
export function AskTrouble({ ask }: { ask: AskRecord }) {
  return (
    <Stack gap="xs" mt="sm">
      {ask.guidance?.length ? (
        <List size="sm" spacing={2} data-testid="ask-guidance">
          {ask.guidance.map((g) => (
            <List.Item key={g}>{g}</List.Item>
          ))}
        </List>
      ) : null}
      {ask.history?.length ? (
        <Stack gap={4}>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            What the model tried
          </Text>
          {ask.history.map((h, i) => (
            <Text key={i} size="xs">
              <Code>{h.sql ?? '(no SQL)'}</Code>{' '}
              {h.error ? `— ${h.error.code}: ${h.error.message}` : '— ran'}
            </Text>
          ))}
        </Stack>
      ) : null}
    </Stack>
  );
}
