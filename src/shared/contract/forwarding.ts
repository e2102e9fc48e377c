/**
 * Forwarding the audit trail to the site's SIEM (docs/api.md, "Forwarding to a SIEM"): the
 * destinations the settings name (`audit.forward`), what each destination reports, and the
 * UI operations of the Settings page's "Audit forwarding" section.
 */
import { z } from 'zod';

const enabled = z
  .boolean()
  .optional()
  .describe('false pauses the destination; its place in the trail is kept (default true)');

/** A syslog collector: RFC 5424, TCP with octet-counting framing (RFC 6587) or UDP. */
export const SyslogTarget = z.strictObject({
  kind: z.literal('syslog'),
  host: z.string().trim().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['tcp', 'udp']),
  /**
   * The officer confirmed that `host` is on the local network. Without it only this machine
   * is allowed; a public address is refused either way (the air-gap rule, net/outbound.ts).
   */
  lanConfirmed: z.boolean().optional(),
  enabled,
});

/** A file on this machine, one JSON object per line, appended. */
export const JsonlTarget = z.strictObject({
  kind: z.literal('jsonl'),
  path: z
    .string()
    .min(1)
    .max(4096)
    .refine((p) => /^([A-Za-z]:[\\/]|[\\/])/.test(p), 'the file path must be absolute'),
  enabled,
});

export const ForwardTarget = z.discriminatedUnion('kind', [SyslogTarget, JsonlTarget]);
export type ForwardTarget = z.infer<typeof ForwardTarget>;

/** At most this many destinations (each keeps its own place in the trail). */
export const MAX_FORWARD_TARGETS = 8;

export const ForwardList = z.array(ForwardTarget).max(MAX_FORWARD_TARGETS);

/** How the officer, the status and the cursors name a destination: a host and port, or a path. */
export function destinationName(t: ForwardTarget): string {
  if (t.kind === 'jsonl') return `jsonl:${t.path}`;
  const host = t.host.includes(':') && !t.host.startsWith('[') ? `[${t.host}]` : t.host;
  return `syslog-${t.protocol}://${host.toLowerCase()}:${t.port}`;
}

/** Where one destination stands: what it has received, and why it is behind if it is. */
export const ForwardDestinationStatus = z.object({
  /** `syslog-tcp://host:port`, `syslog-udp://host:port` or `jsonl:/path`. */
  destination: z.string(),
  state: z.enum(['ok', 'retrying', 'refused', 'paused']),
  /** The last entry the destination took (its seq); 0 before the first. */
  lastSentSeq: z.number().int(),
  /** Durable entries not yet forwarded to it. */
  lag: z.number().int(),
  /** Why the last attempt failed (never a secret: a host, a port, a system error). */
  lastError: z.string().nullable(),
  /** When the next attempt is due while retrying (ISO). */
  nextAttemptAt: z.string().nullable(),
});

export const ForwardingStatus = z.object({
  headSeq: z.number().int(),
  destinations: z.array(ForwardDestinationStatus),
});

export const ForwardTestResult = z.object({
  ok: z.boolean(),
  destination: z.string(),
  /** What happened, for the officer: sent where, or why not. */
  message: z.string(),
  /** The audit entry that records the test. */
  auditId: z.number().int(),
});

/** The Settings page's forwarding operations (the destinations themselves are settings). */
export const FORWARDING_OPS = {
  forwardingStatus: { input: z.strictObject({}), output: ForwardingStatus },
  testForwarding: { input: z.strictObject({ target: ForwardTarget }), output: ForwardTestResult },
};
