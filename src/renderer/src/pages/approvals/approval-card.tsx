/** One pending write as the officer decides on it: who asks, where, exactly what, and its preview. */
import { Anchor, Badge, Code, Group, Paper, Stack, Text, Tooltip } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { SqlView } from '../../components/sql/sql-view';
import { formatDateTime, relativeTime } from '../../lib/format';
import { DecisionButtons, type Decision } from './approval-decision';
import { ApprovalPreview } from './approval-preview';
import type { Approval } from './approval-queries';

export function Label({ children }: { children: React.ReactNode }) {
  return (
    <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
      {children}
    </Text>
  );
}

type Param = string | number | boolean | null;

/** A parameter as it will be bound: strings quoted, so '' and NULL and '1' and 1 differ. */
function paramText(p: Param): string {
  if (p === null) return 'NULL';
  return typeof p === 'string' ? `'${p.replaceAll("'", "''")}'` : String(p);
}

/** Positional parameters by number (#1 binds the first placeholder), named ones by name. */
function paramEntries(params: Approval['params']): [string, Param][] {
  if (!params) return [];
  if (Array.isArray(params)) return params.map((p, i) => [`#${i + 1}`, p]);
  return Object.entries(params as Record<string, Param>);
}

export function ParamList({ params }: { params: Approval['params'] }) {
  const entries = paramEntries(params);
  if (entries.length === 0)
    return (
      <Text size="sm" c="dimmed">
        None
      </Text>
    );
  return (
    <Group gap={6} data-testid="approval-params">
      {entries.map(([name, p]) => (
        <Code key={name} fz="sm">
          <Text span c="dimmed" fz="xs">
            {name}{' '}
          </Text>
          {paramText(p)}
        </Code>
      ))}
    </Group>
  );
}

export function When({ iso, prefix }: { iso: string | undefined; prefix?: string }) {
  if (!iso) return <>—</>;
  return (
    <Tooltip label={formatDateTime(iso)}>
      <Text span inherit>
        {prefix}
        {relativeTime(iso)}
      </Text>
    </Tooltip>
  );
}

/** The outline of the approval a link opened the page on (`#/approvals?id=…`). */
export const LINKED_OUTLINE = {
  borderColor: 'var(--mantine-color-blue-filled)',
  boxShadow: '0 0 0 3px var(--mantine-color-blue-light)',
};

/** Brings the approval a link named into view, once, when it is shown. */
export function useScrollIntoView<T extends HTMLElement>(linked: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (linked) ref.current?.scrollIntoView({ block: 'center' });
  }, [linked]);
  return ref;
}

export function ApprovalCard({
  approval,
  onDecide,
  linked = false,
}: {
  approval: Approval;
  onDecide: (d: Decision) => void;
  /** The approval the page's link names: outlined and scrolled to. */
  linked?: boolean;
}) {
  const expired = Date.parse(approval.expiresAt) <= Date.now();
  const ref = useScrollIntoView<HTMLDivElement>(linked);
  return (
    <Paper
      ref={ref}
      withBorder
      radius="md"
      p="md"
      component="article"
      aria-label={`Write by ${approval.agent.name} on ${approval.connection}`}
      aria-current={linked ? 'true' : undefined}
      style={linked ? LINKED_OUTLINE : undefined}
      data-testid={`approval-${approval.id}`}
      data-linked={linked || undefined}
    >
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <div>
            <Text fw={650}>
              <Anchor
                component={Link}
                to={`/agents/${encodeURIComponent(approval.agent.id)}`}
                inherit
                data-testid="approval-agent"
              >
                {approval.agent.name}
              </Anchor>{' '}
              asks to write to{' '}
              <Text span ff="monospace" fw={650} data-testid="approval-connection">
                {approval.connection}
              </Text>
            </Text>
            <Text size="xs" c="dimmed">
              Requested <When iso={approval.createdAt} /> ·{' '}
              {expired ? (
                <Text span inherit c="red">
                  expired
                </Text>
              ) : (
                <>
                  expires <When iso={approval.expiresAt} />
                </>
              )}{' '}
              · <Code fz="xs">{approval.id}</Code>
              {linked ? (
                <Badge size="xs" variant="light" ml={6}>
                  from your link
                </Badge>
              ) : null}
            </Text>
          </div>
          <DecisionButtons approval={approval} onDecide={onDecide} />
        </Group>
        <Stack gap={4}>
          <Label>Statement</Label>
          <Paper withBorder radius="sm" bg="var(--mantine-color-body)">
            <SqlView sql={approval.statement} />
          </Paper>
        </Stack>
        <Stack gap={4}>
          <Label>Parameters</Label>
          <ParamList params={approval.params} />
        </Stack>
        <Stack gap={4}>
          <Label>Preview (dry run, rolled back)</Label>
          <ApprovalPreview approval={approval} />
        </Stack>
      </Stack>
    </Paper>
  );
}
