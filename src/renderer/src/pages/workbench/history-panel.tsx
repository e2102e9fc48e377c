/** Recent queries: click one to put it back in the editor. */
import { Badge, Group, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import type { HistoryEntry } from '../../lib/query-history';
import { formatCount, relativeTime } from '../../lib/format';

const COLOR = { ok: 'teal', refused: 'red', failed: 'orange' } as const;

export function HistoryPanel({
  history,
  onPick,
}: {
  history: HistoryEntry[];
  onPick: (h: HistoryEntry) => void;
}) {
  if (history.length === 0) {
    return (
      <Text size="xs" c="dimmed" p={4}>
        Queries you run appear here, newest first.
      </Text>
    );
  }
  return (
    <ScrollArea style={{ flex: 1 }} type="auto" offsetScrollbars>
      <Stack gap={2}>
        {history.map((h) => (
          <UnstyledButton
            key={`${h.at}-${h.sql}`}
            onClick={() => onPick(h)}
            p={6}
            style={{ borderRadius: 6 }}
            className="history-item"
            title={h.sql}
          >
            <Text size="xs" ff="monospace" lineClamp={2}>
              {h.sql}
            </Text>
            <Group gap={6} mt={2} wrap="nowrap">
              <Badge
                size="xs"
                color={COLOR[h.result]}
                variant="light"
                tt="none"
                style={{ flex: 'none', overflow: 'visible' }}
              >
                {h.result === 'ok' ? `${formatCount(h.rows ?? 0)} rows` : h.result}
              </Badge>
              <Text size="10px" c="dimmed" truncate>
                {h.connection}
                {h.asAgent ? ` · as ${h.asAgent}` : ''} · {relativeTime(h.at)}
              </Text>
            </Group>
          </UnstyledButton>
        ))}
      </Stack>
    </ScrollArea>
  );
}
