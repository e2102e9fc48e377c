import { Group, Paper, Text, ThemeIcon, UnstyledButton } from '@mantine/core';
import { Link } from 'react-router';

/** One headline number; the whole card links to the page that explains it. */
export function StatCard({
  label,
  value,
  detail,
  icon,
  to,
  color = 'airlock',
  testId,
}: {
  label: string;
  value: string;
  detail?: string;
  icon: React.ReactNode;
  to: string;
  color?: string;
  testId?: string;
}) {
  return (
    <UnstyledButton component={Link} to={to} aria-label={`${label}: ${value}`} data-testid={testId}>
      <Paper withBorder p="md" radius="md" h="100%">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
              {label}
            </Text>
            <Text fz={28} fw={700} lh={1.2} mt={4}>
              {value}
            </Text>
            {detail ? (
              <Text size="xs" c="dimmed" mt={2}>
                {detail}
              </Text>
            ) : null}
          </div>
          <ThemeIcon variant="light" color={color} size={38} radius="md">
            {icon}
          </ThemeIcon>
        </Group>
      </Paper>
    </UnstyledButton>
  );
}
