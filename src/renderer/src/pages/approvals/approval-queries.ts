/**
 * The approvals the page and the sidebar read. Both use the same pending query, polled every
 * five seconds, so the count beside "Approvals" and the page's list never disagree.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApprovalView } from '../../../../shared/contract/approvals';
import { api } from '../../api/api';
import { keys } from '../../api/queries';

export type Approval = ApprovalView;

export const approvalKeys = {
  all: ['approvals'] as const,
  pending: ['approvals', 'pending'] as const,
  history: ['approvals', 'history'] as const,
};

/** How often a new request shows up without a reload. */
export const PENDING_POLL_MS = 5_000;

export const usePendingApprovals = (enabled = true) =>
  useQuery({
    queryKey: approvalKeys.pending,
    queryFn: async () => (await api.listApprovals({ status: 'pending' })).approvals,
    refetchInterval: PENDING_POLL_MS,
    staleTime: 0,
    enabled,
  });

/** Every approval that is no longer pending, newest first; read afresh each time it is shown. */
export const useApprovalHistory = (enabled = true) =>
  useQuery({
    queryKey: approvalKeys.history,
    queryFn: async () =>
      (await api.listApprovals({})).approvals.filter((a) => a.status !== 'pending'),
    refetchInterval: 15_000,
    staleTime: 0,
    enabled,
  });

/** After a decision or a revert: both lists, and the audit pages that now hold new entries. */
export function useRefreshApprovals(): () => void {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: approvalKeys.all });
    void queryClient.invalidateQueries({ queryKey: keys.audit });
    void queryClient.invalidateQueries({ queryKey: keys.dashboard });
  };
}
