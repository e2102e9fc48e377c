/**
 * Whether the database checks each agent's grants a second time as the agent's own role or user,
 * and if not, why — the guard alone then stands between agents and the data, which a person
 * deciding what to grant should know.
 */
import { Alert, Skeleton } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { OpOutput } from '../../../../shared/contract/ops';
import { api } from '../../api/api';
import { IconAlert, IconShield } from '../../components/icons';

type Principals = NonNullable<OpOutput<'checkConnection'>['agentPrincipals']>;

const WHAT: Record<Principals['kind'], string> = { role: 'database role', user: 'database user' };

export function AgentPrincipalsNote({ principals }: { principals: Principals }) {
  return principals.active ? (
    <Alert
      color="teal"
      icon={<IconShield />}
      title={`The database enforces grants too: each agent runs as its own ${WHAT[principals.kind]}`}
      data-testid="agent-principals"
      data-active="true"
    >
      {principals.message}.
    </Alert>
  ) : (
    <Alert
      color="yellow"
      icon={<IconAlert />}
      title="The guard alone enforces grants on this connection"
      data-testid="agent-principals"
      data-active="false"
    >
      {principals.message}.
    </Alert>
  );
}

/** The note for a saved server connection, from its connection check (run once per connection and cached). */
export function SavedConnectionPrincipals({ name }: { name: string }) {
  const check = useQuery({
    queryKey: ['connection-check', name],
    queryFn: () => api.checkConnection({ name }),
    staleTime: 5 * 60_000,
    retry: false,
  });
  if (check.isPending) return <Skeleton h={48} mb="md" />;
  const principals = check.data?.agentPrincipals;
  if (!principals) return null;
  return <AgentPrincipalsNote principals={principals} />;
}
