/**
 * XLSX export with exceljs, loaded on first use so it stays out of the first paint. Numbers and
 * booleans stay typed; other values become text (typed JSON objects as compact JSON).
 */
import { cellText } from './cell';
import { CHUNK_ROWS, nextTick, type ExportOptions } from './export-progress';

/** Excel's sheet limit, less the header row. */
export const XLSX_MAX_ROWS = 1_048_575;

export function xlsxCell(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  return cellText(value);
}

export async function toXlsx(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: ExportOptions & { sheetName?: string } = {},
): Promise<Uint8Array> {
  if (rows.length > XLSX_MAX_ROWS) {
    throw new Error(
      `Excel sheets hold at most ${XLSX_MAX_ROWS.toLocaleString('en-US')} rows; export CSV instead.`,
    );
  }
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Airlock';
  const sheet = workbook.addWorksheet(options.sheetName ?? 'Result', {
    views: [{ state: 'frozen', ySplit: 1 }],
  });
  sheet.columns = columns.map((name) => ({
    header: name,
    width: Math.min(48, Math.max(10, name.length + 2)),
  }));
  sheet.getRow(1).font = { bold: true };
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const end = Math.min(rows.length, start + CHUNK_ROWS);
    for (let i = start; i < end; i++) sheet.addRow(rows[i]!.map(xlsxCell));
    // Writing the file is the other half of the work; rows count for the first 80 %.
    options.onProgress?.((end / rows.length) * 0.8);
    if (end < rows.length) await nextTick(options.signal);
  }
  const buffer = await workbook.xlsx.writeBuffer();
  options.onProgress?.(1);
  return new Uint8Array(buffer as ArrayBuffer);
}
