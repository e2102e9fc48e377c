/**
 * Audit retention in Settings: after how many days entries are anonymized (personal fields
 * replaced by pseudonyms, their commitments kept) and purged (deleted under a signed anchor).
 * Empty keeps entries whole, forever. Both keep `airlock audit verify` passing (docs/api.md).
 */
import { NumberInput, Paper, SimpleGrid, Skeleton, Text, Title } from '@mantine/core';

export interface RetentionDays {
  retentionDays?: number | undefined;
  anonymizeAfterDays?: number | undefined;
}

export function AuditRetentionSection({
  value,
  onChange,
}: {
  /** Undefined while the settings load. */
  value: RetentionDays | undefined;
  onChange: (next: RetentionDays) => void;
}) {
  const days = (v: string | number) => (typeof v === 'number' ? v : undefined);
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} fz="md">
        Audit retention
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Older entries can have actor names, statement literals, questions and other personal fields
        replaced by stable pseudonyms, and later be purged under a signed anchor. The trail still
        verifies after both. Applied hourly; leave empty to keep entries whole.
      </Text>
      {value ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <NumberInput
            label="Anonymize after (days)"
            value={value.anonymizeAfterDays ?? ''}
            onChange={(v) => onChange({ ...value, anonymizeAfterDays: days(v) })}
            min={0}
            max={36_500}
            allowDecimal={false}
            data-testid="audit-anonymize-days"
          />
          <NumberInput
            label="Purge after (days)"
            value={value.retentionDays ?? ''}
            onChange={(v) => onChange({ ...value, retentionDays: days(v) })}
            min={1}
            max={36_500}
            allowDecimal={false}
            data-testid="audit-retention-days"
          />
        </SimpleGrid>
      ) : (
        <Skeleton h={60} />
      )}
    </Paper>
  );
}
