/** Name a new agent (and optionally when its key expires); the key comes back once. */
import { Button, Group, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api';
import { keys } from '../../api/queries';
import { ProblemAlert } from '../../components/problem-alert';
import type { OpOutput } from '../../../../shared/contract/ops';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const EXPIRY = [
  { value: 'never', label: 'Never (revoke by hand)' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In one year' },
];

export type CreatedAgent = OpOutput<'createAgent'>;

export function CreateAgentForm({
  onCreated,
  submitLabel = 'Create agent',
}: {
  onCreated: (a: CreatedAgent) => void;
  submitLabel?: string;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('never');
  const trimmed = name.trim();
  const nameError =
    trimmed && !NAME_RE.test(trimmed)
      ? 'Letters, digits, "_", "-" and "." only; start with a letter or digit.'
      : null;
  const create = useMutation({
    mutationFn: () =>
      api.createAgent({
        name: trimmed,
        ...(expiry === 'never'
          ? {}
          : { expiresAt: new Date(Date.now() + Number(expiry) * 86_400_000).toISOString() }),
      }),
    onSuccess: (a) => {
      void queryClient.invalidateQueries({ queryKey: keys.agents });
      void queryClient.invalidateQueries({ queryKey: keys.dashboard });
      onCreated(a);
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (trimmed && !nameError) create.mutate();
      }}
    >
      <Stack gap="sm">
        <TextInput
          label="Agent name"
          description="Who will use the key, e.g. reporting-bot or claude-desktop. It appears in every audit entry."
          placeholder="reporting-bot"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={nameError}
          required
          data-autofocus
          data-testid="agent-name"
        />
        <Select
          label="Key expires"
          data={EXPIRY}
          value={expiry}
          onChange={(v) => setExpiry(v ?? 'never')}
          allowDeselect={false}
        />
        {create.error ? (
          <ProblemAlert error={create.error} title="The agent was not created" />
        ) : null}
        <Group justify="flex-end">
          <Button
            type="submit"
            loading={create.isPending}
            disabled={!trimmed || Boolean(nameError)}
            data-testid="agent-create"
          >
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
