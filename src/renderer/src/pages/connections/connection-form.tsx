/**
 * Add a database: SQLite by file path, or PostgreSQL / MySQL / MongoDB by server fields (or a
 * URL). "Test connection" tries it without saving. Used by the Connections page and the setup.
 */
import {
  Alert,
  Button,
  Group,
  PasswordInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api';
import { keys, type Connection } from '../../api/queries';
import { IconCheck, IconX } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { MONO_INPUT } from '../../theme';
import {
  buildUrl,
  DEFAULT_PORTS,
  redactUrl,
  type ServerFields,
  type ServerKind,
} from '../../lib/connection-url';
import type { OpInput } from '../../../../shared/contract/ops';
import { AgentPrincipalsNote } from './agent-principals-note';

type Kind = 'sqlite' | ServerKind;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const KINDS = [
  { value: 'sqlite', label: 'SQLite' },
  { value: 'postgres', label: 'PostgreSQL' },
  { value: 'mysql', label: 'MySQL' },
  { value: 'mongodb', label: 'MongoDB' },
];

/**
 * With `editing`, the form starts from a saved connection (its URL as shown, password `***`,
 * which the core reads as "keep the stored one") and saves with updateConnection.
 */
export function ConnectionForm({
  onCreated,
  onCancel,
  editing,
}: {
  onCreated: (c: Connection) => void;
  onCancel?: () => void;
  editing?: Connection;
}) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind>(editing?.kind ?? 'sqlite');
  const [name, setName] = useState(editing?.name ?? '');
  const [path, setPath] = useState(editing?.kind === 'sqlite' ? editing.target : '');
  const [useUrl, setUseUrl] = useState(editing !== undefined && editing.kind !== 'sqlite');
  const [url, setUrl] = useState(editing && editing.kind !== 'sqlite' ? editing.target : '');
  const [fields, setFields] = useState<ServerFields>({
    host: '127.0.0.1',
    port: '',
    database: '',
    user: '',
    password: '',
  });

  const set = (k: keyof ServerFields) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setFields({ ...fields, [k]: e.currentTarget.value });
  const serverUrl =
    kind === 'sqlite'
      ? ''
      : useUrl
        ? url.trim()
        : buildUrl(kind, { ...fields, port: fields.port || DEFAULT_PORTS[kind] });
  const input: OpInput<'createConnection'> =
    kind === 'sqlite'
      ? { name: name.trim(), kind, path: path.trim() }
      : { name: name.trim(), kind, url: serverUrl };

  const nameError =
    name && !NAME_RE.test(name.trim())
      ? 'Letters, digits, "_", "-" and "." only; start with a letter or digit.'
      : null;
  const complete =
    name.trim() !== '' && !nameError && (kind === 'sqlite' ? path.trim() !== '' : serverUrl !== '');

  const test = useMutation({ mutationFn: () => api.testConnection(input) });
  const create = useMutation({
    mutationFn: () =>
      editing
        ? api.updateConnection({ name: editing.name, connection: input })
        : api.createConnection(input),
    onSuccess: (c) => {
      void queryClient.invalidateQueries({ queryKey: keys.connections });
      if (editing) void queryClient.invalidateQueries({ queryKey: keys.schema(editing.name) });
      void queryClient.invalidateQueries({ queryKey: keys.dashboard });
      onCreated(c);
    },
  });

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (complete) create.mutate();
      }}
    >
      <Stack gap="sm">
        <SegmentedControl
          data={KINDS}
          value={kind}
          onChange={(v) => {
            setKind(v as Kind);
            test.reset();
          }}
          aria-label="Database kind"
          fullWidth
          disabled={editing !== undefined}
        />
        <TextInput
          label="Name"
          description="How agents and queries refer to it, e.g. sales or warehouse."
          placeholder="sales"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={nameError}
          required
          data-autofocus
          data-testid="connection-name"
        />
        {kind === 'sqlite' ? (
          <TextInput
            label="Database file"
            description="The full path of the .db / .sqlite file on this machine. Airlock opens it read-only unless an agent is granted writes."
            placeholder="/home/me/data/sales.db"
            value={path}
            onChange={(e) => setPath(e.currentTarget.value)}
            required
            styles={MONO_INPUT}
            data-testid="connection-path"
            rightSectionWidth={window.airlock ? 96 : undefined}
            rightSection={
              window.airlock ? (
                <Button
                  size="compact-sm"
                  variant="light"
                  onClick={() =>
                    void window.airlock
                      ?.pickSqliteFile()
                      .then((picked) => picked && setPath(picked))
                  }
                  data-testid="connection-browse"
                >
                  Browse…
                </Button>
              ) : undefined
            }
          />
        ) : (
          <>
            <Switch
              label="Enter a connection URL instead"
              checked={useUrl}
              onChange={(e) => setUseUrl(e.currentTarget.checked)}
            />
            {useUrl ? (
              <TextInput
                label="Connection URL"
                placeholder={buildUrl(kind, {
                  host: '127.0.0.1',
                  port: DEFAULT_PORTS[kind],
                  database: 'sales',
                  user: 'reader',
                  password: '',
                })}
                value={url}
                onChange={(e) => setUrl(e.currentTarget.value)}
                styles={MONO_INPUT}
                required
              />
            ) : (
              <>
                <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
                  <TextInput
                    label="Host"
                    value={fields.host}
                    onChange={set('host')}
                    style={{ gridColumn: 'span 2' }}
                  />
                  <TextInput
                    label="Port"
                    placeholder={DEFAULT_PORTS[kind]}
                    value={fields.port}
                    onChange={set('port')}
                    inputMode="numeric"
                  />
                </SimpleGrid>
                <TextInput
                  label="Database"
                  placeholder="sales"
                  value={fields.database}
                  onChange={set('database')}
                />
                <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
                  <TextInput
                    label="User"
                    placeholder="a read-only role is best"
                    value={fields.user}
                    onChange={set('user')}
                    autoComplete="off"
                  />
                  <PasswordInput
                    label="Password"
                    value={fields.password}
                    onChange={set('password')}
                    autoComplete="new-password"
                  />
                </SimpleGrid>
                <Text size="xs" c="dimmed" ff="monospace">
                  {redactUrl(serverUrl)}
                </Text>
              </>
            )}
            <Text size="xs" c="dimmed">
              {editing
                ? 'A password shown as *** stays as stored; type a new one to change it.'
                : "The password is stored encrypted in Airlock's store and never shown again."}
            </Text>
          </>
        )}

        {test.data ? (
          <Alert
            color={test.data.ok ? 'teal' : 'red'}
            icon={test.data.ok ? <IconCheck /> : <IconX />}
            title={test.data.ok ? 'Connected' : 'Could not connect'}
            data-testid="connection-test-result"
          >
            {test.data.message}
            {test.data.ok && test.data.tables !== undefined
              ? ` — ${test.data.tables} tables visible.`
              : null}
          </Alert>
        ) : null}
        {test.data?.ok && test.data.agentPrincipals ? (
          <AgentPrincipalsNote principals={test.data.agentPrincipals} />
        ) : null}
        {test.error ? <ProblemAlert error={test.error} title="The test could not run" /> : null}
        {create.error ? (
          <ProblemAlert error={create.error} title="The connection was not saved" />
        ) : null}
        {editing ? (
          <Text size="xs" c="dimmed">
            Saving tests the new settings first; agents' grants follow a renamed connection.
          </Text>
        ) : null}

        <Group justify="space-between" mt="xs">
          <Button
            variant="default"
            onClick={() => test.mutate()}
            loading={test.isPending}
            disabled={!complete}
          >
            Test connection
          </Button>
          <Group gap="xs">
            {onCancel ? (
              <Button variant="subtle" color="gray" onClick={onCancel}>
                Cancel
              </Button>
            ) : null}
            <Button
              type="submit"
              loading={create.isPending}
              disabled={!complete}
              data-testid="connection-save"
            >
              {editing ? 'Save changes' : 'Save connection'}
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}
