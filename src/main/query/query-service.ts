/**
 * The caps a request runs under: the configured row, byte and time limits, a lower row cap a
 * request asks for, and export caps when an export grant lifts the row cap. The pipeline's
 * limit step (steps.ts) applies them.
 */
import type { ExportLimits } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import type { QueryLimits } from '../connectors/types';

/** Export caps when the configuration names none (README.md, "Large results"). */
export const EXPORT_DEFAULTS = {
  maxRows: 1_000_000,
  maxBytes: 1024 * 1024 * 1024,
  timeoutMs: 10 * 60_000,
};

/**
 * The limits for one request: the configured ones, or a lower row cap if the request asks
 * for one. More rows than the configured cap is an export, which only an `export` grant
 * allows (`exportGrant`: the caps policy.exportAllowance found, or null without one); the
 * export then runs under the grant's caps, never above the configured export caps.
 */
export function limitsFor(
  base: QueryLimits,
  maxRows: number | undefined,
  exportGrant: Required<ExportLimits> | null = null,
): { limits: QueryLimits; exporting: boolean } {
  if (maxRows === undefined) return { limits: base, exporting: false };
  if (maxRows <= base.maxRows) return { limits: { ...base, maxRows }, exporting: false };
  if (!exportGrant) {
    throw new AirlockError(
      'PERMISSION_DENIED',
      `maxRows ${maxRows} is above the row cap of ${base.maxRows} rows; more rows than that is an export, which needs the 'export' action on the grant of every table read`,
      { maxRows, rowCap: base.maxRows, needs: 'export' },
    );
  }
  const cap = Math.min(exportGrant.maxRows, base.exportMaxRows ?? EXPORT_DEFAULTS.maxRows);
  if (maxRows > cap) {
    throw new AirlockError(
      'VALIDATION_FAILED',
      `maxRows ${maxRows} is above the export cap of ${cap} rows`,
      {
        issues: [{ path: 'maxRows', message: `at most ${cap}` }],
      },
    );
  }
  return {
    limits: {
      ...base,
      maxRows,
      maxBytes: Math.max(
        base.maxBytes,
        Math.min(exportGrant.maxBytes, base.exportMaxBytes ?? EXPORT_DEFAULTS.maxBytes),
      ),
      timeoutMs: Math.max(
        base.timeoutMs,
        Math.min(exportGrant.timeoutMs, base.exportTimeoutMs ?? EXPORT_DEFAULTS.timeoutMs),
      ),
    },
    exporting: true,
  };
}

/** Concurrent statements one agent may run on one connection when the settings name no other number. */
export const AGENT_CONCURRENCY_DEFAULT = 2;
