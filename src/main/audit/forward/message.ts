/**
 * What a SIEM receives for one audit entry: a fixed list of fields (never the statement, its
 * parameters, a reason quoting data or the details, which may name what an agent tried), as
 * an RFC 5424 syslog message or a JSON line.
 */
import { hostname } from 'node:os';
import type { AuditEntry } from '../../../shared/domain';

/** The fields forwarded, in this order: enough to correlate, count and check the chain. */
export interface ForwardedEntry {
  seq: number;
  time: string;
  actor: string;
  action: string;
  connection: string | null;
  status: string;
  decision: string | null;
  rule: string | null;
  /** The error code of a refused or failed request (PERMISSION_DENIED, …). */
  code: string | null;
  rowCount: number | null;
  latencyMs: number | null;
  leafHash: string;
  chainHash: string;
}

export function forwardedEntry(e: AuditEntry): ForwardedEntry {
  const code = e.details?.code;
  return {
    seq: e.id,
    time: e.time,
    actor: e.actor,
    action: e.action,
    connection: e.connection,
    status: e.status,
    decision: e.decision,
    rule: e.rule,
    code: typeof code === 'string' ? code : null,
    rowCount: e.rowCount,
    latencyMs: e.latencyMs,
    leafHash: e.leafHash,
    chainHash: e.chainHash,
  };
}

/** IANA private enterprise number in the structured data ID (docs/api.md pins it). */
export const SD_ID = 'airlock@32473';
/** Facility 13, "log audit" (RFC 5424 table 1). */
const FACILITY = 13;
const SEVERITY: Record<string, number> = { allowed: 6, denied: 4, error: 3 };
const BOM = '\uFEFF';

/** PRINTUSASCII only, at most `max` characters, "-" when empty (RFC 5424 §6.2). */
function header(value: string, max: number): string {
  const v = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return v === '' ? '-' : v;
}

/** A PARAM-VALUE: `"`, `\` and `]` escaped (RFC 5424 §6.3.3). */
function sdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

function structuredData(params: Record<string, string | number | null>): string {
  const parts = Object.entries(params)
    .filter((p): p is [string, string | number] => p[1] !== null)
    .map(([k, v]) => `${k}="${sdValue(String(v))}"`);
  return `[${SD_ID} ${parts.join(' ')}]`;
}

function syslogLine(
  severity: number,
  time: string,
  msgId: string,
  sd: string,
  msg: string,
): string {
  const pri = FACILITY * 8 + severity;
  return `<${pri}>1 ${header(time, 64)} ${header(hostname(), 255)} airlock ${header(
    String(process.pid),
    128,
  )} ${header(msgId, 32)} ${sd} ${BOM}${msg}`;
}

/** One entry as an RFC 5424 message: the fields as structured data, and as JSON in MSG. */
export function syslogMessage(e: ForwardedEntry): string {
  return syslogLine(
    SEVERITY[e.status] ?? 5,
    e.time,
    e.action,
    structuredData({
      seq: e.seq,
      actor: e.actor,
      action: e.action,
      status: e.status,
      decision: e.decision,
      code: e.code,
      connection: e.connection,
      leafHash: e.leafHash,
      chainHash: e.chainHash,
    }),
    JSON.stringify(e),
  );
}

/** The test button's message: marked as a test, in the same form as an entry. */
export function syslogTestMessage(time: string): string {
  return syslogLine(
    5,
    time,
    'airlock.test',
    structuredData({ test: 'true' }),
    JSON.stringify(testRecord(time)),
  );
}

export function testRecord(time: string): { test: true; time: string; message: string } {
  return { test: true, time, message: 'Airlock audit forwarding test message' };
}

/** RFC 6587 octet counting: the message's length in bytes, a space, the message. */
export function octetCounted(msg: string): Buffer {
  const body = Buffer.from(msg, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
