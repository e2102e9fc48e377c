/**
 * Approvals in Settings: how long an agent's write waits for a decision, and how long an
 * approved one waits for the agent to run it (`approvals.ttlSeconds`; docs/api.md, "Approvals
 * for agent writes"). In minutes or seconds; empty is the default, one hour.
 */
import { Group, NumberInput, Paper, SegmentedControl, Skeleton, Text, Title } from '@mantine/core';
import { useState } from 'react';
import {
  EXPIRY_DEFAULT_SECONDS,
  describeExpiry,
  expiryProblem,
  fromSeconds,
  shownUnit,
  switchUnit,
  toSeconds,
  unitFor,
  type ExpiryUnit,
} from '../../lib/approval-expiry';

export function ApprovalExpirySection({
  ttlSeconds,
  loaded,
  onChange,
}: {
  ttlSeconds: number | undefined;
  /** False while the settings load. */
  loaded: boolean;
  onChange: (ttlSeconds: number | undefined) => void;
}) {
  const [picked, setPicked] = useState<ExpiryUnit>(() => unitFor(ttlSeconds));
  const unit = shownUnit(ttlSeconds, picked);
  const problem = expiryProblem(ttlSeconds);
  const effective = ttlSeconds ?? EXPIRY_DEFAULT_SECONDS;
  return (
    <Paper withBorder radius="md" p="lg" data-testid="approvals-settings">
      <Title order={3} fz="md">
        Approvals
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        An agent&apos;s write waits on the Approvals page for a person. A request nobody decides in
        this time expires, and so does an approved one the agent has not run by then; the agent must
        ask again.
      </Text>
      {loaded ? (
        <Group align="flex-start" gap="sm" wrap="nowrap">
          <NumberInput
            label="Approvals expire after"
            description={
              problem
                ? 'At least 30 seconds; empty is one hour.'
                : `${describeExpiry(effective)}${ttlSeconds === undefined ? ' (the default)' : ''}.`
            }
            placeholder={String(fromSeconds(EXPIRY_DEFAULT_SECONDS, unit))}
            value={ttlSeconds === undefined ? '' : fromSeconds(ttlSeconds, unit)}
            onChange={(v) => onChange(typeof v === 'number' ? toSeconds(v, unit) : undefined)}
            error={problem}
            min={1}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            thousandSeparator=","
            w={240}
            data-testid="approvals-ttl"
          />
          <SegmentedControl
            mt={42}
            size="sm"
            value={unit}
            onChange={(v) => {
              const next = v as ExpiryUnit;
              setPicked(next);
              const converted = switchUnit(ttlSeconds, next);
              if (converted !== ttlSeconds) onChange(converted);
            }}
            data={[
              { value: 'minutes', label: 'minutes' },
              { value: 'seconds', label: 'seconds' },
            ]}
            aria-label="Unit of the approvals expiry"
            data-testid="approvals-ttl-unit"
          />
        </Group>
      ) : (
        <Skeleton h={60} />
      )}
    </Paper>
  );
}
