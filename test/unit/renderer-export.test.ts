import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { cellText, uniqueNames } from '../../src/renderer/src/lib/cell';
import { csvField, toCsv } from '../../src/renderer/src/lib/export-csv';
import { toJson } from '../../src/renderer/src/lib/export-json';
import { toXlsx, xlsxCell, XLSX_MAX_ROWS } from '../../src/renderer/src/lib/export-xlsx';

describe('cellText', () => {
  it('renders nulls empty, scalars as text and typed objects as JSON', () => {
    expect(cellText(null)).toBe('');
    expect(cellText(undefined)).toBe('');
    expect(cellText(3.5)).toBe('3.5');
    expect(cellText(false)).toBe('false');
    expect(cellText({ $bigint: '9007199254740993' })).toBe('{"$bigint":"9007199254740993"}');
  });
  it('makes repeated column names unique', () => {
    expect(uniqueNames(['id', 'name', 'id', 'id'])).toEqual(['id', 'name', 'id_2', 'id_3']);
  });
});

describe('CSV export', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
  });

  it('neutralises text that a spreadsheet would run as a formula, but not numbers', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1 555')).toBe("'+1 555");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-5)).toBe('-5');
  });

  it('writes a BOM, a header and CRLF rows, reporting progress up to 1', async () => {
    const progress: number[] = [];
    const csv = await toCsv(
      ['id', 'name'],
      [
        [1, 'Ada'],
        [2, null],
      ],
      { onProgress: (p) => progress.push(p) },
    );
    expect(csv).toBe('\uFEFFid,name\r\n1,Ada\r\n2,\r\n');
    expect(progress.at(-1)).toBe(1);
  });

  it('handles 100,000 rows in chunks with increasing progress', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [i, `row ${i}`]);
    const progress: number[] = [];
    const csv = await toCsv(['i', 'label'], rows, { onProgress: (p) => progress.push(p) });
    expect(csv.split('\r\n')).toHaveLength(100_002); // header + rows + trailing empty
    expect(progress.length).toBeGreaterThan(10);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('stops when cancelled', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => [i]);
    const controller = new AbortController();
    const p = toCsv(['i'], rows, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(p).rejects.toThrow(/cancelled/);
  });
});

describe('JSON export', () => {
  it('writes an array of objects keyed by (unique) column names', async () => {
    const json = await toJson(
      ['id', 'id', 'v'],
      [
        [1, 2, { $date: '2024-01-01' }],
        [3, 4, null],
      ],
    );
    expect(JSON.parse(json)).toEqual([
      { id: 1, id_2: 2, v: { $date: '2024-01-01' } },
      { id: 3, id_2: 4, v: null },
    ]);
  });
  it('writes an empty array for no rows', async () => {
    expect(JSON.parse(await toJson(['a'], []))).toEqual([]);
  });
});

describe('XLSX export', () => {
  it('keeps numbers and booleans typed and text as text', () => {
    expect(xlsxCell(42)).toBe(42);
    expect(xlsxCell(true)).toBe(true);
    expect(xlsxCell(null)).toBeNull();
    expect(xlsxCell(Number.NaN)).toBe('NaN');
    expect(xlsxCell({ a: 1 })).toBe('{"a":1}');
  });

  it('produces a workbook exceljs reads back, header first', async () => {
    const progress: number[] = [];
    const bytes = await toXlsx(
      ['id', 'name', 'ok'],
      [
        [1, 'Ada', true],
        [2, 'Grace', false],
      ],
      { onProgress: (p) => progress.push(p) },
    );
    expect(progress.at(-1)).toBe(1);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes.buffer as ArrayBuffer);
    const sheet = wb.getWorksheet('Result')!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'id', 'name', 'ok']);
    expect(sheet.getRow(3).values).toEqual([undefined, 2, 'Grace', false]);
    expect(sheet.rowCount).toBe(3);
  });

  it('refuses more rows than a sheet holds, pointing at CSV', async () => {
    const rows = { length: XLSX_MAX_ROWS + 1 } as unknown as unknown[][];
    await expect(toXlsx(['a'], rows)).rejects.toThrow(/CSV/);
  });
});
