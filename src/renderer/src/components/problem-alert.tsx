/** An error a person can act on: the code to search for, the message, and the audit entry. */
import { Alert, Anchor, Code, Group, Text } from '@mantine/core';
import { Link } from 'react-router';
import { toProblem } from '../api/api';
import { IconAlert } from './icons';

export function ProblemAlert({
  error,
  title,
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  const p = toProblem(error);
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlert />}
      title={title ?? 'Something went wrong'}
      role="alert"
    >
      <Text size="sm">{p.message}</Text>
      <Group gap="md" mt={6}>
        <Code>{p.code}</Code>
        {p.auditId ? (
          <Anchor component={Link} to={`/audit?entry=${p.auditId}`} size="sm">
            Audit entry #{p.auditId}
          </Anchor>
        ) : null}
        {onRetry ? (
          <Anchor component="button" type="button" size="sm" onClick={onRetry}>
            Try again
          </Anchor>
        ) : null}
      </Group>
    </Alert>
  );
}
