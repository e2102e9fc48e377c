import { Badge } from '@mantine/core';

const COLORS = {
  allowed: 'teal',
  denied: 'red',
  error: 'orange',
  // An approval's state (the Approvals page); "denied" is the same red as a denied request.
  pending: 'yellow',
  approved: 'blue',
  expired: 'gray',
  executed: 'teal',
  reverted: 'grape',
} as const;

/** An audit entry's outcome or an approval's state, coloured the same everywhere. */
export function StatusBadge({ status }: { status: keyof typeof COLORS }) {
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
