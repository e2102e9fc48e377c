/**
 * A connection's semantic layer as YAML: descriptions, synonyms, value hints, metrics and
 * verified question → SQL examples that help the local model write the right SQL. The core
 * validates on save and says exactly which line is wrong.
 */
import { Badge, Button, Group, Skeleton, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/api';
import { downloadBlob } from '../../components/download';
import { IconDownload } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';

export function SemanticLayerEditor({ connection }: { connection: string }) {
  const queryClient = useQueryClient();
  const key = ['semantic-layer', connection];
  const yaml = useQuery({
    queryKey: [...key, 'yaml'],
    queryFn: () => api.exportSemanticLayer({ connection }),
  });
  const stored = useQuery({ queryKey: key, queryFn: () => api.getSemanticLayer({ connection }) });
  const [draft, setDraft] = useState<string | null>(null);
  useEffect(() => setDraft(yaml.data?.yaml ?? null), [yaml.data]);
  const dirty = draft !== null && draft !== yaml.data?.yaml;

  const save = useMutation({
    mutationFn: () => api.importSemanticLayer({ connection, yaml: draft ?? '' }),
    onSuccess: (s) => {
      queryClient.setQueryData(key, s);
      void queryClient.invalidateQueries({ queryKey: [...key, 'yaml'] });
      notifications.show({
        color: 'teal',
        title: 'Semantic layer saved',
        message: `Revision ${s.revision}; the next question uses it.`,
      });
    },
  });

  if (yaml.error)
    return <ProblemAlert error={yaml.error} title="The semantic layer could not be read" />;
  if (draft === null) return <Skeleton h={240} />;
  const layer = stored.data?.layer;

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Group gap={6}>
          {layer ? (
            <>
              <Badge color="gray">{layer.tables.length} tables described</Badge>
              <Badge color="gray">{layer.metrics.length} metrics</Badge>
              <Badge color="gray">{layer.examples.length} verified examples</Badge>
              <Text size="xs" c="dimmed">
                revision {stored.data?.revision}
              </Text>
            </>
          ) : null}
        </Group>
        <Group gap="xs">
          <Button
            size="xs"
            variant="light"
            component={Link}
            to={`/semantic/${connection}`}
            data-testid="open-semantic-editor"
          >
            Open the editor
          </Button>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconDownload size={14} />}
            onClick={() =>
              downloadBlob(
                new Blob([draft], { type: 'application/yaml' }),
                `${connection}-semantic-layer.yaml`,
              )
            }
          >
            Download YAML
          </Button>
          <Button
            size="xs"
            variant="default"
            disabled={!dirty}
            onClick={() => setDraft(yaml.data?.yaml ?? '')}
          >
            Discard
          </Button>
          <Button
            size="xs"
            disabled={!dirty}
            loading={save.isPending}
            onClick={() => save.mutate()}
            data-testid="save-semantic-layer"
          >
            Save
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        Describe tables and columns in your own words, list synonyms and typical values, and keep
        question → SQL pairs you have checked (the workbench's “Save as verified example” adds them
        here). Nothing here grants access: agents still see only their grants.
      </Text>
      {save.error ? (
        <ProblemAlert error={save.error} title="Not saved — the YAML needs a fix" />
      ) : null}
      <Textarea
        value={draft}
        onChange={(e) => setDraft(e.currentTarget.value)}
        autosize
        minRows={12}
        maxRows={32}
        spellCheck={false}
        aria-label={`Semantic layer of ${connection} (YAML)`}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
        data-testid="semantic-layer-yaml"
      />
    </Stack>
  );
}
