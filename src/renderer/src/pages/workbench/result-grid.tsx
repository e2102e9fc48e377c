/**
 * The result grid: TanStack Table for columns (sorting, resizing) and TanStack Virtual for rows,
 * so only the rows on screen exist in the DOM — smooth at 100,000 rows and beyond.
 */
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { cellText } from '../../lib/cell';
import type { ColumnRole } from '../../lib/chart-model';
import { initialWidths } from '../../lib/column-width';

type Row = readonly unknown[];
const ROW_H = 28;

export function ResultGrid({
  columns,
  rows,
  roles,
}: {
  columns: { name: string; type: string }[];
  rows: Row[];
  roles: ColumnRole[];
}) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const widths = useMemo(
    () =>
      initialWidths(
        columns.map((c) => c.name),
        rows,
        60,
        columns.map((c) => c.type),
      ),
    [columns, rows],
  );
  // Wide enough for the last row's number.
  const rowNumWidth = Math.max(48, String(rows.length).length * 8.5 + 30);
  const defs = useMemo<ColumnDef<Row>[]>(
    () =>
      columns.map((c, i) => ({
        id: String(i),
        header: c.name,
        accessorFn: (r: Row) => r[i],
        size: widths[i],
        minSize: 48,
        maxSize: 1200,
        sortingFn: roles[i]?.numeric ? 'basic' : 'alphanumeric',
        sortUndefined: 'last',
        meta: { type: c.type, numeric: roles[i]?.numeric ?? false },
      })),
    [columns, widths, roles],
  );
  const table = useReactTable({
    data: rows,
    columns: defs,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    columnResizeMode: 'onChange',
  });
  const modelRows = table.getRowModel().rows;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: modelRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 16,
  });
  const totalWidth = rowNumWidth + table.getTotalSize();

  return (
    <div
      ref={scrollRef}
      className="grid-scroll"
      tabIndex={0}
      role="grid"
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length}
      aria-label={`Query result, ${rows.length} rows`}
      data-testid="result-grid"
      onKeyDown={(e) => {
        // Page through the rows from the keyboard once the grid has focus.
        const el = scrollRef.current;
        if (!el) return;
        if (e.key === 'Home' && e.ctrlKey) el.scrollTop = 0;
        else if (e.key === 'End' && e.ctrlKey) el.scrollTop = el.scrollHeight;
        else return;
        e.preventDefault();
      }}
    >
      <div className="grid-head" role="row" style={{ width: totalWidth }}>
        <div
          className="grid-cell rownum"
          style={{ width: rowNumWidth }}
          role="columnheader"
          aria-label="Row number"
        >
          #
        </div>
        {table.getHeaderGroups()[0]!.headers.map((h) => {
          const meta = h.column.columnDef.meta as { type: string; numeric: boolean };
          const sorted = h.column.getIsSorted();
          return (
            <div
              key={h.id}
              className={`grid-cell${meta.numeric ? ' num' : ''}`}
              style={{ width: h.getSize() }}
              role="columnheader"
              aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
            >
              <button
                type="button"
                onClick={h.column.getToggleSortingHandler()}
                title={`Sort by ${String(h.column.columnDef.header)}`}
                style={{
                  all: 'unset',
                  cursor: 'pointer',
                  maxWidth: '100%',
                  overflow: 'hidden',
                  textOverflow: 'ellipsis',
                  display: 'inline-block',
                  verticalAlign: 'bottom',
                }}
              >
                {flexRender(h.column.columnDef.header, h.getContext())}
                {meta.type ? <span className="type">{meta.type.toLowerCase()}</span> : null}
                {sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}
              </button>
              <div
                className={`grid-resizer${h.column.getIsResizing() ? ' active' : ''}`}
                onMouseDown={h.getResizeHandler()}
                onTouchStart={h.getResizeHandler()}
                onDoubleClick={() => h.column.resetSize()}
                aria-hidden
              />
            </div>
          );
        })}
      </div>
      <div
        style={{ height: virtualizer.getTotalSize(), width: totalWidth, position: 'relative' }}
        role="rowgroup"
      >
        {virtualizer.getVirtualItems().map((v) => {
          const row = modelRows[v.index]!;
          return (
            <div
              key={row.id}
              className={`grid-row${v.index % 2 ? ' odd' : ''}`}
              role="row"
              aria-rowindex={v.index + 2}
              style={{ transform: `translateY(${v.start}px)`, width: totalWidth, height: ROW_H }}
            >
              <div className="grid-cell rownum" style={{ width: rowNumWidth }}>
                {v.index + 1}
              </div>
              {row.getVisibleCells().map((cell) => {
                const value = cell.getValue();
                const meta = cell.column.columnDef.meta as { numeric: boolean };
                const text = cellText(value);
                return (
                  <div
                    key={cell.id}
                    className={`grid-cell${meta.numeric ? ' num' : ''}`}
                    style={{ width: cell.column.getSize() }}
                    role="gridcell"
                    title={text.length > 24 ? text : undefined}
                  >
                    {value === null || value === undefined ? (
                      <span className="grid-null">NULL</span>
                    ) : (
                      text
                    )}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
