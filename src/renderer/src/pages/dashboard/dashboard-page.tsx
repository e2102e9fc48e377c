/** Activity at a glance: what exists, what happened in the last 24 hours, what was refused. */
import {
  Anchor,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { lazy, Suspense, useMemo } from 'react';
import { Link } from 'react-router';
import { useDashboard } from '../../api/queries';
import { IconAlert, IconBolt, IconDatabase, IconRobot, IconTerminal } from '../../components/icons';
import { Page } from '../../components/page';
import { ProblemAlert } from '../../components/problem-alert';
import { activityOption } from '../../lib/activity-option';
import { formatCount } from '../../lib/format';
import { LatestDenials } from './latest-denials';
import { StatCard } from './stat-card';

const EChart = lazy(() => import('../../components/echart'));

export default function DashboardPage() {
  const summary = useDashboard();
  const option = useMemo(() => activityOption(summary.data?.series ?? []), [summary.data]);
  const s = summary.data;
  const quiet = s !== undefined && s.series.every((b) => b.allowed + b.denied + b.error === 0);

  return (
    <Page
      title="Dashboard"
      description="Who can reach your databases, and what they did in the last 24 hours."
      actions={
        <Button
          component={Link}
          to="/workbench"
          leftSection={<IconTerminal size={16} />}
          variant="light"
        >
          Open workbench
        </Button>
      }
    >
      {summary.error ? (
        <ProblemAlert
          error={summary.error}
          title="The dashboard could not load"
          onRetry={() => void summary.refetch()}
        />
      ) : null}
      <SimpleGrid cols={{ base: 1, xs: 2, lg: 4 }} spacing="md">
        {s ? (
          <>
            <StatCard
              label="Agents"
              value={formatCount(s.agents)}
              detail={`${formatCount(s.activeAgents)} active`}
              icon={<IconRobot />}
              to="/agents"
              testId="stat-agents"
            />
            <StatCard
              label="Connections"
              value={formatCount(s.connections)}
              detail="databases Airlock guards"
              icon={<IconDatabase />}
              to="/connections"
              testId="stat-connections"
            />
            <StatCard
              label="Requests · 24 h"
              value={formatCount(s.requests24h)}
              detail="agents and people"
              icon={<IconBolt />}
              to="/audit"
              testId="stat-requests"
            />
            <StatCard
              label="Denials · 24 h"
              value={formatCount(s.denials24h)}
              detail={s.denials24h ? 'refused by policy or guard' : 'nothing refused'}
              icon={<IconAlert />}
              to="/audit?status=denied"
              color={s.denials24h ? 'red' : 'teal'}
              testId="stat-denials"
            />
          </>
        ) : (
          [0, 1, 2, 3].map((i) => <Skeleton key={i} h={104} radius="md" />)
        )}
      </SimpleGrid>

      <Paper withBorder p="md" radius="md">
        <Group justify="space-between" mb="xs">
          <div>
            <Title order={4} fz="md">
              Requests per hour
            </Title>
            <Text size="xs" c="dimmed">
              Last 24 hours, local time
            </Text>
          </div>
        </Group>
        {quiet ? (
          <Stack align="center" gap={4} py={60}>
            <Text fw={600}>No requests in the last 24 hours</Text>
            <Text size="sm" c="dimmed" ta="center" maw={460}>
              Run a query in the{' '}
              <Anchor component={Link} to="/workbench">
                workbench
              </Anchor>
              , or give an agent a key on the{' '}
              <Anchor component={Link} to="/agents">
                Agents
              </Anchor>{' '}
              page and point it at this machine.
            </Text>
          </Stack>
        ) : (
          <Suspense fallback={<Skeleton h={260} />}>
            {s ? (
              <EChart
                option={option}
                height={260}
                label="Requests per hour, allowed, denied and errors"
              />
            ) : (
              <Skeleton h={260} />
            )}
          </Suspense>
        )}
      </Paper>

      <Paper withBorder p="md" radius="md">
        <Group justify="space-between" mb="xs">
          <Title order={4} fz="md">
            Latest denials
          </Title>
          <Anchor component={Link} to="/audit?status=denied" size="sm">
            All denials
          </Anchor>
        </Group>
        {s ? <LatestDenials entries={s.latestDenials} /> : <Skeleton h={120} />}
      </Paper>
    </Page>
  );
}
