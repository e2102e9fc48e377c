/**
 * The policy decision: a pure function of (request, grants). Default deny; deny grants
 * override allow grants; every decision names the rule that decided it and a reason a
 * person can act on. No I/O here, so it is tested with tables of cases.
 */
import type { Action, Decision, ExportLimits, Grant } from '../../shared/domain';

export interface TableAccess {
  /** Canonical table name as the connector reports it (`orders`, `public.orders`). */
  table: string;
  /** Columns whose values the statement reads (in any clause). */
  read: string[];
  /** Columns the statement writes. */
  write: string[];
  /** True for statements that remove or replace whole rows (DELETE, REPLACE). */
  wholeRowWrite?: boolean;
}

export interface AccessRequest {
  agent: string;
  connection: string;
  tables: TableAccess[];
  /** Schema that unqualified grant names refer to (`public` for PostgreSQL; null for SQLite). */
  defaultSchema?: string | null;
}

const fold = (s: string) => s.toLowerCase();

function tableMatches(grantTable: string, table: string, defaultSchema: string | null): boolean {
  const g = fold(grantTable);
  const t = fold(table);
  if (g === '*' || g === t) return true;
  if (defaultSchema && !g.includes('.')) return `${fold(defaultSchema)}.${g}` === t;
  if (defaultSchema && !t.includes('.')) return g === `${fold(defaultSchema)}.${t}`;
  return false;
}

function grantsFor(
  grants: Grant[],
  connection: string,
  table: string,
  action: Action,
  effect: 'allow' | 'deny',
  defaultSchema: string | null,
): Grant[] {
  return grants.filter(
    (g) =>
      (g.effect ?? 'allow') === effect &&
      fold(g.connection) === fold(connection) &&
      g.actions.includes(action) &&
      tableMatches(g.table, table, defaultSchema),
  );
}

const covers = (g: Grant, column: string) =>
  g.columns === undefined || g.columns.some((c) => fold(c) === fold(column));

export function grantRule(g: Grant, action: Action): string {
  const cols = g.columns ? `(${g.columns.join(',')})` : '';
  return `${g.effect === 'deny' ? 'deny' : 'grant'}:${g.connection}.${g.table}${cols}:${action}`;
}

interface Need {
  table: string;
  action: Action;
  /** null = the table as a whole (row existence, whole-row writes). */
  column: string | null;
  wholeTable: boolean;
}

function needsOf(access: TableAccess): Need[] {
  const needs: Need[] = [];
  for (const c of access.read)
    needs.push({ table: access.table, action: 'read', column: c, wholeTable: false });
  for (const c of access.write)
    needs.push({ table: access.table, action: 'write', column: c, wholeTable: false });
  if (access.wholeRowWrite) {
    needs.push({ table: access.table, action: 'write', column: null, wholeTable: true });
  }
  if (access.read.length === 0 && access.write.length === 0 && !access.wholeRowWrite) {
    // e.g. SELECT count(*) FROM t: no column is read, but the table's rows are.
    needs.push({ table: access.table, action: 'read', column: null, wholeTable: false });
  }
  return needs;
}

const what = (n: Need) => (n.column === null ? n.table : `${n.table}.${n.column}`);

export function decide(req: AccessRequest, grants: Grant[]): Decision {
  const ds = req.defaultSchema ?? null;
  const needs = req.tables.flatMap(needsOf);
  if (needs.length === 0) {
    return { effect: 'allow', rule: 'no-table-access', reason: 'the statement reads no table' };
  }

  // Deny overrides allow: look for a deny grant before considering any allow.
  for (const n of needs) {
    for (const g of grantsFor(grants, req.connection, n.table, n.action, 'deny', ds)) {
      const hit = n.column === null ? g.columns === undefined || n.wholeTable : covers(g, n.column);
      if (hit) {
        return {
          effect: 'deny',
          rule: grantRule(g, n.action),
          reason: `agent '${req.agent}' is explicitly denied ${n.action} on ${g.columns && n.column ? what(n) : n.table} in connection '${req.connection}'`,
        };
      }
    }
  }

  const used = new Set<string>();
  for (const n of needs) {
    const allows = grantsFor(grants, req.connection, n.table, n.action, 'allow', ds);
    if (allows.length === 0) {
      return {
        effect: 'deny',
        rule: 'default-deny',
        reason: `agent '${req.agent}' has no ${n.action} grant on table ${n.table} in connection '${req.connection}'`,
      };
    }
    const match = n.wholeTable
      ? allows.find((g) => g.columns === undefined)
      : n.column === null
        ? allows[0]
        : allows.find((g) => covers(g, n.column!));
    if (!match) {
      return {
        effect: 'deny',
        rule: 'default-deny',
        reason: n.wholeTable
          ? `agent '${req.agent}' may write only some columns of ${n.table}; ${n.action === 'write' ? 'deleting or replacing whole rows' : 'this'} needs a write grant on the whole table`
          : `agent '${req.agent}' may not ${n.action} ${what(n)}: no grant covers that column`,
      };
    }
    used.add(grantRule(match, n.action));
  }
  const tables = [...new Set(req.tables.map((t) => t.table))].join(', ');
  const held = approvalNeeded(req, grants, needs, ds);
  if (held) return held;
  return {
    effect: 'allow',
    rule: [...used].join(' '),
    reason: `access to ${tables} is covered by agent '${req.agent}''s grants`,
  };
}

/**
 * A write the grants allow still waits for a person unless every allow grant for write on
 * each written table says `"approval": "none"` (docs/api.md, "Approvals for agent writes").
 * Reads never need approval.
 */
function approvalNeeded(
  req: AccessRequest,
  grants: Grant[],
  needs: Need[],
  ds: string | null,
): Decision | null {
  const written = [...new Set(needs.filter((n) => n.action === 'write').map((n) => n.table))];
  for (const table of written) {
    const held = grantsFor(grants, req.connection, table, 'write', 'allow', ds).filter(
      (g) => (g.approval ?? 'required') !== 'none',
    );
    if (held.length > 0) {
      return {
        effect: 'needs_approval',
        rule: `approval:${grantRule(held[0]!, 'write')}`,
        reason: `agent '${req.agent}''s writes to ${table} in connection '${req.connection}' need a person's approval`,
      };
    }
  }
  return null;
}

/** The columns of a table an agent may use for an action (for listings and previews). */
export function permittedColumns(
  grants: Grant[],
  connection: string,
  table: string,
  columns: string[],
  action: Action,
  defaultSchema: string | null = null,
): string[] {
  const allows = grantsFor(grants, connection, table, action, 'allow', defaultSchema);
  const denies = grantsFor(grants, connection, table, action, 'deny', defaultSchema);
  return columns.filter(
    (c) => allows.some((g) => covers(g, c)) && !denies.some((g) => covers(g, c)),
  );
}

/** Whether a read may run as an export, and under which caps. */
export type ExportDecision =
  | { allowed: true; limits: Required<ExportLimits>; rule: string }
  | { allowed: false; table: string; reason: string };

const EXPORT_FIELDS = ['maxRows', 'maxBytes', 'timeoutMs'] as const;

/**
 * An export (more rows than the configured cap) needs, on every table the statement reads,
 * an allow grant with the `export` action and no deny grant with it. Each field of a grant's
 * export limits falls back to `defaults`; of several export grants on one table the most
 * generous value applies, and across the statement's tables the tightest.
 */
export function exportAllowance(
  req: AccessRequest,
  grants: Grant[],
  defaults: Required<ExportLimits>,
): ExportDecision {
  const ds = req.defaultSchema ?? null;
  const limits: Required<ExportLimits> = {
    maxRows: Infinity,
    maxBytes: Infinity,
    timeoutMs: Infinity,
  };
  const rules = new Set<string>();
  const tables = [...new Set(req.tables.map((t) => t.table))];
  if (tables.length === 0)
    return {
      allowed: false,
      table: '(none)',
      reason: 'a statement that reads no table has nothing to export',
    };
  for (const table of tables) {
    const denied = grantsFor(grants, req.connection, table, 'export', 'deny', ds)[0];
    if (denied) {
      return {
        allowed: false,
        table,
        reason: `agent '${req.agent}' is explicitly denied export on ${table} (${grantRule(denied, 'export')})`,
      };
    }
    const allows = grantsFor(grants, req.connection, table, 'export', 'allow', ds);
    if (allows.length === 0) {
      return {
        allowed: false,
        table,
        reason: `agent '${req.agent}' has no export grant on table ${table} in connection '${req.connection}'`,
      };
    }
    for (const g of allows) rules.add(grantRule(g, 'export'));
    for (const k of EXPORT_FIELDS) {
      const best = Math.max(...allows.map((g) => g.exportLimits?.[k] ?? defaults[k]));
      limits[k] = Math.min(limits[k], best);
    }
  }
  return { allowed: true, limits, rule: [...rules].join(' ') };
}
