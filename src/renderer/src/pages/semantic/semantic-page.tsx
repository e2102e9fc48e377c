/**
 * The semantic layer editor of one connection: what the tables and columns mean, their
 * synonyms and typical values, join paths the database does not declare, named metrics and
 * verified question → SQL examples. Saved whole (the core checks every name and statement and
 * answers with paths, shown here by name); imported and exported as YAML.
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  FileButton,
  Group,
  List,
  Paper,
  Select,
  Skeleton,
  Tabs,
  Text,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api } from '../../api/api';
import { useConnections, useSchema } from '../../api/queries';
import { downloadBlob } from '../../components/download';
import { EmptyHint } from '../../components/empty-hint';
import { IconAlert, IconDatabase, IconDownload } from '../../components/icons';
import { Page } from '../../components/page';
import { PageLoader } from '../../components/page-loader';
import { ProblemAlert } from '../../components/problem-alert';
import {
  describePath,
  emptyLayer,
  pruneLayer,
  layerIssues,
  tabOf,
  type Issue,
  type Layer,
} from '../../lib/semantic-layer-model';
import { ExamplesTab, MetricsTab, RelationshipsTab } from './lists-tabs';
import { TablesTab } from './tables-tab';

type Tab = 'tables' | 'relationships' | 'metrics' | 'examples';

export default function SemanticPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const connections = useConnections();
  const queryClient = useQueryClient();
  const key = ['semantic-layer', name];
  const stored = useQuery({
    queryKey: key,
    queryFn: () => api.getSemanticLayer({ connection: name }),
    enabled: Boolean(name),
  });
  const schema = useSchema(name);
  const [draft, setDraft] = useState<Layer | null>(null);
  const [tab, setTab] = useState<Tab>('tables');
  /** Problems from the last save or import, with the layer they refer to. */
  const [problems, setProblems] = useState<{ issues: Issue[]; layer: Layer; title: string } | null>(
    null,
  );
  const [failure, setFailure] = useState<unknown>(null);

  const revision = stored.data?.revision;
  useEffect(() => {
    if (stored.data) setDraft(stored.data.layer);
  }, [stored.data]);

  const dirty = useMemo(
    () =>
      draft !== null &&
      stored.data !== undefined &&
      JSON.stringify(pruneLayer(draft)) !== JSON.stringify(pruneLayer(stored.data.layer)),
    [draft, stored.data],
  );

  const onFailure = (e: unknown, layer: Layer, title: string) => {
    if (e instanceof ApiError && e.code === 'VALIDATION_FAILED') {
      const issues = layerIssues(e);
      setProblems({ issues, layer, title });
      setFailure(null);
      const first = tabOf(issues[0]?.path ?? '');
      if (first) setTab(first);
    } else {
      setFailure(e);
      setProblems(null);
    }
  };
  const accepted = (s: { layer: Layer; revision: number }, title: string) => {
    queryClient.setQueryData(key, s);
    setProblems(null);
    setFailure(null);
    notifications.show({
      color: 'teal',
      title,
      message: `Revision ${s.revision}; the next question on ${name} uses it.`,
    });
  };

  const save = useMutation({
    mutationFn: (layer: Layer) => api.putSemanticLayer({ connection: name, layer }),
    onSuccess: (s) => accepted(s, 'Semantic layer saved'),
    onError: (e, layer) => onFailure(e, layer, 'Not saved — fix these first'),
  });
  const importYaml = useMutation({
    mutationFn: (yaml: string) => api.importSemanticLayer({ connection: name, yaml }),
    onSuccess: (s) => accepted(s, 'Semantic layer imported'),
    onError: (e) => onFailure(e, draft ?? emptyLayer(), 'Not imported — the file needs a fix'),
  });
  const exportYaml = useMutation({
    mutationFn: () => api.exportSemanticLayer({ connection: name }),
    onSuccess: ({ yaml }) =>
      downloadBlob(new Blob([yaml], { type: 'application/yaml' }), `${name}-semantic-layer.yaml`),
    onError: (e) => setFailure(e),
  });

  const list = connections.data ?? [];
  if (connections.isPending) return <PageLoader />;
  const connection = list.find((c) => c.name === name);
  if (!connection) {
    return (
      <Page title="Semantic layer">
        <EmptyHint
          icon={<IconDatabase size={28} />}
          title={list.length ? 'Pick a connection' : 'Connect a database first'}
          description={
            name
              ? `There is no connection named “${name}”.`
              : 'Each connection has its own semantic layer.'
          }
          action={
            list.length ? (
              <Group gap="xs">
                {list.map((c) => (
                  <Button
                    key={c.name}
                    variant="light"
                    onClick={() => navigate(`/semantic/${c.name}`)}
                  >
                    {c.name}
                  </Button>
                ))}
              </Group>
            ) : (
              <Button component={Link} to="/connections">
                Add a connection
              </Button>
            )
          }
        />
      </Page>
    );
  }

  const layer = draft;
  return (
    <Page
      title="Semantic layer"
      description="What your tables mean, in your words: the local model reads it to write better SQL. Nothing here grants access — an agent still sees only its grants."
      actions={
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <Select
            size="sm"
            label="Connection"
            data={list.map((c) => ({ value: c.name, label: `${c.name} · ${c.kind}` }))}
            value={name}
            onChange={(v) => v && navigate(`/semantic/${v}`)}
            allowDeselect={false}
            w={190}
            data-testid="semantic-connection"
          />
          <Tooltip
            label={
              dirty ? 'Downloads the saved layer — save first to include your changes' : 'YAML file'
            }
          >
            <Button
              variant="default"
              leftSection={<IconDownload size={14} />}
              onClick={() => exportYaml.mutate()}
              loading={exportYaml.isPending}
              data-testid="semantic-download"
            >
              Export YAML
            </Button>
          </Tooltip>
          <FileButton
            accept=".yaml,.yml,application/yaml,text/yaml,text/plain"
            onChange={(file) => {
              if (file) void file.text().then((text) => importYaml.mutate(text));
            }}
            inputProps={{ 'data-testid': 'semantic-upload' } as Record<string, string>}
          >
            {(props) => (
              <Tooltip label="Replaces the saved layer with the file's, after checking it">
                <Button variant="default" loading={importYaml.isPending} {...props}>
                  Import YAML
                </Button>
              </Tooltip>
            )}
          </FileButton>
        </Group>
      }
    >
      {stored.error ? (
        <ProblemAlert
          error={stored.error}
          title="The semantic layer could not be read"
          onRetry={() => void stored.refetch()}
        />
      ) : null}
      {failure ? <ProblemAlert error={failure} title="That did not work" /> : null}
      {problems ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlert />}
          title={problems.title}
          data-testid="semantic-issues"
          role="alert"
        >
          <List size="sm" spacing={2}>
            {problems.issues.map((issue, i) => (
              <List.Item key={i}>
                {issue.path ? (
                  <Text span fw={600} size="sm">
                    {describePath(issue.path, problems.layer)}:{' '}
                  </Text>
                ) : null}
                {issue.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      ) : null}
      {!layer ? (
        <Skeleton h={320} radius="md" />
      ) : (
        <Paper withBorder radius="md" p="md">
          <Group justify="space-between" mb="sm" wrap="nowrap">
            <Group gap={6}>
              <Badge color="gray" variant="light" tt="none">
                revision {revision}
              </Badge>
              {dirty ? (
                <Badge color="yellow" variant="light" tt="none" data-testid="semantic-dirty">
                  unsaved changes
                </Badge>
              ) : (
                <Text size="xs" c="dimmed">
                  all changes saved
                </Text>
              )}
            </Group>
            <Group gap="xs">
              <Button
                variant="default"
                size="xs"
                disabled={!dirty}
                onClick={() => {
                  setDraft(stored.data?.layer ?? emptyLayer());
                  setProblems(null);
                }}
              >
                Discard changes
              </Button>
              <Button
                size="xs"
                disabled={!dirty}
                loading={save.isPending}
                onClick={() => save.mutate(pruneLayer(layer))}
                data-testid="semantic-save"
              >
                Save
              </Button>
            </Group>
          </Group>
          <Tabs value={tab} onChange={(v) => v && setTab(v as Tab)} keepMounted={false}>
            <Tabs.List mb="md">
              <Tabs.Tab value="tables" data-testid="semantic-tab-tables">
                Tables & columns ({layer.tables.length})
              </Tabs.Tab>
              <Tabs.Tab value="relationships" data-testid="semantic-tab-relationships">
                Relationships ({layer.relationships.length})
              </Tabs.Tab>
              <Tabs.Tab value="metrics" data-testid="semantic-tab-metrics">
                Metrics ({layer.metrics.length})
              </Tabs.Tab>
              <Tabs.Tab value="examples" data-testid="semantic-tab-examples">
                Verified examples ({layer.examples.length})
              </Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="tables">
              <TablesTab
                layer={layer}
                onChange={setDraft}
                tables={schema.data?.tables ?? []}
                loading={schema.isPending}
                error={schema.error}
              />
            </Tabs.Panel>
            <Tabs.Panel value="relationships">
              <RelationshipsTab
                layer={layer}
                onChange={setDraft}
                tables={schema.data?.tables ?? []}
              />
            </Tabs.Panel>
            <Tabs.Panel value="metrics">
              <MetricsTab layer={layer} onChange={setDraft} />
            </Tabs.Panel>
            <Tabs.Panel value="examples">
              <ExamplesTab layer={layer} onChange={setDraft} connection={name} />
            </Tabs.Panel>
          </Tabs>
        </Paper>
      )}
      <Text size="xs" c="dimmed">
        Changes are checked against {name}’s schema when you save: every table and column must
        exist, and metrics and examples must be read-only statements.{' '}
        <Anchor component={Link} to="/ask" size="xs">
          Ask a question
        </Anchor>{' '}
        to try them.
      </Text>
    </Page>
  );
}
