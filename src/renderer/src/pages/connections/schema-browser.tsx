/** Tables on the left (filterable), the selected table's columns and types on the right. */
import {
  Badge,
  Box,
  Group,
  NavLink,
  Paper,
  ScrollArea,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { useSchema } from '../../api/queries';
import { IconSearch, IconTable } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';

export function SchemaBrowser({ connection }: { connection: string }) {
  const schema = useSchema(connection);
  const [filter, setFilter] = useState('');
  const [picked, setPicked] = useState<string | null>(null);
  const tables = useMemo(() => schema.data?.tables ?? [], [schema.data]);
  const shown = tables.filter((t) => t.name.toLowerCase().includes(filter.toLowerCase()));
  const selected = tables.find((t) => t.name === picked) ?? shown[0];

  if (schema.error)
    return (
      <ProblemAlert
        error={schema.error}
        title={`Could not read the schema of ${connection}`}
        onRetry={() => void schema.refetch()}
      />
    );
  if (schema.isPending) return <Skeleton h={320} />;
  if (tables.length === 0) {
    return (
      <Text c="dimmed" size="sm" py="lg">
        This database has no tables yet, or the account Airlock uses cannot see any. Create tables,
        or connect with an account that can read them, then press Refresh.
      </Text>
    );
  }

  return (
    <Group align="stretch" gap="md" wrap="nowrap" mih={360}>
      <Stack w={240} gap="xs" style={{ flex: 'none' }}>
        <TextInput
          size="xs"
          placeholder={`Filter ${tables.length} tables`}
          leftSection={<IconSearch size={14} />}
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
          aria-label="Filter tables"
        />
        <ScrollArea.Autosize mah={480} type="auto">
          <Stack gap={0} role="list" aria-label="Tables">
            {shown.map((t) => (
              <NavLink
                key={t.name}
                role="listitem"
                component="button"
                label={t.name}
                leftSection={<IconTable size={15} />}
                rightSection={
                  <Text size="xs" c="dimmed">
                    {t.columns.length}
                  </Text>
                }
                active={selected?.name === t.name}
                onClick={() => setPicked(t.name)}
                styles={{
                  root: { borderRadius: 6, paddingBlock: 5 },
                  label: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 },
                }}
                data-testid={`schema-table-${t.name}`}
              />
            ))}
            {shown.length === 0 ? (
              <Text size="xs" c="dimmed" p="xs">
                No table matches “{filter}”.
              </Text>
            ) : null}
          </Stack>
        </ScrollArea.Autosize>
      </Stack>
      {selected ? (
        <Paper withBorder radius="md" style={{ flex: 1, minWidth: 0 }}>
          <Group px="md" py="sm" justify="space-between">
            <Text fw={650} ff="monospace">
              {selected.name}
            </Text>
            <Badge variant="light" color="gray">
              {selected.columns.length} columns
            </Badge>
          </Group>
          <Box px="md" pb="md">
            <Table verticalSpacing={5} striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Column</Table.Th>
                  <Table.Th>Type</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {selected.columns.map((c) => (
                  <Table.Tr key={c.name}>
                    <Table.Td ff="monospace" fz="sm">
                      {c.name}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed" ff="monospace" tt="uppercase">
                        {c.type || 'any'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Box>
        </Paper>
      ) : null}
    </Group>
  );
}
