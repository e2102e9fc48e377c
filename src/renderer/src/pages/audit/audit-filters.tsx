/** The audit filters, kept in the URL so a filtered view can be bookmarked or linked. */
import { Button, Group, SegmentedControl, Select, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import { useAgents, useConnections } from '../../api/queries';
import { IconSearch } from '../../components/icons';
import { TIME_PRESETS, type TimePreset } from '../../lib/time-range';

export interface AuditFilterValues {
  agent: string;
  connection: string;
  status: '' | 'allowed' | 'denied' | 'error';
  range: TimePreset;
  from: string;
  to: string;
  q: string;
}

export function AuditFilters({
  value,
  onChange,
}: {
  value: AuditFilterValues;
  onChange: (patch: Partial<AuditFilterValues>) => void;
}) {
  const agents = useAgents();
  const connections = useConnections();
  const [text, setText] = useState(value.q);
  const pushText = useDebouncedCallback((q: string) => onChange({ q }), 350);
  const any = value.agent || value.connection || value.status || value.range !== 'all' || value.q;

  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <TextInput
        label="Search"
        placeholder="statement, reason, rule…"
        leftSection={<IconSearch size={14} />}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          pushText(e.currentTarget.value);
        }}
        w={240}
        data-testid="audit-text"
      />
      <Select
        label="Agent"
        placeholder="Anyone"
        data={(agents.data ?? []).map((a) => a.name)}
        value={value.agent || null}
        onChange={(v) => onChange({ agent: v ?? '' })}
        searchable
        clearable
        w={170}
        data-testid="audit-agent"
      />
      <Select
        label="Connection"
        placeholder="Any"
        data={(connections.data ?? []).map((c) => c.name)}
        value={value.connection || null}
        onChange={(v) => onChange({ connection: v ?? '' })}
        clearable
        w={150}
      />
      <div>
        <SegmentedControl
          value={value.status || 'all'}
          onChange={(v) =>
            onChange({ status: v === 'all' ? '' : (v as AuditFilterValues['status']) })
          }
          data={[
            { value: 'all', label: 'All' },
            { value: 'allowed', label: 'Allowed' },
            { value: 'denied', label: 'Denied' },
            { value: 'error', label: 'Errors' },
          ]}
          aria-label="Decision"
          data-testid="audit-status"
        />
      </div>
      <Select
        label="Time"
        data={TIME_PRESETS.map((p) => ({ value: p.value, label: p.label }))}
        value={value.range}
        onChange={(v) => onChange({ range: (v ?? 'all') as TimePreset })}
        allowDeselect={false}
        w={160}
      />
      {value.range === 'custom' ? (
        <>
          <TextInput
            label="From"
            type="datetime-local"
            value={value.from}
            onChange={(e) => onChange({ from: e.currentTarget.value })}
            w={200}
          />
          <TextInput
            label="To"
            type="datetime-local"
            value={value.to}
            onChange={(e) => onChange({ to: e.currentTarget.value })}
            w={200}
          />
        </>
      ) : null}
      {any ? (
        <Button
          variant="subtle"
          color="gray"
          onClick={() => {
            setText('');
            onChange({
              agent: '',
              connection: '',
              status: '',
              range: 'all',
              from: '',
              to: '',
              q: '',
            });
          }}
        >
          Clear filters
        </Button>
      ) : null}
    </Group>
  );
}
