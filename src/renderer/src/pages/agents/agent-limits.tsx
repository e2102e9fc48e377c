/**
 * An agent's own limits: requests per minute, hour and day, rows and bytes per day. A field
 * left empty follows the global setting (Settings › Limits), shown as its placeholder; today's
 * use is shown beside the daily ones. Saving is audited (admin.agent.limits).
 */
import { Button, Group, NumberInput, SimpleGrid, Skeleton, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ComponentProps } from 'react';
import { api } from '../../api/api';
import { ProblemAlert } from '../../components/problem-alert';
import type { AgentLimitField as Field } from '../../../../shared/contract/agent-limits';
import type { GrantsEditor } from './grants-editor';

const FIELDS: { field: Field; label: string; unit: string }[] = [
  { field: 'ratePerMinute', label: 'Requests per minute', unit: 'requests' },
  { field: 'ratePerHour', label: 'Requests per hour', unit: 'requests' },
  { field: 'ratePerDay', label: 'Requests per day', unit: 'requests' },
  { field: 'rowsPerDay', label: 'Rows per day', unit: 'rows' },
  { field: 'bytesPerDay', label: 'Bytes per day', unit: 'bytes' },
];

const limitsKey = (id: string) => ['agent-limits', id] as const;

/** The same props as the grants tab: the agent, and whether it may still be edited. */
export function AgentLimitsPanel({
  agentId,
  agentName,
  disabled,
}: ComponentProps<typeof GrantsEditor>) {
  const queryClient = useQueryClient();
  const view = useQuery({
    queryKey: limitsKey(agentId),
    queryFn: () => api.getAgentLimits({ id: agentId }),
  });
  const [draft, setDraft] = useState<Partial<Record<Field, number>>>({});
  useEffect(() => {
    if (view.data) setDraft({ ...view.data.own });
  }, [view.data]);

  const save = useMutation({
    mutationFn: () => api.putAgentLimits({ id: agentId, limits: draft }),
    onSuccess: (res) => {
      queryClient.setQueryData(limitsKey(agentId), res);
      notifications.show({
        color: 'teal',
        title: 'Limits saved',
        message: `${agentName}'s limits apply to its next request.`,
      });
    },
  });

  if (view.error)
    return (
      <ProblemAlert
        error={view.error}
        title="Could not load the limits"
        onRetry={() => void view.refetch()}
      />
    );
  if (!view.data) return <Skeleton h={200} />;
  const { effective, usage, own } = view.data;
  const dirty = JSON.stringify(draft) !== JSON.stringify(own);

  return (
    <Stack gap="md" data-testid="agent-limits">
      <Text size="sm" c="dimmed">
        Leave a field empty to follow the global setting (Settings › Limits). An agent over a limit
        is answered
        <code> 429 RATE_LIMITED</code> with <code>Retry-After</code>, naming the limit it hit.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        {FIELDS.map(({ field, label, unit }) => {
          const inForce = effective[field];
          const used =
            field === 'rowsPerDay' ? usage.rows : field === 'bytesPerDay' ? usage.bytes : null;
          return (
            <NumberInput
              key={field}
              label={label}
              data-testid={`limit-${field}`}
              min={1}
              allowDecimal={false}
              allowNegative={false}
              thousandSeparator=","
              disabled={disabled}
              placeholder={
                inForce === null ? 'no limit (global)' : `${inForce.toLocaleString()} (global)`
              }
              value={draft[field] ?? ''}
              onChange={(v) =>
                setDraft((d) => {
                  const next = { ...d };
                  if (typeof v === 'number' && v >= 1) next[field] = v;
                  else delete next[field];
                  return next;
                })
              }
              description={
                used === null ? undefined : `${used.toLocaleString()} ${unit} today (UTC)`
              }
            />
          );
        })}
      </SimpleGrid>
      {save.error ? <ProblemAlert error={save.error} title="The limits were not saved" /> : null}
      <Group justify="flex-end">
        <Button
          variant="default"
          disabled={!dirty || save.isPending}
          onClick={() => setDraft({ ...own })}
        >
          Discard
        </Button>
        <Button
          disabled={disabled || !dirty}
          loading={save.isPending}
          onClick={() => save.mutate()}
          data-testid="save-limits"
        >
          Save limits
        </Button>
      </Group>
    </Stack>
  );
}
