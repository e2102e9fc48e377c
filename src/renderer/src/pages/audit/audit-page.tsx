/**
 * The audit log: filter it, page through it newest first with keyset pagination (only one page is
 * ever loaded, however many millions of entries there are), open any entry, verify the chain.
 */
import { Button, Group, NumberInput, Paper, Skeleton, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../../api/api';
import { keys } from '../../api/queries';
import { EmptyHint } from '../../components/empty-hint';
import { IconChevronLeft, IconChevronRight, IconRefresh, IconShield } from '../../components/icons';
import { Page } from '../../components/page';
import { ProblemAlert } from '../../components/problem-alert';
import { formatCount } from '../../lib/format';
import { timeBounds, type TimePreset } from '../../lib/time-range';
import { AuditFilters, type AuditFilterValues } from './audit-filters';
import { AuditTable } from './audit-table';
import { EntryDrawer } from './entry-drawer';
import { useVerify, VerifyButton, VerifyPanel } from './verify-panel';
import { ExportReportButton } from './export-report';

const PAGE_SIZE = 100;

export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters: AuditFilterValues = {
    agent: params.get('agent') ?? '',
    connection: params.get('connection') ?? '',
    status: (params.get('status') ?? '') as AuditFilterValues['status'],
    range: (params.get('range') ?? 'all') as TimePreset,
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    q: params.get('q') ?? '',
  };
  const entryParam = params.get('entry');
  const entryId = entryParam && /^\d+$/.test(entryParam) ? Number(entryParam) : null;
  const filterKey = JSON.stringify(filters);
  // Keyset pagination: the cursors of the pages above this one, so "Newer" can step back.
  const [cursors, setCursors] = useState<{ key: string; stack: (number | undefined)[] }>({
    key: filterKey,
    stack: [undefined],
  });
  const stack = cursors.key === filterKey ? cursors.stack : [undefined];
  const beforeId = stack[stack.length - 1];
  const verify = useVerify();

  const search = useMemo(() => {
    const bounds = timeBounds(filters.range, { from: filters.from, to: filters.to });
    return {
      ...(filters.agent ? { agent: filters.agent } : {}),
      ...(filters.connection ? { connection: filters.connection } : {}),
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.q ? { text: filters.q } : {}),
      ...bounds,
      ...(beforeId !== undefined ? { beforeId } : {}),
      limit: PAGE_SIZE,
    };
    // Relative ranges are computed when the filters change, not on every render.
  }, [filterKey, beforeId]);

  const page = useQuery({
    queryKey: [...keys.audit, search],
    queryFn: () => api.searchAudit(search),
    placeholderData: keepPreviousData,
  });

  const setFilter = (patch: Partial<AuditFilterValues>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === '' || (k === 'range' && v === 'all')) next.delete(k);
      else next.set(k, String(v));
    }
    setParams(next, { replace: true });
  };
  const openEntry = (id: number | null) => {
    const next = new URLSearchParams(params);
    if (id === null) next.delete('entry');
    else next.set('entry', String(id));
    setParams(next);
  };

  const entries = page.data?.entries ?? [];
  const first = entries[0]?.id;
  const last = entries[entries.length - 1]?.id;
  const filtered =
    filterKey !==
    JSON.stringify({
      agent: '',
      connection: '',
      status: '',
      range: 'all',
      from: '',
      to: '',
      q: '',
    });

  return (
    <Page
      title="Audit"
      description="Every request, allowed or refused, in a tamper-evident hash chain."
      actions={
        <>
          <Button
            variant="default"
            leftSection={<IconRefresh size={16} />}
            onClick={() => void page.refetch()}
            loading={page.isFetching && !page.isPending}
          >
            Refresh
          </Button>
          <ExportReportButton
            scope={{
              ...timeBounds(filters.range, { from: filters.from, to: filters.to }),
              ...(filters.agent ? { agent: filters.agent } : {}),
              ...(filters.connection ? { connection: filters.connection } : {}),
              ...(filters.status ? { status: filters.status } : {}),
            }}
          />
          <VerifyButton verify={verify} />
        </>
      }
    >
      <VerifyPanel verify={verify} />
      <AuditFilters value={filters} onChange={setFilter} />
      {page.error ? (
        <ProblemAlert
          error={page.error}
          title="The audit log could not be searched"
          onRetry={() => void page.refetch()}
        />
      ) : null}
      {page.isPending ? <Skeleton h={320} /> : null}
      {page.data && entries.length === 0 ? (
        <EmptyHint
          icon={<IconShield size={28} />}
          title={filtered ? 'No entries match these filters' : 'The audit log is empty'}
          description={
            filtered
              ? 'Widen the time range or clear a filter.'
              : 'Each request an agent or the workbench makes is recorded here — run a query in the Workbench to see the first one.'
          }
        />
      ) : null}
      {entries.length > 0 ? (
        <Paper
          withBorder
          radius="md"
          style={{ opacity: page.isPlaceholderData ? 0.6 : 1 }}
          aria-busy={page.isPlaceholderData}
          data-testid="audit-results"
          data-stale={page.isPlaceholderData}
        >
          <AuditTable entries={entries} onOpen={openEntry} />
          <Group
            justify="space-between"
            px="md"
            py="xs"
            style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
          >
            <Text size="sm" c="dimmed" data-testid="audit-total">
              {formatCount(page.data!.total)}
              {page.data!.totalCapped ? '+' : ''} {filtered ? 'matching ' : ''}entries · showing #
              {last}–#{first}
            </Text>
            <Group gap="xs">
              <JumpToEntry onOpen={openEntry} />
              <Button
                size="xs"
                variant="subtle"
                disabled={stack.length <= 1}
                onClick={() => setCursors({ key: filterKey, stack: [undefined] })}
              >
                Newest
              </Button>
              <Button
                size="xs"
                variant="default"
                leftSection={<IconChevronLeft size={14} />}
                disabled={stack.length <= 1}
                onClick={() => setCursors({ key: filterKey, stack: stack.slice(0, -1) })}
              >
                Newer
              </Button>
              <Button
                size="xs"
                variant="default"
                rightSection={<IconChevronRight size={14} />}
                disabled={page.data?.nextBeforeId == null}
                onClick={() =>
                  setCursors({ key: filterKey, stack: [...stack, page.data!.nextBeforeId!] })
                }
                data-testid="audit-older"
              >
                Older
              </Button>
            </Group>
          </Group>
        </Paper>
      ) : null}
      <EntryDrawer id={entryId} onClose={() => openEntry(null)} onNavigate={openEntry} />
    </Page>
  );
}

/** Open an entry by number: auditors are often handed "entry #48213" to look at. */
function JumpToEntry({ onOpen }: { onOpen: (id: number) => void }) {
  const [value, setValue] = useState<string | number>('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (typeof value === 'number' && value > 0) onOpen(value);
      }}
    >
      <NumberInput
        size="xs"
        w={130}
        placeholder="Go to entry #"
        value={value}
        onChange={setValue}
        min={1}
        allowDecimal={false}
        allowNegative={false}
        hideControls
        aria-label="Go to audit entry number"
        data-testid="audit-jump"
      />
    </form>
  );
}
