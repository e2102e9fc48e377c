/** The chart view of a result: pick the kind and the x / y columns; sensible defaults first. */
import {
  Alert,
  Group,
  MultiSelect,
  Paper,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Text,
} from '@mantine/core';
import { lazy, Suspense, useMemo, useState } from 'react';
import { IconChart } from '../../components/icons';
import {
  buildOption,
  CHART_KINDS,
  choiceProblem,
  defaultChoice,
  MAX_POINTS,
  type ChartChoice,
  type ChartKind,
  type ColumnRole,
} from '../../lib/chart-model';
import { formatCount } from '../../lib/format';

const EChart = lazy(() => import('../../components/echart'));
const KIND_LABEL: Record<ChartKind, string> = {
  bar: 'Bar',
  line: 'Line',
  pie: 'Pie',
  scatter: 'Scatter',
};

export function ResultChart({
  columns,
  rows,
  roles,
}: {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  roles: ColumnRole[];
}) {
  const initial = useMemo(() => defaultChoice(roles), [roles]);
  const [choice, setChoice] = useState<ChartChoice | null>(initial);
  const option = useMemo(
    () => (choice && !choiceProblem(choice, roles) ? buildOption(choice, columns, rows) : null),
    [choice, columns, rows, roles],
  );

  if (!choice) {
    return (
      <Alert color="gray" icon={<IconChart />} title="Nothing numeric to chart">
        A chart needs at least one numeric column. Try an aggregate, e.g.{' '}
        <code>SELECT status, COUNT(*) AS orders FROM orders GROUP BY status</code>.
      </Alert>
    );
  }
  const numeric = roles
    .filter((r) => r.numeric)
    .map((r) => ({ value: String(r.index), label: r.name }));
  const all = roles.map((r) => ({
    value: String(r.index),
    label: `${r.name}${r.numeric ? ' (number)' : r.temporal ? ' (date)' : ''}`,
  }));
  const single = choice.kind === 'pie' || choice.kind === 'scatter';
  const problem = choiceProblem(choice, roles);

  return (
    <Stack gap="sm" h="100%" style={{ minHeight: 0 }}>
      <Group gap="md" align="flex-end" wrap="wrap">
        <SegmentedControl
          size="xs"
          value={choice.kind}
          onChange={(k) =>
            setChoice({
              ...choice,
              kind: k as ChartKind,
              y: k === 'pie' || k === 'scatter' ? choice.y.slice(0, 1) : choice.y,
            })
          }
          data={CHART_KINDS.map((k) => ({ value: k, label: KIND_LABEL[k] }))}
          aria-label="Chart type"
          data-testid="chart-kind"
        />
        <Select
          size="xs"
          label={choice.kind === 'pie' ? 'Slices' : 'X axis'}
          data={choice.kind === 'scatter' ? numeric : all}
          value={String(choice.x)}
          onChange={(v) => v !== null && setChoice({ ...choice, x: Number(v) })}
          allowDeselect={false}
          w={200}
          data-testid="chart-x"
        />
        {single ? (
          <Select
            size="xs"
            label={choice.kind === 'pie' ? 'Size' : 'Y axis'}
            data={numeric}
            value={choice.y[0] !== undefined ? String(choice.y[0]) : null}
            onChange={(v) => v !== null && setChoice({ ...choice, y: [Number(v)] })}
            allowDeselect={false}
            w={200}
          />
        ) : (
          <MultiSelect
            size="xs"
            label="Values"
            data={numeric}
            value={choice.y.map(String)}
            onChange={(v) => setChoice({ ...choice, y: v.map(Number) })}
            w={320}
            data-testid="chart-y"
          />
        )}
        {rows.length > MAX_POINTS && choice.kind !== 'pie' ? (
          <Text size="xs" c="dimmed" pb={6}>
            Showing the first {formatCount(MAX_POINTS)} of {formatCount(rows.length)} rows.
          </Text>
        ) : null}
      </Group>
      {problem ? (
        <Text c="dimmed" size="sm">
          {problem}
        </Text>
      ) : (
        <Paper withBorder radius="md" p="xs" style={{ flex: 1, minHeight: 240 }}>
          <Suspense fallback={<Skeleton h="100%" />}>
            {option ? (
              <EChart
                option={option}
                height="100%"
                label={`${KIND_LABEL[choice.kind]} chart of the result`}
              />
            ) : null}
          </Suspense>
        </Paper>
      )}
    </Stack>
  );
}
