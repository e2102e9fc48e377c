/**
 * Untrusted input through a zod schema, for every transport and operation: a failure is a
 * VALIDATION_FAILED naming the offending fields. Pure, so the HTTP server, the IPC handlers
 * and the UI operations share it without importing one another.
 */
import type { z } from 'zod';
import { AirlockError, type ValidationIssue } from './errors';

/** How many validation issues an answer (and its audit entry) names, and how long each may be. */
const MAX_ISSUES = 20;
export const MAX_ISSUE_TEXT = 200;

export const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Parses with a zod schema; a failure is a 400 naming the offending fields. The answer is
 * bounded whatever the body: at most MAX_ISSUES issues, each clipped, so a large bad body
 * cannot make a larger answer or a larger audit entry.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const all = r.error.issues;
  const issues: ValidationIssue[] = all.slice(0, MAX_ISSUES).map((i) => ({
    path: clip(i.path.map(String).join('.') || '(root)', 100),
    message: clip(i.message, MAX_ISSUE_TEXT),
  }));
  const more = all.length > MAX_ISSUES ? `; and ${all.length - MAX_ISSUES} more` : '';
  throw new AirlockError(
    'VALIDATION_FAILED',
    clip(
      `the ${what} is not valid: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${more}`,
      1000,
    ),
    { issues, ...(all.length > MAX_ISSUES ? { issueCount: all.length } : {}) },
  );
}
