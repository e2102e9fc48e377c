/**
 * The officer's Approvals page: agent writes that wait for a person (Pending), and what became
 * of the others (History). A write runs only after it is approved here, exactly as shown, once.
 * A link to one approval (`#/approvals?id=…`, where MCP clients send a person) opens the tab
 * that holds it, outlined and scrolled into view.
 */
import { Alert, Anchor, Badge, Button, Code, Skeleton, Stack, Tabs, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EmptyHint } from '../../components/empty-hint';
import { IconApproval, IconRefresh } from '../../components/icons';
import { Page } from '../../components/page';
import { ProblemAlert } from '../../components/problem-alert';
import { ApprovalCard } from './approval-card';
import { DecisionDialog, type Decision } from './approval-decision';
import { ApprovalHistory } from './approval-history';
import { useApprovalHistory, usePendingApprovals } from './approval-queries';

type Tab = 'pending' | 'history';

function PendingEmpty() {
  return (
    <EmptyHint
      icon={<IconApproval size={28} />}
      title="No writes waiting for approval"
      description={
        <>
          When an agent with a write grant sends an INSERT, UPDATE or DELETE, Airlock does not run
          it: the request waits here with a dry-run preview of the rows it would change, until you
          approve or deny it. Every write grant requires approval unless it says{' '}
          <Code>&quot;approval&quot;: &quot;none&quot;</Code>.
        </>
      }
      action={
        <Button component={Link} to="/agents" variant="default">
          Review agents&apos; grants
        </Button>
      }
    />
  );
}

export default function ApprovalsPage() {
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'history' ? 'history' : 'pending';
  const linked = params.get('id');
  // The link's approval, once found in one of the lists; until then both are read.
  const [placed, setPlaced] = useState<string | null>(null);
  const seeking = linked !== null && placed !== linked;
  const pending = usePendingApprovals();
  const history = useApprovalHistory(tab === 'history' || seeking);
  const [revertError, setRevertError] = useState<unknown>(null);
  // One dialog for the page, with a fresh state (text, answer) for each decision opened.
  const [decision, setDecision] = useState<(Decision & { key: number }) | null>(null);
  const current = tab === 'pending' ? pending : history;

  const linkedIn: Tab | null = !linked
    ? null
    : pending.data?.some((a) => a.id === linked)
      ? 'pending'
      : history.data?.some((a) => a.id === linked)
        ? 'history'
        : null;
  // Read afresh since the page opened, not from the sidebar's cache, before saying "not found".
  const notFound =
    seeking && linkedIn === null && pending.isFetchedAfterMount && history.isFetchedAfterMount;
  useEffect(() => {
    if (!seeking || !linked || !linkedIn) return;
    setPlaced(linked);
    if (linkedIn !== tab)
      setParams(linkedIn === 'pending' ? { id: linked } : { tab: linkedIn, id: linked }, {
        replace: true,
      });
  }, [seeking, linked, linkedIn, tab, setParams]);

  const setTab = (next: Tab) => {
    setRevertError(null);
    setParams(next === 'pending' ? {} : { tab: next }, { replace: true });
  };

  return (
    <Page
      title="Approvals"
      description={
        <>
          Agent writes wait here for a person. Approving lets the agent run exactly the statement
          shown, once; every decision is in the{' '}
          <Anchor component={Link} to="/audit" size="sm">
            audit log
          </Anchor>
          .
        </>
      }
      actions={
        <Button
          variant="default"
          leftSection={<IconRefresh size={16} />}
          onClick={() => void current.refetch()}
          loading={current.isFetching && !current.isPending}
        >
          Refresh
        </Button>
      }
    >
      {notFound ? (
        <Alert
          color="gray"
          title="The linked approval is not listed"
          mb="md"
          data-testid="linked-missing"
        >
          No approval <Code>{linked}</Code> is pending or in the history. Check the link, or search
          the{' '}
          <Anchor component={Link} to="/audit" size="sm">
            audit log
          </Anchor>{' '}
          for it.
        </Alert>
      ) : null}
      <Tabs value={tab} onChange={(v) => v && setTab(v as Tab)} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab
            value="pending"
            data-testid="approvals-tab-pending"
            rightSection={
              pending.data && pending.data.length > 0 ? (
                <Badge size="sm" color="yellow" variant="filled" circle={pending.data.length < 10}>
                  {pending.data.length}
                </Badge>
              ) : null
            }
          >
            Pending
          </Tabs.Tab>
          <Tabs.Tab value="history" data-testid="approvals-tab-history">
            History
          </Tabs.Tab>
        </Tabs.List>

        <Tabs.Panel value="pending">
          {pending.error ? (
            <ProblemAlert error={pending.error} onRetry={() => void pending.refetch()} />
          ) : null}
          {pending.isPending ? <Skeleton h={240} /> : null}
          {pending.data?.length === 0 ? <PendingEmpty /> : null}
          {pending.data && pending.data.length > 0 ? (
            <Stack gap="md" data-testid="pending-approvals">
              {pending.data.map((a) => (
                <ApprovalCard
                  key={a.id}
                  approval={a}
                  linked={a.id === linked}
                  onDecide={(d) => setDecision({ ...d, key: Date.now() })}
                />
              ))}
            </Stack>
          ) : null}
        </Tabs.Panel>

        <Tabs.Panel value="history">
          {history.error ? (
            <ProblemAlert error={history.error} onRetry={() => void history.refetch()} />
          ) : null}
          {history.isPending ? <Skeleton h={240} /> : null}
          {history.data?.length === 0 ? (
            <EmptyHint
              icon={<IconApproval size={28} />}
              title="No decisions yet"
              description={
                <Text span size="sm">
                  Approved, denied, expired, executed and reverted writes are listed here, newest
                  first, with who decided and why.
                </Text>
              }
            />
          ) : null}
          {history.data && history.data.length > 0 ? (
            <ApprovalHistory
              approvals={history.data}
              revertError={revertError}
              onRevertError={setRevertError}
              linkedId={linked}
            />
          ) : null}
        </Tabs.Panel>
      </Tabs>
      <DecisionDialog
        key={decision?.key ?? 0}
        decision={decision}
        onClose={() => setDecision(null)}
      />
    </Page>
  );
}
