/**
 * Approve or deny one pending write. Like ConfirmButton, each button opens a dialog that says
 * what will happen before anything does; approving takes an optional note, denying a required
 * reason, which the agent receives. The dialog lives on the page, not in the request's card, so
 * the list refreshing underneath (the request expired, another officer decided) cannot close it
 * before its answer is read.
 */
import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api';
import { IconCheck, IconX } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { plural } from '../../lib/format';
import { useRefreshApprovals, type Approval } from './approval-queries';

const MAX_TEXT = 2000;

export type Decision = { kind: 'approve' | 'deny'; approval: Approval };

export function DecisionButtons({
  approval,
  onDecide,
}: {
  approval: Approval;
  onDecide: (d: Decision) => void;
}) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Button
        color="red"
        variant="light"
        leftSection={<IconX size={16} />}
        onClick={() => onDecide({ kind: 'deny', approval })}
        data-testid={`deny-${approval.id}`}
      >
        Deny
      </Button>
      <Button
        color="teal"
        leftSection={<IconCheck size={16} />}
        onClick={() => onDecide({ kind: 'approve', approval })}
        data-testid={`approve-${approval.id}`}
      >
        Approve
      </Button>
    </Group>
  );
}

/** The open decision's dialog; `decision` null: closed. Keyed by the caller per decision. */
export function DecisionDialog({
  decision,
  onClose,
}: {
  decision: Decision | null;
  onClose: () => void;
}) {
  const refresh = useRefreshApprovals();
  const [text, setText] = useState('');
  const [tried, setTried] = useState(false);
  const decide = useMutation({
    mutationFn: ({ kind, approval }: Decision) =>
      kind === 'approve'
        ? api.approveApproval({ id: approval.id, ...(text.trim() ? { note: text } : {}) })
        : api.denyApproval({ id: approval.id, reason: text.trim() }),
    onSuccess: ({ approval: a }) => {
      notifications.show({
        color: a.status === 'denied' ? 'red' : 'teal',
        title: a.status === 'denied' ? 'Write denied' : 'Write approved',
        message:
          a.status === 'denied'
            ? `${a.agent.name} is told why; the statement will not run.`
            : `${a.agent.name} may now run it once, until it expires.`,
      });
      onClose();
    },
    // Either way the list changed: decided here, or (on a refusal) expired or decided elsewhere.
    onSettled: refresh,
  });
  if (!decision) return null;
  const { kind, approval } = decision;
  const deny = kind === 'deny';
  const missing = deny && text.trim() === '';

  return (
    <Modal
      opened
      onClose={onClose}
      title={deny ? 'Deny this write?' : 'Approve this write?'}
      centered
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTried(true);
          if (!missing && !decide.isPending) decide.mutate(decision);
        }}
      >
        <Stack>
          {deny ? (
            <Text size="sm">
              The statement will not run. <b>{approval.agent.name}</b> receives your reason with the
              refusal, so say what it should do instead.
            </Text>
          ) : (
            <Text size="sm">
              <b>{approval.agent.name}</b> may then run exactly this statement, with these
              parameters, once on <b>{approval.connection}</b>. The dry run says it changes{' '}
              {plural(approval.preview.rowsAffected, 'row')}.
            </Text>
          )}
          <Textarea
            label={deny ? 'Reason' : 'Note (optional)'}
            description={deny ? undefined : 'Shown with the decision in History.'}
            required={deny}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            error={tried && missing ? 'Give a reason: the agent receives it.' : undefined}
            maxLength={MAX_TEXT}
            autosize
            minRows={2}
            data-testid={deny ? 'deny-reason' : 'approve-note'}
            data-autofocus
          />
          {decide.error ? (
            <ProblemAlert
              error={decide.error}
              title={deny ? 'The write was not denied' : 'The write was not approved'}
            />
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              color={deny ? 'red' : 'teal'}
              loading={decide.isPending}
              data-testid={deny ? 'confirm-deny' : 'confirm-approve'}
            >
              {deny ? 'Deny' : 'Approve'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
