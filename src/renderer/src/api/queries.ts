/**
 * TanStack Query keys and hooks for every read the pages share, so a mutation anywhere
 * invalidates the same cache entries the other pages read.
 */
import { useQuery, type UseQueryOptions } from '@tanstack/react-query';
import type { OpOutput } from '../../../shared/contract/ops';
import { api } from './api';

export const keys = {
  system: ['system'] as const,
  dashboard: ['dashboard'] as const,
  connections: ['connections'] as const,
  schema: (name: string) => ['schema', name] as const,
  agents: ['agents'] as const,
  grants: (id: string) => ['grants', id] as const,
  access: (id: string) => ['access', id] as const,
  audit: ['audit'] as const,
  auditEntry: (id: number) => ['audit-entry', id] as const,
  settings: ['settings'] as const,
};

type Opts<T> = Omit<UseQueryOptions<T>, 'queryKey' | 'queryFn'>;

export const useSystemInfo = () =>
  useQuery({ queryKey: keys.system, queryFn: () => api.systemInfo({}), staleTime: Infinity });

export const useDashboard = () =>
  useQuery({ queryKey: keys.dashboard, queryFn: () => api.dashboard({}), refetchInterval: 30_000 });

export const useConnections = () =>
  useQuery({
    queryKey: keys.connections,
    queryFn: async () => (await api.listConnections({})).connections,
  });

export const useSchema = (
  name: string | null | undefined,
  opts: Opts<OpOutput<'connectionSchema'>> = {},
) =>
  useQuery({
    queryKey: keys.schema(name ?? ''),
    queryFn: () => api.connectionSchema({ name: name ?? '' }),
    enabled: Boolean(name),
    staleTime: 5 * 60_000,
    ...opts,
  });

export const useAgents = () =>
  useQuery({ queryKey: keys.agents, queryFn: async () => (await api.listAgents({})).agents });

export const useGrants = (id: string) =>
  useQuery({
    queryKey: keys.grants(id),
    queryFn: async () => (await api.getGrants({ id })).grants,
  });

export const useAccessPreview = (id: string) =>
  useQuery({ queryKey: keys.access(id), queryFn: () => api.accessPreview({ id }) });

export const useSettings = () =>
  useQuery({ queryKey: keys.settings, queryFn: () => api.getSettings({}) });

export type Agent = OpOutput<'listAgents'>['agents'][number];
export type Connection = OpOutput<'listConnections'>['connections'][number];
export type TableSchema = OpOutput<'connectionSchema'>['tables'][number];
export type AuditEntry = OpOutput<'auditEntry'>;
export type Grant = OpOutput<'getGrants'>['grants'][number];
export type QueryOutcome = OpOutput<'runQuery'>;
export type AccessPreview = OpOutput<'accessPreview'>;
