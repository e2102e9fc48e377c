/** Relationships, metrics and verified examples: lists to add to, edit and remove from. */
import {
  ActionIcon,
  Anchor,
  Autocomplete,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Tooltip,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { TableSchema } from '../../api/queries';
import { IconPlus, IconTrash } from '../../components/icons';
import { SqlView } from '../../components/sql/sql-view';
import { relativeTime } from '../../lib/format';
import type { Layer } from '../../lib/semantic-layer-model';

type Props = { layer: Layer; onChange: (l: Layer) => void };

const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } };

function Remove({
  label,
  onClick,
  testId,
}: {
  label: string;
  onClick: () => void;
  testId?: string;
}) {
  return (
    <Tooltip label={label}>
      <ActionIcon
        variant="subtle"
        color="red"
        onClick={onClick}
        aria-label={label}
        data-testid={testId}
      >
        <IconTrash size={14} />
      </ActionIcon>
    </Tooltip>
  );
}

function replaceAt<T>(xs: T[], i: number, x: T): T[] {
  return xs.map((y, j) => (j === i ? x : y));
}

export function RelationshipsTab({ layer, onChange, tables }: Props & { tables: TableSchema[] }) {
  const refs = useMemo(
    () => tables.flatMap((t) => t.columns.map((c) => `${t.name}.${c.name}`)),
    [tables],
  );
  const set = (relationships: Layer['relationships']) => onChange({ ...layer, relationships });
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        Join paths the database does not declare as foreign keys, written as table.column.
      </Text>
      {layer.relationships.length === 0 ? (
        <Text size="sm" c="dimmed" fs="italic">
          None yet. Declared foreign keys are used already; add one only where the database has
          none.
        </Text>
      ) : null}
      {layer.relationships.map((r, i) => (
        <Group key={i} gap="xs" align="flex-end" wrap="nowrap">
          <Autocomplete
            label={i === 0 ? 'From' : undefined}
            aria-label={`Relationship ${i + 1} from`}
            placeholder="orders.customer_id"
            data={refs}
            limit={20}
            value={r.from}
            onChange={(v) => set(replaceAt(layer.relationships, i, { ...r, from: v }))}
            style={{ flex: 1 }}
            data-testid={`semantic-relationship-${i}-from`}
          />
          <Text pb={6} c="dimmed" aria-hidden>
            →
          </Text>
          <Autocomplete
            label={i === 0 ? 'To' : undefined}
            aria-label={`Relationship ${i + 1} to`}
            placeholder="customers.id"
            data={refs}
            limit={20}
            value={r.to}
            onChange={(v) => set(replaceAt(layer.relationships, i, { ...r, to: v }))}
            style={{ flex: 1 }}
            data-testid={`semantic-relationship-${i}-to`}
          />
          <TextInput
            label={i === 0 ? 'Description (optional)' : undefined}
            aria-label={`Relationship ${i + 1} description`}
            value={r.description ?? ''}
            onChange={(e) =>
              set(replaceAt(layer.relationships, i, { ...r, description: e.currentTarget.value }))
            }
            style={{ flex: 1.4 }}
          />
          <Remove
            label={`Remove relationship ${i + 1}`}
            onClick={() => set(layer.relationships.filter((_, j) => j !== i))}
          />
        </Group>
      ))}
      <Group>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={12} />}
          onClick={() => set([...layer.relationships, { from: '', to: '' }])}
          data-testid="semantic-add-relationship"
        >
          Add a relationship
        </Button>
      </Group>
    </Stack>
  );
}

export function MetricsTab({ layer, onChange }: Props) {
  const set = (metrics: Layer['metrics']) => onChange({ ...layer, metrics });
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        Named measures:{' '}
        <code>SELECT &lt;expression&gt; FROM &lt;from&gt; [WHERE &lt;filter&gt;]</code> computes
        each. The model uses them when a question names one.
      </Text>
      {layer.metrics.length === 0 ? (
        <Text size="sm" c="dimmed" fs="italic">
          No metrics yet — e.g. “revenue” = SUM(total) from orders where status is not cancelled.
        </Text>
      ) : null}
      {layer.metrics.map((m, i) => (
        <Paper key={i} withBorder p="sm" radius="md" data-testid={`semantic-metric-${i}`}>
          <Stack gap={6}>
            <Group gap="xs" align="flex-end" wrap="nowrap">
              <TextInput
                label="Name"
                value={m.name}
                onChange={(e) =>
                  set(replaceAt(layer.metrics, i, { ...m, name: e.currentTarget.value }))
                }
                w={200}
              />
              <TextInput
                label="Description"
                value={m.description ?? ''}
                onChange={(e) =>
                  set(replaceAt(layer.metrics, i, { ...m, description: e.currentTarget.value }))
                }
                style={{ flex: 1 }}
              />
              <Remove
                label={`Remove metric ${m.name || i + 1}`}
                onClick={() => set(layer.metrics.filter((_, j) => j !== i))}
              />
            </Group>
            <SimpleGrid cols={{ base: 1, md: 3 }} spacing="xs">
              <TextInput
                label="Expression"
                placeholder="SUM(total)"
                value={m.sql}
                onChange={(e) =>
                  set(replaceAt(layer.metrics, i, { ...m, sql: e.currentTarget.value }))
                }
                styles={mono}
              />
              <TextInput
                label="From"
                placeholder="orders"
                value={m.from}
                onChange={(e) =>
                  set(replaceAt(layer.metrics, i, { ...m, from: e.currentTarget.value }))
                }
                styles={mono}
              />
              <TextInput
                label="Filter (optional)"
                placeholder="status <> 'cancelled'"
                value={m.filter ?? ''}
                onChange={(e) =>
                  set(replaceAt(layer.metrics, i, { ...m, filter: e.currentTarget.value }))
                }
                styles={mono}
              />
            </SimpleGrid>
            <TagsInput
              label="Synonyms"
              value={m.synonyms ?? []}
              onChange={(v) => set(replaceAt(layer.metrics, i, { ...m, synonyms: v }))}
            />
          </Stack>
        </Paper>
      ))}
      <Group>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={12} />}
          onClick={() => set([...layer.metrics, { name: '', sql: '', from: '' }])}
          data-testid="semantic-add-metric"
        >
          Add a metric
        </Button>
      </Group>
    </Stack>
  );
}

export function ExamplesTab({ layer, onChange, connection }: Props & { connection: string }) {
  const [question, setQuestion] = useState('');
  const [sql, setSql] = useState('');
  const set = (examples: Layer['examples']) => onChange({ ...layer, examples });
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        Questions with SQL a person has checked. The model sees the most similar ones when it
        answers.{' '}
        <Anchor component={Link} to="/ask" size="sm">
          Ask
        </Anchor>{' '}
        adds them with “Save as verified example”.
      </Text>
      {layer.examples.length === 0 ? (
        <Text size="sm" c="dimmed" fs="italic">
          No verified examples for {connection} yet.
        </Text>
      ) : null}
      {layer.examples.map((e, i) => (
        <Paper key={i} withBorder p="sm" radius="md" data-testid={`semantic-example-${i}`}>
          <Group justify="space-between" align="flex-start" wrap="nowrap" mb={6}>
            <div>
              <Text size="sm" fw={600}>
                {e.question}
              </Text>
              {e.addedBy || e.addedAt ? (
                <Text size="xs" c="dimmed">
                  {[e.addedBy, e.addedAt ? relativeTime(e.addedAt) : null]
                    .filter(Boolean)
                    .join(' · ')}
                </Text>
              ) : null}
            </div>
            <Remove
              label={`Remove example ${i + 1}`}
              onClick={() => set(layer.examples.filter((_, j) => j !== i))}
              testId={`semantic-remove-example-${i}`}
            />
          </Group>
          <SqlView sql={e.sql} />
        </Paper>
      ))}
      <Paper withBorder p="sm" radius="md" bg="var(--mantine-color-default-hover)">
        <Stack gap={6}>
          <Text size="sm" fw={600}>
            Add an example
          </Text>
          <TextInput
            label="Question"
            value={question}
            onChange={(e) => setQuestion(e.currentTarget.value)}
            placeholder="Which customers ordered nothing this year?"
          />
          <Textarea
            label="SQL that answers it"
            autosize
            minRows={3}
            value={sql}
            onChange={(e) => setSql(e.currentTarget.value)}
            styles={mono}
          />
          <Group>
            <Button
              size="xs"
              variant="light"
              leftSection={<IconPlus size={12} />}
              disabled={!question.trim() || !sql.trim()}
              onClick={() => {
                set([
                  ...layer.examples.filter(
                    (x) => x.question.trim().toLowerCase() !== question.trim().toLowerCase(),
                  ),
                  { question: question.trim(), sql: sql.trim() },
                ]);
                setQuestion('');
                setSql('');
              }}
            >
              Add (then Save)
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}
