/** Where the data lives, the limits every query runs under, the local model, and the theme. */
import {
  Button,
  Code,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
  useMantineColorScheme,
  type MantineColorScheme,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api/api';
import { keys, useSettings, useSystemInfo } from '../../api/queries';
import { CopyIcon } from '../../components/copy-text';
import { Page } from '../../components/page';
import { ProblemAlert } from '../../components/problem-alert';
import { ApprovalExpirySection } from './approval-expiry';
import { expiryProblem } from '../../lib/approval-expiry';
import { AuditSignerSection } from './audit-signer';
import { AuditForwardingSection } from './audit-forwarding';
import { AuditRetentionSection } from './audit-retention';
import { LanConfirm } from './lan-confirm';
import { OllamaStatusPanel } from './ollama-status';
import { formatBytes } from '../../lib/format';
import { MONO_INPUT } from '../../theme';
import type { OpOutput } from '../../../../shared/contract/ops';

type Settings = OpOutput<'getSettings'>;
type LimitKey = keyof Settings['limits'];

const LIMITS: {
  key: LimitKey;
  label: string;
  description: string;
  min: number;
  max: number;
  suffix?: string;
}[] = [
  {
    key: 'maxRows',
    label: 'Rows per result',
    description: 'Results are cut (and marked truncated) past this many rows.',
    min: 1,
    max: 10_000_000,
  },
  {
    key: 'maxBytes',
    label: 'Bytes per result',
    description: 'The same, measured in bytes of JSON.',
    min: 1024,
    max: 2 * 1024 * 1024 * 1024,
    suffix: ' B',
  },
  {
    key: 'timeoutMs',
    label: 'Statement timeout',
    description: 'Queries running longer are stopped.',
    min: 100,
    max: 3_600_000,
    suffix: ' ms',
  },
  {
    key: 'ratePerMinute',
    label: 'Requests per minute',
    description: 'Per agent; excess requests get 429 with Retry-After.',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'ratePerHour',
    label: 'Requests per hour',
    description: 'Per agent.',
    min: 1,
    max: 10_000_000,
  },
  {
    key: 'ratePerDay',
    label: 'Requests per day',
    description: 'Per agent.',
    min: 1,
    max: 100_000_000,
  },
  {
    key: 'agentConcurrency',
    label: 'Statements at a time',
    description: 'Per agent and connection (never more than half its pool); more get 429 at once.',
    min: 1,
    max: 100,
  },
];

/** What a limit the settings leave unset stands at (query-service.ts). */
const UNSET_DEFAULTS: Partial<Record<LimitKey, number>> = { agentConcurrency: 2 };

/** The document with a new approvals expiry; empty (the default) leaves no `approvals` behind. */
function withApprovalTtl(s: Settings, ttlSeconds: number | undefined): Settings {
  const { approvals, ...rest } = s;
  const next = { ...approvals, ttlSeconds };
  if (ttlSeconds === undefined) delete next.ttlSeconds;
  return Object.keys(next).length ? { ...rest, approvals: next } : rest;
}

function Section({
  title,
  description,
  children,
}: {
  title: string;
  description: string;
  children: React.ReactNode;
}) {
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={3} fz="md">
        {title}
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        {description}
      </Text>
      {children}
    </Paper>
  );
}

export default function SettingsPage() {
  const system = useSystemInfo();
  const settings = useSettings();
  const queryClient = useQueryClient();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const [draft, setDraft] = useState<Settings | null>(null);
  useEffect(() => {
    if (settings.data) setDraft(settings.data);
  }, [settings.data]);
  const dirty = draft !== null && JSON.stringify(draft) !== JSON.stringify(settings.data);
  // Refused here, with the field's message, rather than by the server after Save.
  const invalid = draft !== null && expiryProblem(draft.approvals?.ttlSeconds) !== null;

  const save = useMutation({
    mutationFn: (s: Settings) => api.putSettings(s),
    onSuccess: (s) => {
      queryClient.setQueryData(keys.settings, s);
      void queryClient.invalidateQueries({ queryKey: ['ollama-status'] });
      notifications.show({
        color: 'teal',
        title: 'Settings saved',
        message: 'They apply to the next request.',
      });
    },
  });
  const setLimit = (key: LimitKey, v: number | string) =>
    draft && typeof v === 'number' && setDraft({ ...draft, limits: { ...draft.limits, [key]: v } });

  return (
    <Page
      title="Settings"
      description="Limits apply to every agent and to the workbench."
      actions={
        <>
          <Button
            variant="default"
            disabled={!dirty}
            onClick={() => setDraft(settings.data ?? null)}
          >
            Discard
          </Button>
          <Button
            disabled={!dirty || !draft || invalid}
            loading={save.isPending}
            onClick={() => draft && save.mutate(draft)}
            data-testid="save-settings"
          >
            Save settings
          </Button>
        </>
      }
    >
      {save.error ? <ProblemAlert error={save.error} title="The settings were not saved" /> : null}
      {settings.error ? (
        <ProblemAlert error={settings.error} onRetry={() => void settings.refetch()} />
      ) : null}

      <Section
        title="This installation"
        description="Airlock keeps everything in one encrypted store in this folder. Back it up with the key file, separately."
      >
        {system.data ? (
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
            <div>
              <Text size="xs" c="dimmed" fw={700} tt="uppercase">
                Data location
              </Text>
              <Group gap={4} wrap="nowrap">
                <Code data-testid="data-dir">{system.data.dataDir}</Code>
                <CopyIcon text={system.data.dataDir} label="Copy path" />
              </Group>
            </div>
            <div>
              <Text size="xs" c="dimmed" fw={700} tt="uppercase">
                Agent API
              </Text>
              <Group gap={4} wrap="nowrap">
                <Code>{system.data.url}</Code>
                <CopyIcon text={system.data.url} label="Copy address" />
              </Group>
            </div>
            <div>
              <Text size="xs" c="dimmed" fw={700} tt="uppercase">
                Version
              </Text>
              <Text size="sm">
                {system.data.version} ·{' '}
                {system.data.shell === 'desktop' ? 'desktop app' : 'headless server'}
              </Text>
            </div>
          </SimpleGrid>
        ) : (
          <Skeleton h={48} />
        )}
      </Section>

      <AuditSignerSection />

      <AuditForwardingSection
        forward={draft ? (draft.audit?.forward ?? []) : undefined}
        onChange={(forward) => draft && setDraft({ ...draft, audit: { ...draft.audit, forward } })}
      />

      <AuditRetentionSection
        value={draft ? (draft.audit ?? {}) : undefined}
        onChange={(days) => draft && setDraft({ ...draft, audit: { ...draft.audit, ...days } })}
      />

      <Section
        title="Limits"
        description="Caps that protect the databases and bound what any one request can take out."
      >
        {draft ? (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
            {LIMITS.map((l) => (
              <NumberInput
                key={l.key}
                label={l.label}
                description={
                  l.key === 'maxBytes'
                    ? `${l.description} Now ${formatBytes(draft.limits.maxBytes)}.`
                    : l.description
                }
                value={draft.limits[l.key] ?? UNSET_DEFAULTS[l.key]}
                onChange={(v) => setLimit(l.key, v)}
                min={l.min}
                max={l.max}
                thousandSeparator=","
                suffix={l.suffix}
                allowDecimal={false}
                data-testid={`limit-${l.key}`}
              />
            ))}
          </SimpleGrid>
        ) : (
          <Skeleton h={160} />
        )}
      </Section>

      <ApprovalExpirySection
        // Fresh for each loaded document, so the unit follows a discarded or saved value.
        key={JSON.stringify(settings.data?.approvals ?? null)}
        loaded={draft !== null}
        ttlSeconds={draft?.approvals?.ttlSeconds}
        onChange={(ttlSeconds) => draft && setDraft(withApprovalTtl(draft, ttlSeconds))}
      />

      <Section
        title="Local language model (Ollama)"
        description="Plain-language questions are turned into SQL by a model on this machine (or, once you confirm it, a host on your local network). Nothing goes to the cloud: public addresses are refused."
      >
        {draft ? (
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <TextInput
                label="Ollama address"
                placeholder="http://127.0.0.1:11434"
                value={draft.ollama.url}
                onChange={(e) =>
                  setDraft({ ...draft, ollama: { ...draft.ollama, url: e.currentTarget.value } })
                }
                styles={MONO_INPUT}
                data-testid="ollama-url"
              />
              <TextInput
                label="Model"
                placeholder="qwen2.5-coder:7b"
                value={draft.ollama.model}
                onChange={(e) =>
                  setDraft({ ...draft, ollama: { ...draft.ollama, model: e.currentTarget.value } })
                }
                styles={MONO_INPUT}
              />
            </SimpleGrid>
            <LanConfirm
              url={draft.ollama.url}
              confirmed={draft.ollama.lanConfirmed === true}
              onChange={(v) => setDraft({ ...draft, ollama: { ...draft.ollama, lanConfirmed: v } })}
            />
            <OllamaStatusPanel
              onPickModel={(model) => setDraft({ ...draft, ollama: { ...draft.ollama, model } })}
            />
            <Text size="xs" c="dimmed">
              Without Ollama, everything except plain-language questions still works. Save to apply
              a new address or model, then check again.
            </Text>
          </Stack>
        ) : (
          <Skeleton h={80} />
        )}
      </Section>

      <Section
        title="Appearance"
        description="Follow the system, or choose. Kept for this browser profile."
      >
        <SegmentedControl
          value={colorScheme}
          onChange={(v) => setColorScheme(v as MantineColorScheme)}
          data={[
            { value: 'auto', label: 'System' },
            { value: 'light', label: 'Light' },
            { value: 'dark', label: 'Dark' },
          ]}
          aria-label="Theme"
          data-testid="settings-theme"
        />
      </Section>
    </Page>
  );
}
