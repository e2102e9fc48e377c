/** Tables & columns: pick a table of the connection, describe it and its columns, list synonyms and typical values. */
import {
  Box,
  Group,
  NavLink,
  ScrollArea,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import type { TableSchema } from '../../api/queries';
import { ProblemAlert } from '../../components/problem-alert';
import { IconSearch } from '../../components/icons';
import {
  findColumn,
  findTable,
  updateColumn,
  updateTable,
  valuesFromTags,
  type Layer,
} from '../../lib/semantic-layer-model';

export function TablesTab({
  layer,
  onChange,
  tables,
  loading,
  error,
}: {
  layer: Layer;
  onChange: (l: Layer) => void;
  tables: TableSchema[];
  loading: boolean;
  error: unknown;
}) {
  const [filter, setFilter] = useState('');
  const [picked, setPicked] = useState<string | null>(null);
  // The schema's tables, plus any the layer names that the schema no longer has (saving says so).
  const names = useMemo(() => {
    const all = tables.map((t) => t.name);
    for (const t of layer.tables)
      if (!all.some((n) => n.toLowerCase() === t.name.toLowerCase())) all.push(t.name);
    return all;
  }, [tables, layer.tables]);
  const shown = names.filter((n) => n.toLowerCase().includes(filter.trim().toLowerCase()));
  const current = picked ?? names[0] ?? null;

  if (error)
    return <ProblemAlert error={error} title="The connection's tables could not be read" />;
  if (!names.length)
    return (
      <Text size="sm" c="dimmed" py="md">
        {loading ? 'Reading the tables…' : 'This connection has no tables to describe.'}
      </Text>
    );

  return (
    <Group align="flex-start" gap="md" wrap="nowrap">
      <Stack gap={6} w={230} style={{ flex: 'none' }}>
        <TextInput
          size="xs"
          placeholder="Find a table"
          leftSection={<IconSearch size={12} />}
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
          aria-label="Find a table"
        />
        <ScrollArea.Autosize mah={520} type="auto">
          <Stack gap={0} component="nav" aria-label="Tables">
            {shown.map((n) => {
              const entry = findTable(layer, n);
              const described = Boolean(
                entry?.description || entry?.synonyms?.length || entry?.columns?.length,
              );
              const missing = !tables.some((t) => t.name.toLowerCase() === n.toLowerCase());
              return (
                <NavLink
                  key={n}
                  component="button"
                  type="button"
                  label={n}
                  active={current === n}
                  onClick={() => setPicked(n)}
                  description={
                    missing ? 'not in the database' : described ? 'described' : undefined
                  }
                  color={missing ? 'red' : undefined}
                  styles={{ root: { borderRadius: 'var(--mantine-radius-sm)' } }}
                  data-testid={`semantic-table-${n}`}
                />
              );
            })}
            {shown.length === 0 ? (
              <Text size="xs" c="dimmed" p="xs">
                No table matches “{filter}”.
              </Text>
            ) : null}
          </Stack>
        </ScrollArea.Autosize>
      </Stack>
      {current ? (
        <TableDetail
          key={current}
          layer={layer}
          onChange={onChange}
          table={current}
          columns={tables.find((t) => t.name === current)?.columns ?? []}
        />
      ) : null}
    </Group>
  );
}

function TableDetail({
  layer,
  onChange,
  table,
  columns,
}: {
  layer: Layer;
  onChange: (l: Layer) => void;
  table: string;
  columns: { name: string; type: string }[];
}) {
  const entry = findTable(layer, table);
  // Columns the layer names that the schema lacks stay visible (saving points at them).
  const all = [...columns];
  for (const c of entry?.columns ?? [])
    if (!all.some((x) => x.name.toLowerCase() === c.name.toLowerCase()))
      all.push({ name: c.name, type: '(not in the database)' });
  return (
    <Stack gap="sm" style={{ flex: 1, minWidth: 0 }}>
      <Text fw={700}>{table}</Text>
      <Textarea
        label="What a row is"
        placeholder="e.g. One row per order a customer placed; cancelled orders stay with status ‘cancelled’."
        autosize
        minRows={2}
        value={entry?.description ?? ''}
        onChange={(e) =>
          onChange(updateTable(layer, table, { description: e.currentTarget.value }))
        }
        data-testid="semantic-table-description"
      />
      <TagsInput
        label="Synonyms"
        description="Words people use for this table (Enter after each)"
        placeholder="e.g. purchases, sales"
        value={entry?.synonyms ?? []}
        onChange={(v) => onChange(updateTable(layer, table, { synonyms: v }))}
        data-testid="semantic-table-synonyms"
      />
      <Box style={{ overflowX: 'auto' }}>
        <Table verticalSpacing={4} striped highlightOnHover={false} miw={720}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={170}>Column</Table.Th>
              <Table.Th>Description</Table.Th>
              <Table.Th w={200}>Synonyms</Table.Th>
              <Table.Th w={220}>Typical values</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {all.map((c) => {
              const col = findColumn(layer, table, c.name);
              return (
                <Table.Tr key={c.name}>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {c.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {c.type}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      size="xs"
                      value={col?.description ?? ''}
                      placeholder="What it means, units…"
                      aria-label={`Description of ${c.name}`}
                      onChange={(e) =>
                        onChange(
                          updateColumn(layer, table, c.name, {
                            description: e.currentTarget.value,
                          }),
                        )
                      }
                      data-testid={`semantic-column-${c.name}-description`}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TagsInput
                      size="xs"
                      value={col?.synonyms ?? []}
                      aria-label={`Synonyms of ${c.name}`}
                      onChange={(v) =>
                        onChange(updateColumn(layer, table, c.name, { synonyms: v }))
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    <TagsInput
                      size="xs"
                      value={(col?.values ?? []).map(String)}
                      aria-label={`Typical values of ${c.name}`}
                      onChange={(v) =>
                        onChange(
                          updateColumn(layer, table, c.name, {
                            values: valuesFromTags(v, col?.values),
                          }),
                        )
                      }
                    />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Box>
      <Text size="xs" c="dimmed">
        Typical values help the model filter correctly (a status column’s states, say). Airlock also
        samples values itself, only from columns the asker may read.
      </Text>
    </Stack>
  );
}
