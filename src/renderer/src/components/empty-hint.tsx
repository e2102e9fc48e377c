import { Paper } from '@mantine/core';
import { EmptyState } from '@mantine/core';

/** An empty list that says what to do next. */
export function EmptyHint({
  icon,
  title,
  description,
  action,
}: {
  icon: React.ReactNode;
  title: string;
  description: React.ReactNode;
  action?: React.ReactNode;
}) {
  return (
    <Paper withBorder radius="md" py={48} px="md">
      <EmptyState icon={icon} title={title} description={description} variant="light" size="md">
        {action ? <EmptyState.Actions>{action}</EmptyState.Actions> : null}
      </EmptyState>
    </Paper>
  );
}
