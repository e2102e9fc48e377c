/**
 * "Export report": a signed audit report of the range and filters on screen, as JSON, CSV or
 * PDF, built on the core with progress (a big range takes a while), then saved with its
 * FILE.sig.json, which anyone can check offline with `airlock audit verify-report`.
 */
import {
  Alert,
  Button,
  Group,
  Modal,
  Progress,
  SegmentedControl,
  Stack,
  Text,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api } from '../../api/api';
import { downloadBlob } from '../../components/download';
import { IconShield } from '../../components/icons';
import { ProblemAlert } from '../../components/problem-alert';
import { formatCount } from '../../lib/format';

type Format = 'json' | 'csv' | 'pdf';

export interface ReportScope {
  from?: string;
  to?: string;
  agent?: string;
  status?: 'allowed' | 'denied' | 'error';
  connection?: string;
}

function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function ExportReportButton({ scope }: { scope: ReportScope }) {
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<Format>('pdf');
  const [jobId, setJobId] = useState<string | null>(null);
  // The job whose files were saved: a refetch (window focus) must not save them twice.
  const saved = useRef<string | null>(null);
  const start = useMutation({
    mutationFn: () => api.startReport({ ...scope, format }),
    onSuccess: (job) => setJobId(job.id),
  });
  const status = useQuery({
    queryKey: ['report', jobId],
    queryFn: async () => {
      const job = await api.reportStatus({ id: jobId! });
      if (job.state === 'done' && job.files && saved.current !== job.id) {
        saved.current = job.id;
        for (const f of job.files)
          downloadBlob(new Blob([fromBase64(f.contentBase64)], { type: f.mime }), f.name);
      }
      return job;
    },
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data && q.state.data.state !== 'running' ? false : 300),
  });
  const job = jobId ? status.data : undefined;
  const running = start.isPending || job?.state === 'running';
  const scopeText = [
    scope.from || scope.to
      ? `${scope.from ?? 'the first entry'} to ${scope.to ?? 'now'}`
      : 'the whole log',
    scope.agent ? `agent ${scope.agent}` : null,
    scope.connection ? `connection ${scope.connection}` : null,
    scope.status ? `${scope.status} only` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <>
      <Button variant="default" onClick={() => setOpen(true)} data-testid="export-report">
        Export report
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Export a signed audit report">
        <Stack gap="sm">
          <Text size="sm">
            Entries: <b>{scopeText}</b> (the filters on this page; text search is not part of a
            report).
          </Text>
          <SegmentedControl
            value={format}
            onChange={(v) => setFormat(v as Format)}
            data={[
              { value: 'pdf', label: 'PDF (for people)' },
              { value: 'csv', label: 'CSV' },
              { value: 'json', label: 'JSON' },
            ]}
            aria-label="Report format"
            data-testid="report-format"
          />
          <Text size="xs" c="dimmed">
            The report is signed with this Airlock's audit key and proves each entry under a signed
            checkpoint. A CSV or PDF comes with FILE.sig.json; check either anywhere with{' '}
            <code>airlock audit verify-report FILE --public-key KEY.pem</code>.
          </Text>
          {start.error ? (
            <ProblemAlert error={start.error} title="The report could not start" />
          ) : null}
          {job?.state === 'running' ? (
            <div data-testid="report-progress">
              <Text size="sm" mb={4}>
                Reading {formatCount(job.done)} of {formatCount(job.total)} entries…
              </Text>
              <Progress
                value={job.total ? (job.done / job.total) * 100 : 0}
                animated
                aria-label="Report progress"
              />
            </div>
          ) : null}
          {job?.state === 'failed' ? (
            <Alert color="red" title="The report could not be made">
              {job.error}
            </Alert>
          ) : null}
          {job?.state === 'done' ? (
            <Alert
              color="teal"
              icon={<IconShield />}
              title="Report saved"
              data-testid="report-done"
            >
              {formatCount(job.entries ?? 0)} entries: {job.files?.map((f) => f.name).join(' and ')}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button onClick={() => start.mutate()} loading={running} data-testid="report-start">
              Export
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
