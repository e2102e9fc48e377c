/** Export the current result to CSV, JSON or XLSX, in the renderer, with progress and cancel. */
import { Button, Group, Menu, Modal, Progress, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useRef, useState } from 'react';
import { downloadBlob, stampedName } from '../../components/download';
import { IconDownload } from '../../components/icons';
import { toCsv } from '../../lib/export-csv';
import { toJson } from '../../lib/export-json';
import { toXlsx, XLSX_MAX_ROWS } from '../../lib/export-xlsx';
import { formatCount } from '../../lib/format';

type Format = 'csv' | 'json' | 'xlsx';
const MIME: Record<Format, string> = {
  csv: 'text/csv;charset=utf-8',
  json: 'application/json',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function ExportMenu({
  columns,
  rows,
  baseName,
}: {
  columns: string[];
  rows: unknown[][];
  baseName: string;
}) {
  const [running, setRunning] = useState<Format | null>(null);
  const [progress, setProgress] = useState(0);
  const abort = useRef<AbortController | null>(null);

  const run = async (format: Format) => {
    const controller = new AbortController();
    abort.current = controller;
    setRunning(format);
    setProgress(0);
    const opts = { onProgress: setProgress, signal: controller.signal };
    try {
      const data =
        format === 'csv'
          ? await toCsv(columns, rows, opts)
          : format === 'json'
            ? await toJson(columns, rows, opts)
            : await toXlsx(columns, rows, opts);
      if (controller.signal.aborted) return;
      const fileName = stampedName(baseName, format);
      downloadBlob(new Blob([data as BlobPart], { type: MIME[format] }), fileName);
      notifications.show({
        color: 'teal',
        title: 'Export ready',
        message: `${formatCount(rows.length)} rows saved as ${fileName}.`,
      });
    } catch (e) {
      if (!controller.signal.aborted)
        notifications.show({
          color: 'red',
          title: 'Export failed',
          message: e instanceof Error ? e.message : String(e),
        });
    } finally {
      setRunning(null);
    }
  };

  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconDownload size={14} />}
            disabled={rows.length === 0 && columns.length === 0}
            data-testid="export-menu"
          >
            Export
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{formatCount(rows.length)} rows</Menu.Label>
          <Menu.Item onClick={() => void run('csv')} data-testid="export-csv">
            CSV (spreadsheets, UTF-8)
          </Menu.Item>
          <Menu.Item onClick={() => void run('json')} data-testid="export-json">
            JSON (array of objects)
          </Menu.Item>
          <Menu.Item
            onClick={() => void run('xlsx')}
            disabled={rows.length > XLSX_MAX_ROWS}
            data-testid="export-xlsx"
          >
            Excel workbook (.xlsx)
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal
        opened={running !== null}
        onClose={() => abort.current?.abort()}
        title={`Exporting ${running?.toUpperCase() ?? ''}`}
        centered
        withCloseButton={false}
        closeOnClickOutside={false}
      >
        <Stack>
          <Text size="sm">
            Writing {formatCount(rows.length)} rows… {Math.round(progress * 100)}%
          </Text>
          <Progress value={progress * 100} animated striped aria-label="Export progress" />
          <Group justify="flex-end">
            <Button variant="default" size="xs" onClick={() => abort.current?.abort()}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
