/** The app shell: sidebar navigation, a header with the theme switch, and the page outlet. */
import {
  AppShell,
  Badge,
  Box,
  Burger,
  Button,
  Group,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  ThemeIcon,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense } from 'react';
import { NavLink as RouterLink, Outlet, useLocation } from 'react-router';
import { useSystemInfo } from '../api/queries';
import { logout } from '../api/client';
import { markSignedOut, useSignedOut } from '../api/session';
import { usePendingApprovals } from '../pages/approvals/approval-queries';
import {
  IconApproval,
  IconBolt,
  IconDashboard,
  IconDatabase,
  IconLock,
  IconRobot,
  IconShield,
  IconSliders,
  IconTerminal,
} from './icons';
import { PageLoader } from './page-loader';
import { SignedOut } from './signed-out';
import { ThemeToggle } from './theme-toggle';

export const NAV = [
  { to: '/', label: 'Dashboard', icon: IconDashboard, hint: 'Activity at a glance' },
  { to: '/workbench', label: 'Workbench', icon: IconTerminal, hint: 'Query and chart' },
  { to: '/ask', label: 'Ask', icon: IconBolt, hint: 'In plain language' },
  { to: '/connections', label: 'Connections', icon: IconDatabase, hint: 'Databases' },
  { to: '/agents', label: 'Agents', icon: IconRobot, hint: 'Keys and grants' },
  { to: '/approvals', label: 'Approvals', icon: IconApproval, hint: 'Writes to decide' },
  { to: '/audit', label: 'Audit', icon: IconShield, hint: 'Every request, verified' },
  { to: '/settings', label: 'Settings', icon: IconSliders, hint: 'Limits and models' },
] as const;

export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const system = useSystemInfo();
  const signedOut = useSignedOut();
  const pending = usePendingApprovals(!signedOut);
  const pendingCount = pending.data?.length ?? 0;
  const isActive = (to: string) =>
    to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`);

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 216, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={0}
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <ThemeIcon size={28} radius="md" variant="filled" aria-hidden>
              <IconLock size={16} />
            </ThemeIcon>
            <Text fw={700} fz="lg" lts={-0.2}>
              Airlock
            </Text>
            {system.data ? (
              <Text size="xs" c="dimmed" visibleFrom="xs">
                v{system.data.version}
              </Text>
            ) : null}
          </Group>
          <Group gap="sm">
            {system.data ? (
              <Badge variant="dot" color="teal" visibleFrom="xs" title={system.data.url}>
                {system.data.shell === 'desktop' ? 'Desktop' : 'Browser'} · loopback only
              </Badge>
            ) : null}
            <ThemeToggle />
            {system.data?.shell === 'browser' ? (
              <Button
                variant="subtle"
                size="compact-sm"
                onClick={() => void logout().finally(markSignedOut)}
                data-testid="sign-out"
              >
                Sign out
              </Button>
            ) : null}
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={2} component="nav" aria-label="Main">
            {NAV.map((item) => (
              <NavLink
                key={item.to}
                component={RouterLink}
                to={item.to}
                end={item.to === '/'}
                label={item.label}
                description={item.hint}
                leftSection={<item.icon size={18} />}
                rightSection={
                  item.to === '/approvals' && pendingCount > 0 ? (
                    <Badge
                      size="sm"
                      color="yellow"
                      variant="filled"
                      circle={pendingCount < 10}
                      data-testid="approvals-pending-count"
                    >
                      {pendingCount}
                      <VisuallyHidden> pending</VisuallyHidden>
                    </Badge>
                  ) : undefined
                }
                active={isActive(item.to)}
                onClick={close}
                styles={{
                  root: { borderRadius: 'var(--mantine-radius-md)' },
                  description: { fontSize: 11 },
                }}
                data-testid={`nav-${item.label.toLowerCase()}`}
              />
            ))}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="sm" pb={4}>
            Nothing leaves this machine.
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main h="100dvh" style={{ display: 'flex', flexDirection: 'column' }}>
        <Box
          id="main"
          tabIndex={-1}
          style={{
            flex: 1,
            minHeight: 0,
            overflow: 'auto',
            outline: 'none',
            display: 'flex',
            flexDirection: 'column',
          }}
        >
          {signedOut ? (
            <SignedOut />
          ) : (
            <Suspense fallback={<PageLoader />}>
              <Outlet />
            </Suspense>
          )}
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
