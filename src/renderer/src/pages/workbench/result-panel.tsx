/** Below the editor: nothing yet, running, refused (with the reason), or rows as grid / chart. */
import {
  Alert,
  Anchor,
  Badge,
  Box,
  Center,
  Code,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { QueryOutcome } from '../../api/queries';
import { IconAlert, IconChart, IconCheck, IconLock, IconTable } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { classifyColumns } from '../../lib/chart-model';
import { formatCount, formatMs } from '../../lib/format';
import { DEMO_EXAMPLES } from './examples';
import { AskInfo, AskTrouble, type AskRecord } from './ask-info';
import { ExportMenu } from './export-menu';
import { ResultChart } from './result-chart';
import { ResultGrid } from './result-grid';

export interface RunRecord {
  /** Set when the statement came from a question in plain language. */
  ask?: AskRecord;
  sql?: string;
  outcome?: QueryOutcome;
  error?: unknown;
  asAgentName: string | null;
  connection: string;
}

export function ResultPanel({
  run,
  running,
  runningLabel = 'Running…',
  onExample,
  isDemo,
}: {
  run: RunRecord | null;
  running: boolean;
  runningLabel?: string;
  onExample: (example: { sql: string; maxRows?: number }) => void;
  isDemo: boolean;
}) {
  if (running) {
    return (
      <Center h="100%">
        <Group gap="xs">
          <Loader size="sm" />
          <Text c="dimmed" size="sm">
            {runningLabel}
          </Text>
        </Group>
      </Center>
    );
  }
  if (!run) {
    return (
      <Center h="100%" p="md">
        <Stack align="center" gap={6} maw={560}>
          <Text fw={600}>Write a query and press Ctrl/⌘+Enter</Text>
          <Text size="sm" c="dimmed" ta="center">
            Results appear here as a grid you can sort and export, or as a chart. Pick an agent
            under “Run as” to see exactly what it would get — or why it would be refused.
          </Text>
          {isDemo ? (
            <Group gap="xs" justify="center" mt="xs">
              {DEMO_EXAMPLES.map((e) => (
                <Anchor
                  key={e.label}
                  component="button"
                  type="button"
                  size="sm"
                  onClick={() => onExample(e)}
                >
                  {e.label}
                </Anchor>
              ))}
            </Group>
          ) : null}
        </Stack>
      </Center>
    );
  }
  if (run.error) return <ProblemAlert error={run.error} title="The query could not be sent" />;
  const outcome = run.outcome!;
  if (!outcome.ok) return <Refusal outcome={outcome} asAgentName={run.asAgentName} ask={run.ask} />;
  return (
    <>
      {run.ask ? <AskInfo ask={run.ask} connection={run.connection} sql={run.sql ?? null} /> : null}
      <Rows outcome={outcome} asAgentName={run.asAgentName} connection={run.connection} />
    </>
  );
}

function Refusal({
  outcome,
  asAgentName,
  ask,
}: {
  outcome: Extract<QueryOutcome, { ok: false }>;
  asAgentName: string | null;
  ask?: AskRecord;
}) {
  const denied =
    outcome.code === 'PERMISSION_DENIED' ||
    outcome.code === 'STATEMENT_NOT_ALLOWED' ||
    outcome.code === 'APPROVAL_REQUIRED';
  const title = denied
    ? asAgentName
      ? `${asAgentName} would be denied`
      : 'Denied'
    : asAgentName
      ? `The query failed for ${asAgentName}`
      : ask
        ? 'The question could not be answered'
        : 'The query failed';
  return (
    <Box p="md">
      <Alert
        color={denied ? 'red' : 'orange'}
        icon={denied ? <IconLock /> : <IconAlert />}
        title={title}
        data-testid="query-refusal"
      >
        <Text size="sm">{outcome.message}</Text>
        <Group gap="md" mt={8}>
          <Code>{outcome.code}</Code>
          {outcome.auditId ? (
            <Anchor
              component={Link}
              to={`/audit?entry=${outcome.auditId}`}
              size="sm"
              data-testid="refusal-audit-link"
            >
              Audit entry #{outcome.auditId}
            </Anchor>
          ) : null}
        </Group>
        {denied && asAgentName ? (
          <Text size="xs" c="dimmed" mt={8}>
            Change what {asAgentName} may see on the Agents page; the preview uses its grants
            exactly as its own requests would.
          </Text>
        ) : null}
        {ask ? <AskTrouble ask={ask} /> : null}
      </Alert>
    </Box>
  );
}

function Rows({
  outcome,
  asAgentName,
  connection,
}: {
  outcome: Extract<QueryOutcome, { ok: true }>;
  asAgentName: string | null;
  connection: string;
}) {
  const [view, setView] = useState<'grid' | 'chart'>('grid');
  const roles = useMemo(() => classifyColumns(outcome.columns, outcome.rows), [outcome]);
  const names = useMemo(() => outcome.columns.map((c) => c.name), [outcome]);
  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }}>
      <Group
        justify="space-between"
        px="sm"
        py={6}
        wrap="nowrap"
        style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
      >
        <Group gap="sm" wrap="nowrap">
          <SegmentedControl
            size="xs"
            value={view}
            onChange={(v) => setView(v as 'grid' | 'chart')}
            data={[
              {
                value: 'grid',
                label: (
                  <Group gap={4} wrap="nowrap">
                    <IconTable size={13} />
                    Grid
                  </Group>
                ),
              },
              {
                value: 'chart',
                label: (
                  <Group gap={4} wrap="nowrap">
                    <IconChart size={13} />
                    Chart
                  </Group>
                ),
              },
            ]}
            aria-label="Result view"
            data-testid="result-view"
          />
          <Group gap={6} wrap="nowrap" data-testid="result-status">
            <IconCheck size={14} color="var(--mantine-color-teal-6)" />
            <Text size="sm" fw={600} data-testid="row-count">
              {formatCount(outcome.rowCount)} {outcome.rowCount === 1 ? 'row' : 'rows'}
            </Text>
            <Text size="sm" c="dimmed">
              · {formatMs(outcome.elapsedMs)}
              {asAgentName ? ` · as ${asAgentName}` : ''}
            </Text>
            {outcome.truncated ? (
              <Tooltip label="The result hit a row or byte limit. Raise “Max rows” (up to the limits in Settings) to get more.">
                <Badge color="yellow" variant="light" data-testid="truncated">
                  truncated
                </Badge>
              </Tooltip>
            ) : null}
          </Group>
        </Group>
        <Group gap="sm" wrap="nowrap">
          <Anchor component={Link} to={`/audit?entry=${outcome.auditId}`} size="xs" c="dimmed">
            audit #{outcome.auditId}
          </Anchor>
          <ExportMenu columns={names} rows={outcome.rows} baseName={connection} />
        </Group>
      </Group>
      <Box
        style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}
        p={view === 'chart' ? 'sm' : 0}
      >
        {outcome.columns.length === 0 ? (
          <Text p="md" c="dimmed" size="sm">
            The statement returned no columns.
          </Text>
        ) : view === 'grid' ? (
          <ResultGrid
            key={outcome.auditId}
            columns={outcome.columns}
            rows={outcome.rows}
            roles={roles}
          />
        ) : (
          <ResultChart
            key={outcome.auditId}
            columns={outcome.columns}
            rows={outcome.rows}
            roles={roles}
          />
        )}
      </Box>
    </Stack>
  );
}
