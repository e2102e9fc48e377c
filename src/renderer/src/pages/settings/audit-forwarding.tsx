/**
 * Audit forwarding in Settings: the SIEM destinations (syslog over TCP or UDP, or a JSONL
 * file), each with its state and a "Send test message" button. The destinations are part of
 * the settings document and saved with it; the test sends to what is on screen, saved or not.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../../api/api';
import { ProblemAlert } from '../../components/problem-alert';
import { MONO_INPUT } from '../../theme';
import type { OpOutput } from '../../../../shared/contract/ops';
import {
  MAX_FORWARD_TARGETS,
  destinationName,
  type ForwardTarget,
} from '../../../../shared/contract/forwarding';
import { isThisMachine } from './lan-confirm';

type Status = OpOutput<'forwardingStatus'>['destinations'][number];

const NEW_SYSLOG: Extract<ForwardTarget, { kind: 'syslog' }> = {
  kind: 'syslog',
  host: '127.0.0.1',
  port: 6514,
  protocol: 'tcp',
};

const STATE_COLOR: Record<Status['state'], string> = {
  ok: 'teal',
  retrying: 'orange',
  refused: 'red',
  paused: 'gray',
};

/** The kind of destination as the control shows it: syslog over TCP or UDP, or a file. */
type Via = 'tcp' | 'udp' | 'jsonl';
const viaOf = (t: ForwardTarget): Via => (t.kind === 'jsonl' ? 'jsonl' : t.protocol);

function withVia(t: ForwardTarget, via: Via): ForwardTarget {
  const enabled = t.enabled === false ? { enabled: false } : {};
  if (via === 'jsonl') return { kind: 'jsonl', path: t.kind === 'jsonl' ? t.path : '', ...enabled };
  const base = t.kind === 'syslog' ? t : NEW_SYSLOG;
  return { ...base, protocol: via, ...enabled };
}

function TestButton({ target, index }: { target: ForwardTarget; index: number }) {
  const test = useMutation({ mutationFn: () => api.testForwarding({ target }) });
  return (
    <Stack gap={6}>
      <Group>
        <Button
          variant="default"
          size="xs"
          loading={test.isPending}
          onClick={() => test.mutate()}
          data-testid={`forward-test-${index}`}
        >
          Send test message
        </Button>
      </Group>
      {test.error ? <ProblemAlert error={test.error} title="The test could not run" /> : null}
      {test.data ? (
        <Alert
          color={test.data.ok ? 'teal' : 'red'}
          variant="light"
          title={test.data.ok ? 'Test message sent' : 'The test message was not sent'}
          data-testid={`forward-test-result-${index}`}
        >
          <Text size="sm">
            {test.data.message} (audit entry #{test.data.auditId})
          </Text>
        </Alert>
      ) : null}
    </Stack>
  );
}

function StatusLine({ status }: { status: Status | undefined }) {
  if (!status)
    return (
      <Text size="xs" c="dimmed">
        Not saved yet: save the settings to start forwarding.
      </Text>
    );
  return (
    <Group gap="xs" data-testid="forward-status">
      <Badge color={STATE_COLOR[status.state]} variant="light">
        {status.state}
      </Badge>
      <Text size="xs" c="dimmed">
        last entry sent #{status.lastSentSeq} · {status.lag} behind
        {status.lastError ? ` · ${status.lastError}` : ''}
        {status.nextAttemptAt
          ? ` · next try ${new Date(status.nextAttemptAt).toLocaleTimeString()}`
          : ''}
      </Text>
    </Group>
  );
}

function Destination({
  target,
  index,
  status,
  onChange,
  onRemove,
}: {
  target: ForwardTarget;
  index: number;
  status: Status | undefined;
  onChange: (t: ForwardTarget) => void;
  onRemove: () => void;
}) {
  return (
    <Paper withBorder radius="sm" p="md" data-testid={`forward-destination-${index}`}>
      <Stack gap="sm">
        <Group justify="space-between">
          <SegmentedControl
            size="xs"
            value={viaOf(target)}
            onChange={(v) => onChange(withVia(target, v as Via))}
            data={[
              { value: 'tcp', label: 'Syslog TCP' },
              { value: 'udp', label: 'Syslog UDP' },
              { value: 'jsonl', label: 'JSONL file' },
            ]}
            aria-label="Protocol"
            data-testid={`forward-via-${index}`}
          />
          <Group gap="sm">
            <Switch
              label="Enabled"
              checked={target.enabled !== false}
              onChange={(e) => onChange({ ...target, enabled: e.currentTarget.checked })}
              data-testid={`forward-enabled-${index}`}
            />
            <Button variant="subtle" color="red" size="xs" onClick={onRemove}>
              Remove
            </Button>
          </Group>
        </Group>
        {target.kind === 'syslog' ? (
          <Group grow align="flex-start">
            <TextInput
              label="Host"
              value={target.host}
              onChange={(e) => onChange({ ...target, host: e.currentTarget.value })}
              styles={MONO_INPUT}
              data-testid={`forward-host-${index}`}
            />
            <NumberInput
              label="Port"
              value={target.port}
              min={1}
              max={65535}
              allowDecimal={false}
              onChange={(v) => typeof v === 'number' && onChange({ ...target, port: v })}
              data-testid={`forward-port-${index}`}
            />
          </Group>
        ) : (
          <TextInput
            label="File path"
            description="An absolute path on this machine; one JSON object per line is appended."
            placeholder="/var/log/airlock/audit.jsonl"
            value={target.path}
            onChange={(e) => onChange({ ...target, path: e.currentTarget.value })}
            styles={MONO_INPUT}
            data-testid={`forward-path-${index}`}
          />
        )}
        {target.kind === 'syslog' && !isThisMachine(`http://${hostForUrl(target.host)}/`) ? (
          <Alert color="orange" variant="light" title="This collector is not on this machine">
            <Text size="sm" mb="xs">
              Every audit entry (who, what, when, the decision and the chain hashes) will be sent to
              it. Airlock allows a host on your local network only; a public address is refused.
            </Text>
            <Checkbox
              label="I confirm this host is on our local network and may receive the audit trail"
              checked={target.lanConfirmed === true}
              onChange={(e) => onChange({ ...target, lanConfirmed: e.currentTarget.checked })}
              data-testid={`forward-lan-confirm-${index}`}
            />
          </Alert>
        ) : null}
        <StatusLine status={status} />
        {/* A result belongs to the destination it was sent to: a changed field clears it. */}
        <TestButton key={JSON.stringify(target)} target={target} index={index} />
      </Stack>
    </Paper>
  );
}

const hostForUrl = (host: string) => (host.includes(':') ? `[${host}]` : host || 'x');

export function AuditForwardingSection({
  forward,
  onChange,
}: {
  /** The draft's destinations; undefined while the settings load. */
  forward: ForwardTarget[] | undefined;
  onChange: (next: ForwardTarget[]) => void;
}) {
  const status = useQuery({
    queryKey: ['forwardingStatus'],
    queryFn: () => api.forwardingStatus({}),
    refetchInterval: 5_000,
  });
  const byName = new Map(status.data?.destinations.map((d) => [d.destination, d]));
  return (
    <Paper withBorder radius="md" p="lg" data-testid="audit-forwarding">
      <Title order={3} fz="md">
        Audit forwarding
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Sends every audit entry to your SIEM as it is written: syslog (RFC 5424) over TCP or UDP, or
        a JSON line in a file. At least once, in order, from the next entry after you save; while a
        destination is down, entries wait and are sent when it is back (a repeat carries the same
        seq). Statements, parameters and details are never sent.
      </Text>
      {status.error ? <ProblemAlert error={status.error} /> : null}
      {forward === undefined ? (
        <Skeleton h={80} />
      ) : (
        <Stack gap="sm">
          {forward.map((t, i) => (
            <Destination
              key={i}
              target={t}
              index={i}
              status={byName.get(destinationName(t))}
              onChange={(next) => onChange(forward.map((x, j) => (j === i ? next : x)))}
              onRemove={() => onChange(forward.filter((_, j) => j !== i))}
            />
          ))}
          <Group>
            <Button
              variant="light"
              size="xs"
              disabled={forward.length >= MAX_FORWARD_TARGETS}
              onClick={() => onChange([...forward, NEW_SYSLOG])}
              data-testid="forward-add"
            >
              Add destination
            </Button>
            <Text size="xs" c="dimmed">
              Save settings to apply.
            </Text>
          </Group>
        </Stack>
      )}
    </Paper>
  );
}
