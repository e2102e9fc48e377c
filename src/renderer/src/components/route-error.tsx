import { Button, Center, Code, Group, Stack, Text, Title } from '@mantine/core';
import { Link, useRouteError } from 'react-router';

/** A lazily loaded page whose file is gone: the app was rebuilt or updated while this window was open. */
function isStaleBuild(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /dynamically imported module|Importing a module script failed|error loading dynamically imported/i.test(
    message,
  );
}

/** A page that crashed or does not exist: say so, and offer the way back. */
export function RouteError({ notFound = false }: { notFound?: boolean }) {
  const error = useRouteError();
  const stale = !notFound && isStaleBuild(error);
  return (
    <Center h="100%" p="xl">
      <Stack align="center" gap="sm" maw={520}>
        <Title order={3}>
          {notFound ? 'No such page' : stale ? 'Airlock was updated' : 'This page failed to load'}
        </Title>
        <Text c="dimmed" ta="center">
          {notFound
            ? 'The address does not match any page. Use the sidebar, or go back to the dashboard.'
            : stale
              ? 'This window still runs the previous version. Reload it to continue; nothing is lost.'
              : 'Reload the window. If it happens again, note the message below when you report it.'}
        </Text>
        {!notFound && !stale && error ? (
          <Code block>{error instanceof Error ? error.message : String(error)}</Code>
        ) : null}
        <Group>
          {!notFound ? <Button onClick={() => window.location.reload()}>Reload</Button> : null}
          <Button component={Link} to="/" variant="light">
            Go to the dashboard
          </Button>
        </Group>
      </Stack>
    </Center>
  );
}
