/**
 * One answer: the question, the model's explanation, the summary computed from the rows, the
 * SQL (read-only, or in the editor to change and re-run through the same guard and audit),
 * the attempts, "save as verified example", and the rows as grid or chart with export.
 */
import {
  Anchor,
  Badge,
  Box,
  Button,
  Code,
  Collapse,
  Group,
  Kbd,
  Paper,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { useConnections, useSchema } from '../../api/queries';
import { IconCheck, IconChevronDown, IconChevronRight, IconPlay } from '../../components/icons';
import { PageLoader } from '../../components/page-loader';
import { SqlView } from '../../components/sql/sql-view';
import { formatMs } from '../../lib/format';
import { ResultPanel } from '../workbench/result-panel';
import {
  answerOutcome,
  attemptsLine,
  type AskSuccess,
  type QueryOutcome,
} from '../../lib/ask-model';
import type { AskedRecord } from './ask-page';

const SqlEditor = lazy(() => import('../../components/sql/sql-editor'));

export function AnswerCard({ asked, answer }: { asked: AskedRecord; answer: AskSuccess }) {
  const queryClient = useQueryClient();
  const connections = useConnections();
  const schema = useSchema(asked.connection);
  const kind = connections.data?.find((c) => c.name === asked.connection)?.kind;
  /** The SQL being edited (null: showing the answer's, read-only). */
  const [draft, setDraft] = useState<string | null>(null);
  /** The last edited statement that was run, and what it gave. */
  const [rerun, setRerun] = useState<{ sql: string; outcome: QueryOutcome } | null>(null);
  const [showAttempts, setShowAttempts] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  const run = useMutation({
    mutationFn: (sql: string) =>
      api.runQuery({
        connection: asked.connection,
        sql,
        ...(asked.asAgent ? { asAgent: asked.asAgent } : {}),
      }),
    onSuccess: (outcome, sql) => setRerun({ sql, outcome }),
  });
  const shownSql = rerun?.sql ?? answer.sql;
  const outcome = rerun?.outcome ?? answerOutcome(answer);
  // Only SQL that ran and gave rows is worth keeping as an example.
  const savable = outcome.ok;

  const save = useMutation({
    mutationFn: () =>
      api.addVerifiedExample({
        connection: asked.connection,
        question: asked.question,
        sql: shownSql,
      }),
    onSuccess: (stored) => {
      setSaved(shownSql);
      queryClient.setQueryData(['semantic-layer', asked.connection], stored);
      void queryClient.invalidateQueries({ queryKey: ['semantic-layer', asked.connection] });
      notifications.show({
        color: 'teal',
        title: 'Saved as a verified example',
        message: `Similar questions on ${asked.connection} will learn from it.`,
      });
    },
    onError: (e) =>
      notifications.show({
        color: 'red',
        title: 'Not saved',
        message: e instanceof Error ? e.message : String(e),
      }),
  });
  const execute = () => {
    if (draft?.trim() && !run.isPending) run.mutate(draft.trim());
  };
  const completion = Object.fromEntries(
    (schema.data?.tables ?? []).map((t) => [t.name, t.columns.map((c) => c.name)]),
  );

  return (
    <Stack gap="sm" data-testid="ask-answer">
      <Paper withBorder radius="md" p="md">
        <Stack gap="sm">
          <Group justify="space-between" align="flex-start" wrap="nowrap">
            <Title order={3} fz="lg" data-testid="ask-answer-question">
              “{asked.question}”
            </Title>
            <Group gap={6} wrap="nowrap">
              {asked.asAgentName ? (
                <Badge variant="light" tt="none">
                  as {asked.asAgentName}
                </Badge>
              ) : null}
              <Badge variant="light" color="gray" tt="none">
                {asked.connection}
              </Badge>
            </Group>
          </Group>
          <Box>
            <Text size="xs" fw={700} c="dimmed" tt="uppercase">
              What the query does
            </Text>
            <Text size="sm" data-testid="ask-explanation">
              {answer.explanation || 'The model gave no explanation.'}
            </Text>
          </Box>
          <Box>
            <Text size="xs" fw={700} c="dimmed" tt="uppercase">
              What the rows say{' '}
              <Text span size="xs" c="dimmed" fw={400} tt="none">
                (computed from the rows, not written by the model)
              </Text>
            </Text>
            <Text size="sm" data-testid="ask-summary">
              {rerun
                ? 'The summary describes the answer’s rows; the grid below shows your edited query.'
                : answer.summary}
            </Text>
          </Box>

          <Box>
            <Group justify="space-between" mb={4}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                {draft !== null
                  ? 'Edit the SQL, then run it'
                  : rerun
                    ? 'Your edited SQL'
                    : 'The SQL the model wrote'}
              </Text>
              {draft === null ? (
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => setDraft(shownSql)}
                  data-testid="ask-edit"
                >
                  Edit and re-run
                </Button>
              ) : null}
            </Group>
            {draft === null ? (
              <SqlView sql={shownSql} />
            ) : (
              <Stack gap={6}>
                <Box
                  h={160}
                  style={{
                    border: '1px solid var(--mantine-color-default-border)',
                    borderRadius: 'var(--mantine-radius-sm)',
                    overflow: 'hidden',
                  }}
                  data-testid="ask-editor"
                >
                  <Suspense fallback={<PageLoader />}>
                    <SqlEditor
                      value={draft}
                      onChange={setDraft}
                      onRun={execute}
                      schema={completion}
                      dialectKind={kind}
                    />
                  </Suspense>
                </Box>
                <Group gap="xs">
                  <Button
                    size="xs"
                    leftSection={<IconPlay size={12} />}
                    onClick={execute}
                    loading={run.isPending}
                    disabled={!draft.trim()}
                    data-testid="ask-rerun"
                  >
                    Run
                  </Button>
                  <Button size="xs" variant="default" onClick={() => setDraft(null)}>
                    Close editor
                  </Button>
                  {rerun ? (
                    <Button
                      size="xs"
                      variant="subtle"
                      onClick={() => {
                        setRerun(null);
                        setDraft(null);
                      }}
                    >
                      Back to the model’s SQL
                    </Button>
                  ) : null}
                  <Text size="xs" c="dimmed">
                    <Kbd size="xs">Ctrl</Kbd>+<Kbd size="xs">Enter</Kbd> runs · same guard and audit
                    {asked.asAgentName ? `, as ${asked.asAgentName}` : ''}
                  </Text>
                </Group>
              </Stack>
            )}
          </Box>

          <Group justify="space-between" gap="xs">
            <Group gap="sm">
              <Anchor
                component="button"
                type="button"
                size="xs"
                c="dimmed"
                onClick={() => setShowAttempts((v) => !v)}
                aria-expanded={showAttempts}
                data-testid="ask-attempts"
              >
                <Group gap={2} wrap="nowrap">
                  {showAttempts ? <IconChevronDown size={12} /> : <IconChevronRight size={12} />}
                  {answer.model} · {attemptsLine(answer.attempts, answer.history)} ·{' '}
                  {formatMs(answer.elapsedMs)}
                </Group>
              </Anchor>
              <Anchor
                component={Link}
                to={`/audit?entry=${answer.auditId}`}
                size="xs"
                data-testid="ask-audit-link"
              >
                Ask’s audit entry #{answer.auditId}
              </Anchor>
              {rerun?.outcome.auditId ? (
                <Anchor component={Link} to={`/audit?entry=${rerun.outcome.auditId}`} size="xs">
                  edited run #{rerun.outcome.auditId}
                </Anchor>
              ) : null}
            </Group>
            <Button
              size="xs"
              variant={saved === shownSql ? 'light' : 'filled'}
              color="teal"
              leftSection={saved === shownSql ? <IconCheck size={12} /> : undefined}
              onClick={() => save.mutate()}
              loading={save.isPending}
              disabled={!savable || saved === shownSql}
              title={
                savable
                  ? 'Keep this question and SQL: the model sees it for similar questions'
                  : 'Only SQL that ran can be kept'
              }
              data-testid="ask-save-example"
            >
              {saved === shownSql ? 'Saved as verified example' : 'Save as verified example'}
            </Button>
          </Group>
          <Collapse expanded={showAttempts}>
            <Stack gap={4} data-testid="ask-attempt-list">
              {answer.linkedTables.length ? (
                <Text size="xs" c="dimmed">
                  Tables shown to the model: {answer.linkedTables.join(', ')}
                </Text>
              ) : null}
              {answer.history.map((h, i) => (
                <Group key={i} gap={6} wrap="nowrap" align="flex-start">
                  <Badge
                    size="xs"
                    variant="light"
                    color={h.error ? 'orange' : 'teal'}
                    style={{ flex: 'none' }}
                  >
                    {h.error ? 'refused' : 'ran'}
                  </Badge>
                  <Text size="xs" style={{ minWidth: 0 }}>
                    <Code>{h.sql ?? '(no SQL)'}</Code>
                    {h.error ? ` — ${h.error.code}: ${h.error.message}` : ''}
                  </Text>
                </Group>
              ))}
            </Stack>
          </Collapse>
        </Stack>
      </Paper>

      <Paper
        withBorder
        radius="md"
        h={440}
        style={{ overflow: 'hidden', display: 'flex', flexDirection: 'column' }}
        data-testid="result-panel"
      >
        <ResultPanel
          run={{
            outcome,
            asAgentName: asked.asAgentName,
            connection: asked.connection,
            sql: shownSql,
          }}
          running={run.isPending}
          onExample={() => undefined}
          isDemo={false}
        />
      </Paper>
    </Stack>
  );
}
