/** The workbench's table list: what the editor can complete, and a one-click preview per table. */
import {
  ActionIcon,
  Box,
  Collapse,
  Group,
  ScrollArea,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useState } from 'react';
import type { TableSchema } from '../../api/queries';
import { IconChevronDown, IconChevronRight, IconPlay, IconSearch } from '../../components/icons';

export function SchemaPanel({
  tables,
  loading,
  error,
  onPreview,
}: {
  tables: TableSchema[];
  loading: boolean;
  error?: unknown;
  onPreview: (table: string) => void;
}) {
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const [filter, setFilter] = useState('');
  const shown = tables.filter((t) => t.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <Stack gap={6} h="100%" style={{ minHeight: 0 }}>
      <TextInput
        size="xs"
        placeholder="Filter tables"
        leftSection={<IconSearch size={13} />}
        value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)}
        aria-label="Filter tables"
      />
      <ScrollArea style={{ flex: 1 }} type="auto" offsetScrollbars>
        {loading ? <Skeleton h={200} /> : null}
        {error ? (
          <Text size="xs" c="red" p={4}>
            The tables could not be read: {error instanceof Error ? error.message : String(error)}.
            Queries still run; completion is off until the schema loads (Connections → Refresh
            schema).
          </Text>
        ) : null}
        {shown.map((t) => {
          const expanded = open[t.name] ?? false;
          return (
            <Box key={t.name}>
              <Group gap={2} wrap="nowrap" className="schema-row">
                <UnstyledButton
                  onClick={() => setOpen({ ...open, [t.name]: !expanded })}
                  aria-expanded={expanded}
                  style={{
                    flex: 1,
                    minWidth: 0,
                    display: 'flex',
                    alignItems: 'center',
                    gap: 4,
                    padding: '3px 4px',
                    borderRadius: 4,
                  }}
                >
                  {expanded ? <IconChevronDown size={13} /> : <IconChevronRight size={13} />}
                  <Text size="sm" ff="monospace" truncate>
                    {t.name}
                  </Text>
                </UnstyledButton>
                <Tooltip label={`Preview ${t.name} (replaces the query)`}>
                  <ActionIcon
                    size="sm"
                    variant="subtle"
                    color="gray"
                    onClick={() => onPreview(t.name)}
                    aria-label={`Preview ${t.name}`}
                  >
                    <IconPlay size={12} />
                  </ActionIcon>
                </Tooltip>
              </Group>
              <Collapse expanded={expanded}>
                <Stack gap={0} pl={22} pb={4}>
                  {t.columns.map((c) => (
                    <Group key={c.name} gap={6} wrap="nowrap" justify="space-between" pr={6}>
                      <Text size="xs" ff="monospace" truncate>
                        {c.name}
                      </Text>
                      <Text size="10px" c="dimmed" tt="uppercase" style={{ flex: 'none' }}>
                        {c.type}
                      </Text>
                    </Group>
                  ))}
                </Stack>
              </Collapse>
            </Box>
          );
        })}
        {!loading && shown.length === 0 ? (
          <Text size="xs" c="dimmed" p={4}>
            {tables.length ? 'No table matches.' : 'No tables.'}
          </Text>
        ) : null}
      </ScrollArea>
    </Stack>
  );
}
