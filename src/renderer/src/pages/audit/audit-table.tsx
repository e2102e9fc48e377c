import { Table, Text, Tooltip } from '@mantine/core';
import type { AuditEntry } from '../../api/queries';
import { StatusBadge } from '../../components/status-badge';
import { formatDateTime, formatMs } from '../../lib/format';

/** One page of entries; a row opens with a click or Enter. */
export function AuditTable({ entries, onOpen }: { entries: AuditEntry[]; onOpen: (id: number) => void }) {
  return (
    <Table.ScrollContainer minWidth={980}>
      <Table highlightOnHover verticalSpacing={6} horizontalSpacing="sm" stickyHeader>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={64}>#</Table.Th>
            <Table.Th w={168}>Time</Table.Th>
            <Table.Th w={150}>Who</Table.Th>
            <Table.Th w={90}>Action</Table.Th>
            <Table.Th w={100}>Connection</Table.Th>
            <Table.Th>Statement / reason</Table.Th>
            <Table.Th w={100}>Outcome</Table.Th>
            <Table.Th w={70} ta="right">
              Rows
            </Table.Th>
            <Table.Th w={76} ta="right">
              Time
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
                <Text size="sm" truncate maw={150}>
                  {e.actor}
                </Text>
              </Table.Td>
              <Table.Td fz="sm">{e.action}</Table.Td>
              <Table.Td fz="sm">{e.connection ?? '—'}</Table.Td>
              <Table.Td style={{ maxWidth: 0 }}>
                <Tooltip label={e.reason} disabled={!e.reason || e.status === 'allowed'} multiline w={360}>
                  <Text size="xs" ff="monospace" truncate c={e.status === 'allowed' ? undefined : 'dimmed'}>
                    {e.status !== 'allowed' && e.reason ? `${e.reason}` : (e.statement ?? '—')}
                  </Text>
                </Tooltip>
              </Table.Td>
              <Table.Td>
                <StatusBadge status={e.status} />
              </Table.Td>
              <Table.Td ta="right" fz="sm">
                {e.rowCount ?? ''}
              </Table.Td>
              <Table.Td ta="right" fz="sm" c="dimmed">
                {e.latencyMs === null ? '' : formatMs(e.latencyMs)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
