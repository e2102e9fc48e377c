/** Every page's frame: a title, one sentence on what the page is for, and its main actions. */
import { Box, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect } from 'react';

export function Page({
  title,
  description,
  actions,
  children,
  fill = false,
}: {
  title: string;
  description?: React.ReactNode;
  actions?: React.ReactNode;
  children: React.ReactNode;
  /** Let the content take the remaining height (workbench, audit) instead of scrolling the page. */
  fill?: boolean;
}) {
  useEffect(() => {
    document.title = `${title} · Airlock`;
  }, [title]);
  return (
    <Stack
      gap="md"
      p="lg"
      h={fill ? '100%' : undefined}
      style={fill ? { minHeight: 0 } : undefined}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Box>
          <Title order={2} fz={22}>
            {title}
          </Title>
          {description ? (
            <Text c="dimmed" size="sm" mt={2}>
              {description}
            </Text>
          ) : null}
        </Box>
        {actions ? (
          <Group gap="xs" wrap="nowrap">
            {actions}
          </Group>
        ) : null}
      </Group>
      {fill ? (
        <Box style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>
          {children}
        </Box>
      ) : (
        children
      )}
    </Stack>
  );
}
