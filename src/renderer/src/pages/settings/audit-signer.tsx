/**
 * The audit signing key's fingerprint: an officer reads it out to an auditor (or compares it
 * with `airlock audit public-key`), so a report's signer can be recognised on another machine.
 */
import { Code, Group, Paper, Skeleton, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/api';
import { CopyIcon } from '../../components/copy-text';
import { ProblemAlert } from '../../components/problem-alert';

export function AuditSignerSection() {
  const signer = useQuery({
    queryKey: ['auditSigner'],
    queryFn: () => api.auditSigner({}),
    staleTime: Infinity,
  });
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} fz="md">
        Audit signing key
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Reports and checkpoints are signed with this Ed25519 key; its private half never leaves the
        encrypted store. Give auditors the public key (<code>airlock audit public-key</code>) and
        check that its fingerprint matches this one.
      </Text>
      {signer.error ? <ProblemAlert error={signer.error} /> : null}
      {signer.data ? (
        <Group gap={4} wrap="nowrap">
          <Text size="xs" c="dimmed" fw={700} tt="uppercase" mr="xs">
            SHA-256 fingerprint
          </Text>
          <Code data-testid="audit-fingerprint" style={{ wordBreak: 'break-all' }}>
            {signer.data.fingerprint}
          </Code>
          <CopyIcon text={signer.data.fingerprint} label="Copy fingerprint" />
        </Group>
      ) : signer.isPending ? (
        <Skeleton h={24} />
      ) : null}
    </Paper>
  );
}
