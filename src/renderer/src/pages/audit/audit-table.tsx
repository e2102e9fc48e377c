import { Table, Text, Tooltip } from '@mantine/core';
import type { AuditEntry } from '../../api/queries';
import { StatusBadge } from '../../components/status-badge';
import { formatCount, formatDateTime, formatMs } from '../../lib/format';

/** One page of entries; a row opens with a click or Enter. */
export function AuditTable({
  entries,
  onOpen,
}: {
  entries: AuditEntry[];
  onOpen: (id: number) => void;
}) {
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table highlightOnHover verticalSpacing={6} horizontalSpacing="sm" stickyHeader>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={64}>#</Table.Th>
            <Table.Th w={168}>Time</Table.Th>
            <Table.Th w={180}>Who</Table.Th>
            <Table.Th w={190}>Action · connection</Table.Th>
            <Table.Th>Statement / reason</Table.Th>
            <Table.Th w={100}>Outcome</Table.Th>
            <Table.Th w={80} ta="right">
              Rows
            </Table.Th>
            <Table.Th w={80} ta="right">
              Took
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e) => (
            <Table.Tr
              key={e.id}
              data-clickable
              tabIndex={0}
              onClick={() => onOpen(e.id)}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter' || ev.key === ' ') {
                  ev.preventDefault();
                  onOpen(e.id);
                }
              }}
              aria-label={`Open audit entry ${e.id}`}
              data-testid={`audit-row-${e.id}`}
              data-status={e.status}
            >
              <Table.Td c="dimmed" ff="monospace" fz="xs">
                {e.id}
              </Table.Td>
              <Table.Td fz="sm" style={{ whiteSpace: 'nowrap' }}>
                {formatDateTime(e.time)}
              </Table.Td>
              <Table.Td>
                <Text size="sm" truncate maw={180} title={e.actor}>
                  {e.actor}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" truncate maw={190}>
                  {e.action}
                  {e.connection ? (
                    <Text span c="dimmed" size="sm">
                      {' '}
                      · {e.connection}
                    </Text>
                  ) : null}
                </Text>
              </Table.Td>
              <Table.Td style={{ maxWidth: 0 }}>
                <Tooltip
                  label={e.reason}
                  disabled={!e.reason || e.status === 'allowed'}
                  multiline
                  w={360}
                >
                  {e.status !== 'allowed' && e.reason ? (
                    <Text size="sm" truncate c={e.status === 'denied' ? 'red.7' : 'orange.7'}>
                      {e.reason}
                    </Text>
                  ) : (
                    <Text size="xs" ff="monospace" truncate c={e.statement ? undefined : 'dimmed'}>
                      {e.statement ?? '—'}
                    </Text>
                  )}
                </Tooltip>
              </Table.Td>
              <Table.Td>
                <StatusBadge status={e.status} />
              </Table.Td>
              <Table.Td ta="right" fz="sm" style={{ whiteSpace: 'nowrap' }}>
                {e.rowCount === null ? '' : formatCount(e.rowCount)}
              </Table.Td>
              <Table.Td ta="right" fz="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                {e.latencyMs === null ? '' : formatMs(e.latencyMs)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
