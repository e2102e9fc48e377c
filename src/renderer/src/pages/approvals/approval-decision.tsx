/**
 * Approve or deny one pending write. Like ConfirmButton, each opens a dialog that says what
 * will happen before anything does; approving takes an optional note, denying a required
 * reason, which the agent receives.
 */
import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api';
import { IconCheck, IconX } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { plural } from '../../lib/format';
import { useRefreshApprovals, type Approval } from './approval-queries';

const MAX_TEXT = 2000;

function useDecision(approval: Approval, onDone: () => void) {
  const refresh = useRefreshApprovals();
  return useMutation({
    mutationFn: (d: { kind: 'approve'; note: string } | { kind: 'deny'; reason: string }) =>
      d.kind === 'approve'
        ? api.approveApproval({ id: approval.id, ...(d.note.trim() ? { note: d.note } : {}) })
        : api.denyApproval({ id: approval.id, reason: d.reason }),
    onSuccess: ({ approval: a }) => {
      notifications.show({
        color: a.status === 'denied' ? 'red' : 'teal',
        title: a.status === 'denied' ? 'Write denied' : 'Write approved',
        message:
          a.status === 'denied'
            ? `${a.agent.name} is told why; the statement will not run.`
            : `${a.agent.name} may now run it once, until it expires.`,
      });
      onDone();
    },
    // A request that expired or was decided meanwhile is no longer what the list shows.
    onSettled: refresh,
  });
}

export function ApproveButton({ approval }: { approval: Approval }) {
  const [opened, { open, close }] = useDisclosure(false);
  const [note, setNote] = useState('');
  const decide = useDecision(approval, close);
  const start = () => {
    decide.reset();
    setNote('');
    open();
  };
  return (
    <>
      <Button
        color="teal"
        leftSection={<IconCheck size={16} />}
        onClick={start}
        data-testid={`approve-${approval.id}`}
      >
        Approve
      </Button>
      <Modal opened={opened} onClose={close} title="Approve this write?" centered>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            decide.mutate({ kind: 'approve', note });
          }}
        >
          <Stack>
            <Text size="sm">
              <b>{approval.agent.name}</b> may then run exactly this statement, with these
              parameters, once on <b>{approval.connection}</b>. The dry run says it changes{' '}
              {plural(approval.preview.rowsAffected, 'row')}.
            </Text>
            <Textarea
              label="Note (optional)"
              description="Shown with the decision in History."
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              maxLength={MAX_TEXT}
              autosize
              minRows={2}
              data-testid="approve-note"
              data-autofocus
            />
            {decide.error ? (
              <ProblemAlert error={decide.error} title="The write was not approved" />
            ) : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                type="submit"
                color="teal"
                loading={decide.isPending}
                data-testid="confirm-approve"
              >
                Approve
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

export function DenyButton({ approval }: { approval: Approval }) {
  const [opened, { open, close }] = useDisclosure(false);
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const decide = useDecision(approval, close);
  const missing = reason.trim() === '';
  const start = () => {
    decide.reset();
    setReason('');
    setTried(false);
    open();
  };
  return (
    <>
      <Button
        color="red"
        variant="light"
        leftSection={<IconX size={16} />}
        onClick={start}
        data-testid={`deny-${approval.id}`}
      >
        Deny
      </Button>
      <Modal opened={opened} onClose={close} title="Deny this write?" centered>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setTried(true);
            if (!missing) decide.mutate({ kind: 'deny', reason: reason.trim() });
          }}
        >
          <Stack>
            <Text size="sm">
              The statement will not run. <b>{approval.agent.name}</b> receives your reason with the
              refusal, so say what it should do instead.
            </Text>
            <Textarea
              label="Reason"
              required
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              error={tried && missing ? 'Give a reason: the agent receives it.' : undefined}
              maxLength={MAX_TEXT}
              autosize
              minRows={2}
              data-testid="deny-reason"
              data-autofocus
            />
            {decide.error ? (
              <ProblemAlert error={decide.error} title="The write was not denied" />
            ) : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                type="submit"
                color="red"
                loading={decide.isPending}
                data-testid="confirm-deny"
              >
                Deny
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
