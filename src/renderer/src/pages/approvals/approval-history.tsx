/**
 * Decided approvals, newest first: what became of each (denied, expired, executed, reverted),
 * who decided and why, and Revert for an executed write whose before-images were kept.
 */
import { Anchor, Paper, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, toProblem } from '../../api/api';
import { ConfirmButton } from '../../components/confirm-button';
import { ProblemAlert } from '../../components/problem-alert';
import { StatusBadge } from '../../components/status-badge';
import { plural } from '../../lib/format';
import { LINKED_OUTLINE, useScrollIntoView, When } from './approval-card';
import { useRefreshApprovals, type Approval } from './approval-queries';

function RevertButton({
  approval,
  onError,
}: {
  approval: Approval;
  onError: (e: unknown) => void;
}) {
  const refresh = useRefreshApprovals();
  const revert = useMutation({
    mutationFn: () => api.revertApproval({ id: approval.id }),
    onSuccess: () =>
      notifications.show({
        color: 'teal',
        title: 'Write reverted',
        message: 'The rows are back as they were before it ran; the audit log records the revert.',
      }),
    onError,
    onSettled: refresh,
  });
  return (
    <ConfirmButton
      title="Revert this write?"
      message={
        <>
          Airlock writes back the {plural(approval.preview.rowsAffected, 'row')} on{' '}
          <b>{approval.connection}</b> as they were before <b>{approval.agent.name}</b>&apos;s write
          ran, as one audited write. If any of them changed since, nothing is written.
        </>
      }
      confirmLabel="Revert"
      // The dialog closes either way; a refusal is shown above the list.
      onConfirm={() => revert.mutateAsync().catch(() => {})}
      loading={revert.isPending}
      size="compact-sm"
      variant="light"
      data-testid={`revert-${approval.id}`}
    >
      Revert
    </ConfirmButton>
  );
}

function RevertProblem({ error }: { error: unknown }) {
  const conflict = toProblem(error).code === 'REVERT_CONFLICT';
  return (
    <ProblemAlert
      error={error}
      title={
        conflict
          ? 'Not reverted: those rows changed since the write ran, so nothing was written'
          : 'The write was not reverted'
      }
    />
  );
}

/** A history row; the one a link names is highlighted and scrolled to. */
function HistoryRow({
  linked,
  children,
  id,
}: {
  linked: boolean;
  children: React.ReactNode;
  id: string;
}) {
  const ref = useScrollIntoView<HTMLTableRowElement>(linked);
  return (
    <Table.Tr
      ref={ref}
      data-testid={`history-${id}`}
      data-linked={linked || undefined}
      aria-current={linked ? 'true' : undefined}
      bg={linked ? 'var(--mantine-color-blue-light)' : undefined}
      style={
        linked
          ? { outline: `2px solid ${LINKED_OUTLINE.borderColor}`, outlineOffset: -2 }
          : undefined
      }
    >
      {children}
    </Table.Tr>
  );
}

export function ApprovalHistory({
  approvals,
  revertError,
  onRevertError,
  linkedId = null,
}: {
  approvals: Approval[];
  revertError: unknown;
  onRevertError: (e: unknown) => void;
  /** The approval the page's link names (`#/approvals?id=…`). */
  linkedId?: string | null;
}) {
  return (
    <Stack gap="sm">
      {revertError ? <RevertProblem error={revertError} /> : null}
      <Paper withBorder radius="md">
        <Table.ScrollContainer minWidth={960}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="approval-history">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={112}>Status</Table.Th>
                <Table.Th>Write</Table.Th>
                <Table.Th>Requested</Table.Th>
                <Table.Th>Decided</Table.Th>
                <Table.Th>Reason or note</Table.Th>
                <Table.Th>Ran</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {approvals.map((a) => (
                <HistoryRow key={a.id} id={a.id} linked={a.id === linkedId}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <StatusBadge status={a.status} />
                  </Table.Td>
                  <Table.Td maw={380}>
                    <Text size="sm">
                      <Anchor component={Link} to={`/agents/${encodeURIComponent(a.agent.id)}`}>
                        {a.agent.name}
                      </Anchor>{' '}
                      on{' '}
                      <Text span ff="monospace">
                        {a.connection}
                      </Text>
                    </Text>
                    <Text size="xs" ff="monospace" c="dimmed" lineClamp={2} title={a.statement}>
                      {a.statement}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <When iso={a.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    {a.decidedAt ? (
                      <>
                        <Text size="sm">
                          <When iso={a.decidedAt} />
                        </Text>
                        {a.decidedBy ? (
                          <Text size="xs" c="dimmed">
                            by {a.decidedBy}
                          </Text>
                        ) : null}
                      </>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {a.status === 'expired' ? 'not decided' : '—'}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td maw={260}>
                    <Text size="sm" c={a.reason || a.note ? undefined : 'dimmed'} lineClamp={3}>
                      {a.reason ?? a.note ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {a.executedAt ? (
                      <>
                        <Text size="sm">
                          <When iso={a.executedAt} />
                        </Text>
                        {a.revertedAt ? (
                          <Text size="xs" c="dimmed">
                            reverted <When iso={a.revertedAt} />
                          </Text>
                        ) : null}
                      </>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {a.status === 'approved' ? 'not yet' : '—'}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {a.status === 'executed' && a.preview.revertable ? (
                      <RevertButton approval={a} onError={onRevertError} />
                    ) : null}
                  </Table.Td>
                </HistoryRow>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </Stack>
  );
}
