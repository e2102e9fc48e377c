/**
 * "Verify chain": starts a verification job on the core and polls it, with a progress bar and a
 * verdict anyone can read — intact with N entries, or broken at entry N and why.
 */
import { Alert, Anchor, Button, Group, Paper, Progress, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { IconAlert, IconShield } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { formatCount } from '../../lib/format';

export function useVerify() {
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => api.startVerify({}),
    onSuccess: (job) => setJobId(job.id),
  });
  const status = useQuery({
    queryKey: ['verify', jobId],
    queryFn: () => api.verifyStatus({ id: jobId! }),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data && q.state.data.state !== 'running' ? false : 250),
    initialData: start.data && start.data.id === jobId ? start.data : undefined,
  });
  return {
    start,
    job: jobId ? status.data : undefined,
    error: start.error ?? status.error,
    running: start.isPending || status.data?.state === 'running',
  };
}

export function VerifyButton({ verify }: { verify: ReturnType<typeof useVerify> }) {
  return (
    <Button
      leftSection={<IconShield size={16} />}
      onClick={() => verify.start.mutate()}
      loading={verify.running}
      data-testid="verify-chain"
    >
      Verify chain
    </Button>
  );
}

export function VerifyPanel({ verify }: { verify: ReturnType<typeof useVerify> }) {
  const { job, error } = verify;
  if (error) return <ProblemAlert error={error} title="The verification could not run" />;
  if (!job) return null;
  if (job.state === 'failed') {
    return (
      <Alert
        color="orange"
        icon={<IconAlert />}
        title="The verification could not finish"
        data-testid="verify-verdict"
        data-ok="unknown"
      >
        {job.error ?? 'The audit log could not be read.'} This says nothing about the chain itself:
        fix the cause and verify again.
      </Alert>
    );
  }
  if (job.state === 'running' || !job.result) {
    const pct = job.total ? (job.verified / job.total) * 100 : 0;
    return (
      <Paper withBorder radius="md" p="md" data-testid="verify-progress">
        <Group justify="space-between" mb={6}>
          <Text size="sm" fw={600}>
            Verifying the audit chain…
          </Text>
          <Text size="sm" c="dimmed">
            {formatCount(job.verified)} of {formatCount(job.total)} entries
          </Text>
        </Group>
        <Progress value={pct} animated aria-label="Verification progress" />
      </Paper>
    );
  }
  const r = job.result;
  if (r.ok) {
    return (
      <Alert
        color="teal"
        icon={<IconShield />}
        title={`Chain intact — ${formatCount(r.entries)} entries verified`}
        data-testid="verify-verdict"
        data-ok="true"
      >
        Every entry's hash matches its content and links to the one before it, from the first entry
        to the last: nothing was altered, removed or inserted.
      </Alert>
    );
  }
  return (
    <Alert
      color="red"
      icon={<IconAlert />}
      title={`Chain broken at entry #${r.firstBroken ?? '?'}`}
      data-testid="verify-verdict"
      data-ok="false"
    >
      <Text size="sm">{r.problem ?? 'The entry does not match its recorded hash.'}</Text>
      <Text size="sm" mt={6}>
        {formatCount(r.entries)} entries before it verified. Entries from #{r.firstBroken} on cannot
        be trusted: keep a copy of the data directory and investigate who had access to it.{' '}
        {r.firstBroken ? (
          <Anchor component={Link} to={`/audit?entry=${r.firstBroken}`} size="sm">
            Open entry #{r.firstBroken}
          </Anchor>
        ) : null}
      </Text>
    </Alert>
  );
}
