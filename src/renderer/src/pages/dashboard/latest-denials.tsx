import { Anchor, Table, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import type { AuditEntry } from '../../api/queries';
import { formatDateTime, relativeTime } from '../../lib/format';

export function LatestDenials({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) {
    return (
      <Text size="sm" c="dimmed" py="md">
        No denials recently. When an agent asks for something it was not granted, it shows up here
        with the reason.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing={6} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={110}>When</Table.Th>
            <Table.Th w={140}>Who</Table.Th>
            <Table.Th>Reason</Table.Th>
            <Table.Th w={80} ta="right">
              Entry
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>
                <Tooltip label={formatDateTime(e.time)}>
                  <Text size="sm">{relativeTime(e.time)}</Text>
                </Tooltip>
              </Table.Td>
              <Table.Td>
                <Text size="sm" truncate>
                  {e.actor}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={1} title={e.reason ?? ''}>
                  {e.reason ?? e.action}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                <Anchor component={Link} to={`/audit?entry=${e.id}`} size="sm">
                  #{e.id}
                </Anchor>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
