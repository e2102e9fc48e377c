/**
 * The query workbench: pick a connection (and optionally an agent to run as), write SQL with
 * schema-aware completion, run with Ctrl/⌘+Enter, browse the result as a grid or a chart.
 */
import {
  Box,
  Button,
  Group,
  Kbd,
  NumberInput,
  Paper,
  Splitter,
  Tabs,
  Tooltip,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { useAgents, useConnections, useSchema, useSettings } from '../../api/queries';
import { EmptyHint } from '../../components/empty-hint';
import { IconDatabase, IconPlay } from '../../components/icons';
import { Page } from '../../components/page';
import { ME, PrincipalPickers } from '../../components/principal-pickers';
import { PageLoader } from '../../components/page-loader';
import { formatCount } from '../../lib/format';
import { remember, type HistoryEntry } from '../../lib/query-history';
import { HistoryPanel } from './history-panel';
import { agentStatus } from '../agents/agent-status';
import { AskBar } from './ask-bar';
import { ResultPanel, type RunRecord } from './result-panel';
import { SchemaPanel } from './schema-panel';
import { useStored } from './use-stored';

const SqlEditor = lazy(() => import('../../components/sql/sql-editor'));

export default function WorkbenchPage() {
  const connections = useConnections();
  const agents = useAgents();
  const settings = useSettings();
  const [storedConnection, setConnection] = useStored<string | null>(
    'airlock.workbench.connection',
    null,
  );
  const [sqlText, setSql] = useStored('airlock.workbench.sql', '');
  const [asAgent, setAsAgent] = useState<string>(ME);
  const [maxRows, setMaxRows] = useState<number | ''>('');
  const [run, setRun] = useState<RunRecord | null>(null);
  const [history, setHistory] = useStored<HistoryEntry[]>('airlock.workbench.history', []);
  const [side, setSide] = useState<string | null>('tables');

  const list = connections.data ?? [];
  const connection =
    list.find((c) => c.name === storedConnection) ?? list.find((c) => c.name === 'demo') ?? list[0];
  const schema = useSchema(connection?.name);
  const completion = useMemo(
    () =>
      Object.fromEntries(
        (schema.data?.tables ?? []).map((t) => [t.name, t.columns.map((c) => c.name)]),
      ),
    [schema.data],
  );
  const activeAgents = (agents.data ?? []).filter((a) => agentStatus(a) === 'active');
  const agentName =
    asAgent === ME ? null : (activeAgents.find((a) => a.id === asAgent)?.name ?? null);

  const query = useMutation({
    mutationFn: (statement: string) =>
      api.runQuery({
        connection: connection!.name,
        sql: statement,
        ...(asAgent !== ME ? { asAgent } : {}),
        ...(maxRows !== '' ? { maxRows } : {}),
      }),
    onSuccess: (outcome, statement) => {
      setRun({ outcome, asAgentName: agentName, connection: connection!.name });
      setHistory(
        remember(history, {
          sql: statement,
          connection: connection!.name,
          asAgent: agentName,
          at: new Date().toISOString(),
          result: outcome.ok
            ? 'ok'
            : outcome.code === 'PERMISSION_DENIED' || outcome.code === 'STATEMENT_NOT_ALLOWED'
              ? 'refused'
              : 'failed',
          rows: outcome.ok ? outcome.rowCount : null,
        }),
      );
    },
    onError: (error) =>
      setRun({ error, asAgentName: agentName, connection: connection?.name ?? '' }),
  });
  const ask = useMutation({
    mutationFn: (question: string) =>
      api.ask({ connection: connection!.name, question, ...(asAgent !== ME ? { asAgent } : {}) }),
    onSuccess: (answer, question) => {
      if (answer.ok) {
        setSql(answer.sql);
        setRun({
          outcome: {
            ok: true,
            columns: answer.columns,
            rows: answer.rows,
            rowCount: answer.rowCount,
            truncated: answer.truncated,
            auditId: answer.queryAuditId,
            elapsedMs: answer.elapsedMs,
          },
          sql: answer.sql,
          ask: {
            question,
            explanation: answer.explanation,
            summary: answer.summary,
            model: answer.model,
            attempts: answer.attempts,
            auditId: answer.auditId,
          },
          asAgentName: agentName,
          connection: connection!.name,
        });
      } else {
        setRun({
          outcome: {
            ok: false,
            code: answer.code,
            message: answer.message,
            auditId: answer.auditId,
          },
          ask: { question, guidance: answer.guidance ?? [], history: answer.history ?? [] },
          asAgentName: agentName,
          connection: connection!.name,
        });
      }
    },
    onError: (error) =>
      setRun({ error, asAgentName: agentName, connection: connection?.name ?? '' }),
  });
  const canRun = Boolean(connection) && sqlText.trim() !== '' && !query.isPending;
  const execute = (statement = sqlText) => {
    if (connection && statement.trim() && !query.isPending) query.mutate(statement.trim());
  };

  if (connections.isPending) return <PageLoader />;
  if (list.length === 0) {
    return (
      <Page title="Workbench">
        <EmptyHint
          icon={<IconDatabase size={28} />}
          title="Connect a database to start querying"
          description="The workbench runs SQL against a connection, through the same guard and audit as agents."
          action={
            <Button component={Link} to="/connections">
              Add a connection
            </Button>
          }
        />
      </Page>
    );
  }

  const defaultRows = settings.data?.limits.maxRows;
  return (
    <Page
      title="Workbench"
      description="Every query goes through the guard and the audit log, like an agent's."
      fill
      actions={
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <PrincipalPickers
            connections={list}
            connection={connection?.name ?? null}
            onConnection={setConnection}
            agents={activeAgents}
            asAgent={asAgent}
            onAsAgent={setAsAgent}
            asLabel="Run as"
            testIds={{ connection: 'wb-connection', asAgent: 'wb-run-as' }}
          />
          <NumberInput
            size="sm"
            label="Max rows"
            placeholder={defaultRows ? formatCount(defaultRows) : 'default'}
            value={maxRows}
            onChange={(v) => setMaxRows(typeof v === 'number' ? v : '')}
            min={1}
            max={1_000_000}
            step={1000}
            thousandSeparator=","
            w={120}
            data-testid="wb-max-rows"
          />
          <Tooltip
            label={
              <>
                Run <Kbd size="xs">Ctrl</Kbd>+<Kbd size="xs">Enter</Kbd>
              </>
            }
          >
            <Button
              leftSection={<IconPlay size={14} />}
              onClick={() => execute()}
              disabled={!canRun}
              loading={query.isPending}
              data-testid="wb-run"
            >
              Run
            </Button>
          </Tooltip>
        </Group>
      }
    >
      <Paper
        withBorder
        radius="md"
        style={{ flex: 1, minHeight: 0, overflow: 'hidden', display: 'flex' }}
      >
        <Box
          w={240}
          p="xs"
          visibleFrom="md"
          style={{
            flex: 'none',
            borderRight: '1px solid var(--mantine-color-default-border)',
            display: 'flex',
            flexDirection: 'column',
            minHeight: 0,
          }}
        >
          <Tabs value={side} onChange={setSide} variant="pills" radius="sm" mb={6}>
            <Tabs.List grow>
              <Tabs.Tab value="tables" fz="xs" py={4}>
                Tables
              </Tabs.Tab>
              <Tabs.Tab value="history" fz="xs" py={4} data-testid="wb-history-tab">
                History
              </Tabs.Tab>
            </Tabs.List>
          </Tabs>
          {side === 'history' ? (
            <HistoryPanel
              history={history}
              onPick={(h) => {
                if (list.some((c) => c.name === h.connection)) setConnection(h.connection);
                setSql(h.sql);
              }}
            />
          ) : (
            <SchemaPanel
              tables={schema.data?.tables ?? []}
              loading={schema.isPending && Boolean(connection)}
              error={schema.error}
              onPreview={(t) => {
                const statement = `SELECT * FROM ${/^[A-Za-z_][A-Za-z0-9_]*$/.test(t) ? t : `"${t.replace(/"/g, '""')}"`} LIMIT 200;`;
                setSql(statement);
                execute(statement);
              }}
            />
          )}
        </Box>
        <Splitter orientation="vertical" style={{ flex: 1, minWidth: 0 }}>
          <Splitter.Pane defaultSize={36} min={12}>
            <Box h="100%" style={{ display: 'flex', flexDirection: 'column', minHeight: 0 }}>
              <AskBar
                onAsk={(q) => ask.mutate(q)}
                asking={ask.isPending}
                disabled={!connection || query.isPending}
              />
              <Box style={{ flex: 1, minHeight: 0 }}>
                <Suspense fallback={<PageLoader />}>
                  <SqlEditor
                    value={sqlText}
                    onChange={setSql}
                    onRun={() => execute()}
                    schema={completion}
                    dialectKind={connection?.kind}
                  />
                </Suspense>
              </Box>
            </Box>
          </Splitter.Pane>
          <Splitter.Pane defaultSize={64} min={20}>
            <Box
              h="100%"
              style={{ display: 'flex', flexDirection: 'column', minHeight: 0 }}
              data-testid="result-panel"
            >
              <ResultPanel
                run={run}
                running={query.isPending || ask.isPending}
                runningLabel={
                  ask.isPending
                    ? 'Asking the local model… (it writes the SQL, Airlock checks and runs it)'
                    : 'Running…'
                }
                onExample={(e) => {
                  setSql(e.sql);
                  if (e.maxRows) setMaxRows(e.maxRows);
                }}
                isDemo={connection?.name === 'demo'}
              />
            </Box>
          </Splitter.Pane>
        </Splitter>
      </Paper>
    </Page>
  );
}
