/**
 * The grants editor: connection → table → column, with read and write boxes at table and column
 * level. A table's box is indeterminate when only some columns are ticked. Export is a
 * table-level box; its limits (rows, MB, seconds) show with the table's columns. A table with
 * write granted shows its "Writes wait for approval" switch right below it.
 */
import {
  ActionIcon,
  Badge,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  Switch,
  Table,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { Fragment, useState } from 'react';
import type { TableSchema } from '../../api/queries';
import { IconChevronDown, IconChevronRight, IconDatabase } from '../../components/icons';
import {
  columnChecked,
  setExportLimit,
  setWritesNeedApproval,
  tableAccess,
  tableCheck,
  toggleColumn,
  toggleExport,
  toggleTable,
  writesNeedApproval,
  type AccessTree,
  type Action,
  type ExportLimits,
} from '../../lib/grants-model';

const MB = 1024 * 1024;

/** The export limits of one table, each empty for the default (README, "Large results"). */
function ExportLimitsRow({
  limits,
  label,
  onChange,
  testId,
}: {
  limits: ExportLimits;
  label: string;
  onChange: (limit: keyof ExportLimits, value: number | undefined) => void;
  testId: (limit: string) => string;
}) {
  const num = (v: string | number) =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  return (
    <Group gap="sm" wrap="nowrap">
      <Text size="xs" c="dimmed">
        Export limits of {label}
      </Text>
      <NumberInput
        size="xs"
        w={120}
        min={1}
        placeholder="rows (default)"
        aria-label={`Export row limit of ${label}`}
        data-testid={testId('rows')}
        value={limits.maxRows ?? ''}
        onChange={(v) => onChange('maxRows', num(v))}
      />
      <NumberInput
        size="xs"
        w={110}
        min={1}
        placeholder="MB (default)"
        aria-label={`Export size limit of ${label} in MB`}
        data-testid={testId('mb')}
        value={limits.maxBytes !== undefined ? Math.round(limits.maxBytes / MB) : ''}
        onChange={(v) => onChange('maxBytes', num(v) !== undefined ? num(v)! * MB : undefined)}
      />
      <NumberInput
        size="xs"
        w={130}
        min={1}
        placeholder="seconds (default)"
        aria-label={`Export time limit of ${label} in seconds`}
        data-testid={testId('seconds')}
        value={limits.timeoutMs !== undefined ? Math.round(limits.timeoutMs / 1000) : ''}
        onChange={(v) => onChange('timeoutMs', num(v) !== undefined ? num(v)! * 1000 : undefined)}
      />
    </Group>
  );
}

/** A table's approval of writes (docs/api.md, "Approvals for agent writes"): on by default. */
function ApprovalRow({
  required,
  table,
  onChange,
  testId,
}: {
  required: boolean;
  table: string;
  onChange: (required: boolean) => void;
  testId: string;
}) {
  return (
    <Group gap="sm" wrap="nowrap">
      <Switch
        size="xs"
        checked={required}
        onChange={(e) => onChange(e.currentTarget.checked)}
        label="Writes wait for approval"
        aria-label={`Writes to ${table} wait for approval`}
        data-testid={testId}
      />
      <Text size="xs" c={required ? 'dimmed' : 'orange.8'}>
        {required
          ? 'Each INSERT, UPDATE or DELETE waits on the Approvals page, with a dry-run preview, until a person approves it.'
          : 'Writes run at once, without a person’s approval.'}
      </Text>
    </Group>
  );
}

function ActionBox({
  state,
  label,
  onToggle,
  testId,
}: {
  state: 'all' | 'some' | 'none';
  label: string;
  onToggle: () => void;
  testId: string;
}) {
  return (
    <Checkbox
      checked={state === 'all'}
      indeterminate={state === 'some'}
      onChange={onToggle}
      aria-label={label}
      data-testid={testId}
      size="sm"
      styles={{ body: { justifyContent: 'center' } }}
    />
  );
}

function summary(
  read: 'all' | 'some' | 'none',
  write: 'all' | 'some' | 'none',
  whole: boolean,
  n: number,
  total: number,
) {
  if (read === 'none' && write === 'none')
    return (
      <Text size="xs" c="dimmed">
        no access
      </Text>
    );
  const what =
    read === 'all' && whole
      ? 'all columns, incl. future'
      : read === 'all'
        ? `all ${total} columns`
        : read === 'some'
          ? `${n} of ${total} columns`
          : 'write only';
  return (
    <Text size="xs" c={read === 'some' ? 'yellow.8' : 'dimmed'}>
      {what}
    </Text>
  );
}

export function ConnectionGrants({
  connection,
  kind,
  tables,
  tree,
  onChange,
  filter,
}: {
  connection: string;
  kind: string;
  tables: TableSchema[];
  tree: AccessTree;
  onChange: (next: AccessTree) => void;
  filter: string;
}) {
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const shown = tables.filter((t) => t.name.toLowerCase().includes(filter.toLowerCase()));
  const granted = tables.filter((t) => {
    const a = tableAccess(tree, connection, t.name);
    return a.read.whole || a.read.columns.length || a.write.whole || a.write.columns.length;
  }).length;
  const id = (...parts: string[]) => parts.join('-');

  return (
    <Paper withBorder radius="md">
      <Group px="md" py="sm" justify="space-between">
        <Group gap="xs">
          <IconDatabase size={18} />
          <Text fw={650}>{connection}</Text>
          <Badge size="sm" color="gray">
            {kind}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {granted} of {tables.length} tables granted
        </Text>
      </Group>
      <Table verticalSpacing={4} horizontalSpacing="md" highlightOnHover withRowBorders>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Table / column</Table.Th>
            <Table.Th w={70} ta="center">
              Read
            </Table.Th>
            <Table.Th w={70} ta="center">
              Write
            </Table.Th>
            <Table.Th w={70} ta="center">
              Export
            </Table.Th>
            <Table.Th w={190}>Access</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shown.map((t) => {
            const cols = t.columns.map((c) => c.name);
            const access = tableAccess(tree, connection, t.name);
            const read = tableCheck(access.read, cols);
            const write = tableCheck(access.write, cols);
            const expanded = open[t.name] ?? false;
            const readCount = cols.filter((c) => columnChecked(access.read, c)).length;
            const flip = (action: Action) =>
              onChange(toggleTable(tree, connection, t.name, action, cols));
            return (
              <Fragment key={t.name}>
                <Table.Tr>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        size="sm"
                        onClick={() => setOpen({ ...open, [t.name]: !expanded })}
                        aria-expanded={expanded}
                        aria-label={`${expanded ? 'Hide' : 'Show'} columns of ${t.name}`}
                        data-testid={id('expand', connection, t.name)}
                      >
                        {expanded ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
                      </ActionIcon>
                      <UnstyledButton
                        onClick={() => setOpen({ ...open, [t.name]: !expanded })}
                        tabIndex={-1}
                      >
                        <Text ff="monospace" size="sm" fw={500}>
                          {t.name}
                        </Text>
                      </UnstyledButton>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <ActionBox
                      state={read}
                      label={`Read ${t.name}`}
                      onToggle={() => flip('read')}
                      testId={id('grant-read', connection, t.name)}
                    />
                  </Table.Td>
                  <Table.Td>
                    <ActionBox
                      state={write}
                      label={`Write ${t.name}`}
                      onToggle={() => flip('write')}
                      testId={id('grant-write', connection, t.name)}
                    />
                  </Table.Td>
                  <Table.Td>
                    <ActionBox
                      state={access.export ? 'all' : 'none'}
                      label={`Export ${t.name} (more rows than the cap)`}
                      onToggle={() => onChange(toggleExport(tree, connection, t.name))}
                      testId={id('grant-export', connection, t.name)}
                    />
                  </Table.Td>
                  <Table.Td>
                    {summary(read, write, access.read.whole, readCount, cols.length)}
                  </Table.Td>
                </Table.Tr>
                {write !== 'none' ? (
                  <Table.Tr>
                    <Table.Td pl={52} colSpan={5} py={2}>
                      <ApprovalRow
                        required={writesNeedApproval(access)}
                        table={t.name}
                        onChange={(required) =>
                          onChange(setWritesNeedApproval(tree, connection, t.name, required))
                        }
                        testId={id('approval', connection, t.name)}
                      />
                    </Table.Td>
                  </Table.Tr>
                ) : null}
                {expanded && access.export ? (
                  <Table.Tr bg="var(--mantine-color-default-hover)">
                    <Table.Td pl={52} colSpan={5}>
                      <ExportLimitsRow
                        limits={access.export}
                        label={t.name}
                        onChange={(limit, value) =>
                          onChange(setExportLimit(tree, connection, t.name, limit, value))
                        }
                        testId={(limit) => id('export-limit', connection, t.name, limit)}
                      />
                    </Table.Td>
                  </Table.Tr>
                ) : null}
                {expanded
                  ? t.columns.map((c) => {
                      const flipCol = (action: Action) =>
                        onChange(toggleColumn(tree, connection, t.name, action, c.name, cols));
                      const r = columnChecked(access.read, c.name);
                      const w = columnChecked(access.write, c.name);
                      return (
                        <Table.Tr key={c.name} bg="var(--mantine-color-default-hover)">
                          <Table.Td pl={52}>
                            <Group gap={8} wrap="nowrap">
                              <Text ff="monospace" size="sm" c={r || w ? undefined : 'dimmed'}>
                                {c.name}
                              </Text>
                              <Text size="xs" c="dimmed" tt="uppercase">
                                {c.type}
                              </Text>
                            </Group>
                          </Table.Td>
                          <Table.Td>
                            <ActionBox
                              state={r ? 'all' : 'none'}
                              label={`Read ${t.name}.${c.name}`}
                              onToggle={() => flipCol('read')}
                              testId={id('grant-read', connection, t.name, c.name)}
                            />
                          </Table.Td>
                          <Table.Td>
                            <ActionBox
                              state={w ? 'all' : 'none'}
                              label={`Write ${t.name}.${c.name}`}
                              onToggle={() => flipCol('write')}
                              testId={id('grant-write', connection, t.name, c.name)}
                            />
                          </Table.Td>
                          <Table.Td />
                          <Table.Td>
                            <Text size="xs" c={r ? 'teal' : 'dimmed'}>
                              {r
                                ? w
                                  ? 'visible, writable'
                                  : 'visible'
                                : w
                                  ? 'writable only'
                                  : 'hidden'}
                            </Text>
                          </Table.Td>
                        </Table.Tr>
                      );
                    })
                  : null}
              </Fragment>
            );
          })}
          {shown.length === 0 ? (
            <Table.Tr>
              <Table.Td colSpan={5}>
                <Text size="sm" c="dimmed">
                  {tables.length === 0
                    ? 'No tables in this database.'
                    : `No table matches “${filter}”.`}
                </Text>
              </Table.Td>
            </Table.Tr>
          ) : null}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
