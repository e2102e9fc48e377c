import { Button, Center, Code, Stack, Text, Title } from '@mantine/core';
import { Link, useRouteError } from 'react-router';

/** A page that crashed or does not exist: say so, and offer the way back. */
export function RouteError({ notFound = false }: { notFound?: boolean }) {
  const error = useRouteError();
  return (
    <Center h="100%" p="xl">
      <Stack align="center" gap="sm" maw={520}>
        <Title order={3}>{notFound ? 'No such page' : 'This page failed to load'}</Title>
        <Text c="dimmed" ta="center">
          {notFound
            ? 'The address does not match any page. Use the sidebar, or go back to the dashboard.'
            : 'Reload the window. If it happens again, note the message below when you report it.'}
        </Text>
        {!notFound && error ? (
          <Code block>{error instanceof Error ? error.message : String(error)}</Code>
        ) : null}
        <Button component={Link} to="/" variant="light">
          Go to the dashboard
        </Button>
      </Stack>
    </Center>
  );
}
