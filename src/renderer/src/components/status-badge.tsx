import { Badge } from '@mantine/core';

const COLORS = { allowed: 'teal', denied: 'red', error: 'orange' } as const;

/** An audit entry's outcome, coloured the same everywhere. */
export function StatusBadge({ status }: { status: 'allowed' | 'denied' | 'error' }) {
  return (
    <Badge
      color={COLORS[status]}
      variant="light"
      size="sm"
      radius="sm"
      tt="none"
      style={{ overflow: 'visible' }}
    >
      {status}
    </Badge>
  );
}
