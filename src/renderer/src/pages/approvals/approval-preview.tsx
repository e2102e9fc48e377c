/**
 * What a pending write would do, from the dry run the server rolled back: how many rows it
 * changes, those rows as they are now (capped), and whether the write could be undone later.
 */
import { Badge, Group, Paper, Stack, Table, Text, Tooltip } from '@mantine/core';
import { cellText } from '../../lib/cell';
import { formatCount, plural } from '../../lib/format';
import type { Approval } from './approval-queries';

export function RevertableBadge({ preview }: { preview: Approval['preview'] }) {
  return preview.revertable ? (
    <Tooltip label="The rows as they were are kept, so the write can be reverted after it runs">
      <Badge color="teal" variant="light" size="sm" tt="none">
        Can be reverted
      </Badge>
    </Tooltip>
  ) : (
    <Tooltip label="Revert needs the rows' before-images, which only a table with a primary key gives">
      <Badge color="gray" variant="outline" size="sm" tt="none">
        Cannot be reverted
      </Badge>
    </Tooltip>
  );
}

function Cell({ value }: { value: unknown }) {
  if (value === null || value === undefined)
    return (
      <Text span size="xs" c="dimmed" ff="monospace">
        NULL
      </Text>
    );
  return <>{cellText(value)}</>;
}

export function ApprovalPreview({ approval }: { approval: Approval }) {
  const { preview } = approval;
  const before = preview.before;
  const shown = before?.rows.length ?? 0;
  return (
    <Stack gap={6} data-testid={`approval-preview-${approval.id}`}>
      <Group gap="sm" justify="space-between">
        <Text size="sm">
          Would change{' '}
          <Text span fw={700} data-testid="rows-affected">
            {plural(preview.rowsAffected, 'row')}
          </Text>
          {before && shown > 0 ? ', as they are now:' : null}
        </Text>
        <RevertableBadge preview={preview} />
      </Group>
      {before && shown > 0 ? (
        <Paper withBorder radius="sm">
          <Table.ScrollContainer minWidth={Math.min(900, before.columns.length * 120)} mah={280}>
            <Table
              striped
              withColumnBorders
              verticalSpacing={4}
              horizontalSpacing="sm"
              fz="sm"
              aria-label="The rows before the write"
              data-testid="before-images"
            >
              <Table.Thead>
                <Table.Tr>
                  {before.columns.map((c, i) => (
                    <Table.Th key={i} ff="monospace" fz="xs">
                      {c}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {before.rows.map((row, r) => (
                  <Table.Tr key={r}>
                    {before.columns.map((_, c) => (
                      <Table.Td key={c} style={{ whiteSpace: 'nowrap' }}>
                        <Cell value={row[c]} />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      {preview.beforeTruncated ? (
        <Text size="xs" c="dimmed" data-testid="before-truncated">
          Showing {formatCount(shown)} of {formatCount(preview.rowsAffected)} rows.
        </Text>
      ) : null}
      {!before && preview.rowsAffected > 0 ? (
        <Text size="xs" c="dimmed">
          The rows themselves are not shown: the table has no primary key, or they do not fit the
          preview.
        </Text>
      ) : null}
    </Stack>
  );
}
