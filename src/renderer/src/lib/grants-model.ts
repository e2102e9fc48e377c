/**
 * The grants editor's model: grants (the policy's list form) ⇄ a tree of
 * connection → table → column with read/write flags, as a person edits it.
 *
 * "Whole table" is kept apart from "every column ticked": a grant without a column list also
 * covers columns added later, an explicit list does not, and the editor must not silently turn
 * one into the other. Grants the tree cannot show (deny rules, tables or columns the schema no
 * longer has) are kept as they are and written back unchanged.
 *
 * Export is a table-level switch (more rows than the configured cap, under the limits the
 * officer sets); it is written as a grant of its own with the `export` action.
 *
 * Approval is a table-level setting of write: each write waits for a person unless the write
 * grant says `"approval": "none"` (docs/api.md, "Approvals for agent writes"). Absent and an
 * explicit `"required"` are kept apart so that a save writes back what was read. On a grant
 * without write the field means nothing and is not kept.
 */
export type Action = 'read' | 'write';
export const ACTIONS: readonly Action[] = ['read', 'write'];

export interface ExportLimits {
  maxRows?: number;
  maxBytes?: number;
  timeoutMs?: number;
}

export interface Grant {
  connection: string;
  table: string;
  actions: (Action | 'export')[];
  columns?: string[];
  effect?: 'allow' | 'deny';
  exportLimits?: ExportLimits;
  approval?: Approval;
}

/** Whether a write waits for a person's approval (absent: it does). */
export type Approval = 'required' | 'none';

export interface ActionAccess {
  /** Every column, including ones added to the table later. */
  whole: boolean;
  /** Explicit columns; ignored while `whole` is set. */
  columns: string[];
}
export interface TableAccess {
  read: ActionAccess;
  write: ActionAccess;
  /** Exports allowed on this table, with these limits (empty: the defaults); null: no export. */
  export?: ExportLimits | null;
  /** The write grant's `approval`; undefined: absent, which requires approval. */
  approval?: Approval;
}
/** connection → table → access. */
export type AccessTree = Record<string, Record<string, TableAccess>>;
/** connection → table → column names, from connectionSchema. */
export type SchemaMap = Record<string, Record<string, string[]>>;

export interface EditorModel {
  tree: AccessTree;
  /** Grants shown as "other rules" and written back untouched. */
  kept: Grant[];
}

const none = (): ActionAccess => ({ whole: false, columns: [] });
export const emptyTable = (): TableAccess => ({ read: none(), write: none() });

export function fromGrants(grants: readonly Grant[], schema: SchemaMap): EditorModel {
  const tree: AccessTree = {};
  const kept: Grant[] = [];
  for (const g of grants) {
    const columns = schema[g.connection]?.[g.table];
    const representable =
      (g.effect ?? 'allow') === 'allow' &&
      columns !== undefined &&
      (g.columns ?? []).every((c) => columns.includes(c));
    if (!representable) {
      kept.push(g);
      continue;
    }
    const table = ((tree[g.connection] ??= {})[g.table] ??= emptyTable());
    if (g.actions.includes('write')) table.approval = mergeApproval(table, g.approval);
    for (const action of g.actions) {
      if (action === 'export') {
        table.export = { ...table.export, ...g.exportLimits };
        continue;
      }
      const access = table[action];
      if (!g.columns) access.whole = true;
      else access.columns = [...new Set([...access.columns, ...g.columns])];
    }
  }
  return { tree, kept };
}

/**
 * Several write grants on one table become one: its writes run at once only if every one of
 * them said `none` (as the policy reads them), else an explicit `required` is kept as such.
 */
function mergeApproval(table: TableAccess, next: Approval | undefined): Approval | undefined {
  const seenWrite = table.write.whole || table.write.columns.length > 0;
  if (!seenWrite) return next;
  if (table.approval === 'none' && next === 'none') return 'none';
  return table.approval === 'required' || next === 'required' ? 'required' : undefined;
}

export function tableAccess(tree: AccessTree, connection: string, table: string): TableAccess {
  return tree[connection]?.[table] ?? emptyTable();
}

export function columnChecked(access: ActionAccess, column: string): boolean {
  return access.whole || access.columns.includes(column);
}

export type CheckState = 'all' | 'some' | 'none';

export function tableCheck(access: ActionAccess, allColumns: readonly string[]): CheckState {
  if (access.whole) return 'all';
  const n = allColumns.filter((c) => access.columns.includes(c)).length;
  if (n === 0) return 'none';
  return n === allColumns.length ? 'all' : 'some';
}

function withTable(
  tree: AccessTree,
  connection: string,
  table: string,
  next: TableAccess,
): AccessTree {
  return { ...tree, [connection]: { ...tree[connection], [table]: next } };
}

/** The table-level box: anything ticked → clear; nothing → whole table. */
export function toggleTable(
  tree: AccessTree,
  connection: string,
  table: string,
  action: Action,
  allColumns: readonly string[],
): AccessTree {
  const current = tableAccess(tree, connection, table);
  const state = tableCheck(current[action], allColumns);
  const next: ActionAccess = state === 'none' ? { whole: true, columns: [] } : none();
  return withTable(tree, connection, table, { ...current, [action]: next });
}

export function toggleColumn(
  tree: AccessTree,
  connection: string,
  table: string,
  action: Action,
  column: string,
  allColumns: readonly string[],
): AccessTree {
  const current = tableAccess(tree, connection, table);
  const access = current[action];
  let columns: string[];
  if (access.whole) columns = allColumns.filter((c) => c !== column);
  else if (access.columns.includes(column)) columns = access.columns.filter((c) => c !== column);
  else columns = allColumns.filter((c) => c === column || access.columns.includes(c));
  return withTable(tree, connection, table, { ...current, [action]: { whole: false, columns } });
}

function key(access: ActionAccess): string | null {
  if (access.whole) return '*';
  return access.columns.length ? [...access.columns].sort().join('\u0000') : null;
}

export function toGrants(model: EditorModel): Grant[] {
  const out: Grant[] = [];
  for (const connection of Object.keys(model.tree).sort()) {
    const tables = model.tree[connection]!;
    for (const table of Object.keys(tables).sort()) {
      const { read, write, export: exp, approval } = tables[table]!;
      const grant = (actions: Action[], access: ActionAccess): Grant => ({
        connection,
        table,
        actions,
        ...(access.whole ? {} : { columns: [...access.columns] }),
        ...(approval !== undefined && actions.includes('write') ? { approval } : {}),
      });
      const r = key(read);
      const w = key(write);
      if (r !== null && r === w) out.push(grant(['read', 'write'], read));
      else {
        if (r !== null) out.push(grant(['read'], read));
        if (w !== null) out.push(grant(['write'], write));
      }
      if (exp) {
        const limits = Object.keys(exp).length ? { exportLimits: { ...exp } } : {};
        out.push({ connection, table, actions: ['export'], ...limits });
      }
    }
  }
  return [...out, ...model.kept];
}

/** The table's export switch: on with the default limits, or off. */
export function toggleExport(tree: AccessTree, connection: string, table: string): AccessTree {
  const current = tableAccess(tree, connection, table);
  return withTable(tree, connection, table, { ...current, export: current.export ? null : {} });
}

/** Sets one export limit of a table (undefined: back to the default). */
export function setExportLimit(
  tree: AccessTree,
  connection: string,
  table: string,
  limit: keyof ExportLimits,
  value: number | undefined,
): AccessTree {
  const current = tableAccess(tree, connection, table);
  const next: ExportLimits = { ...current.export };
  if (value === undefined) delete next[limit];
  else next[limit] = value;
  return withTable(tree, connection, table, { ...current, export: next });
}

/** Whether the table's writes wait for a person's approval (the default). */
export function writesNeedApproval(access: TableAccess): boolean {
  return access.approval !== 'none';
}

/**
 * The table's "Writes wait for approval" switch: off writes `"approval": "none"`; on drops the
 * field (the default), so switching off and on again leaves the grant as it was read.
 */
export function setWritesNeedApproval(
  tree: AccessTree,
  connection: string,
  table: string,
  required: boolean,
): AccessTree {
  const current: TableAccess = { ...tableAccess(tree, connection, table) };
  if (required) delete current.approval;
  else current.approval = 'none';
  return withTable(tree, connection, table, current);
}

/** How many tables an agent may read or write, for the list's summary. */
export function grantedTableCount(tree: AccessTree): number {
  let n = 0;
  for (const tables of Object.values(tree))
    for (const t of Object.values(tables))
      if (key(t.read) !== null || key(t.write) !== null) n += 1;
  return n;
}
