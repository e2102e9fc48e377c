import { Center, Code, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconLock } from './icons';

/** The browser session ended (or never began): how to get a new sign-in link. */
export function SignedOut() {
  return (
    <Center h="100%" p="xl">
      <Paper withBorder radius="md" p="xl" maw={560} data-testid="signed-out">
        <Stack gap="sm" align="flex-start">
          <ThemeIcon size={40} radius="md" variant="light">
            <IconLock />
          </ThemeIcon>
          <Title order={3}>Sign in to Airlock</Title>
          <Text size="sm">
            This browser has no Airlock session — it expired after 12 hours without use, or this
            page was opened without the sign-in link.
          </Text>
          <Text size="sm">In a terminal on this machine, run</Text>
          <Code block>bin/airlock login-link</Code>
          <Text size="sm" c="dimmed">
            and open the link it prints (add <code>--data-dir</code> and <code>--port</code> if you
            started Airlock with them). Links work once, within 10 minutes.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
