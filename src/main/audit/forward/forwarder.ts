/**
 * Forwards the durable audit trail to each destination of `audit.forward`, at least once and
 * in order. Each destination has a lane: it reads the entries after its cursor from the store,
 * sends them, and moves its cursor (kept in the store) only once the link has held for a
 * settling interval after the send. A link that breaks sends again from the cursor, so an
 * entry the collector may not have taken is sent again (a duplicate carries the same seq).
 * While a destination is down its lane retries with exponential backoff; the trail itself is
 * the queue, so nothing is lost whatever the wait.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import {
  destinationName,
  type ForwardTarget,
  type ForwardingStatus as StatusSchema,
} from '../../../shared/contract/forwarding';
import type { AuditLog } from '../audit-log';
import { rowToEntry, type AuditRow } from '../audit-rows';
import { ForwardCursors } from './cursors';
import { forwardedEntry } from './message';
import { formatFor, openTransport, type Transport } from './transports';

export interface ForwarderOptions {
  /** How long a link must hold after a send before the cursor moves past it (default 500 ms). */
  settleMs?: number;
  /** First retry delay; doubled per failure up to `retryMaxMs` (defaults 500 ms and 60 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Entries per send (default 256). */
  batchSize?: number;
}

type ForwardingStatus = z.infer<typeof StatusSchema>;
type DestinationStatus = ForwardingStatus['destinations'][number];

interface Deps {
  db: Database;
  audit: AuditLog;
  /** The destinations the settings name now. */
  targets: () => ForwardTarget[];
}

export class Forwarder {
  private lanes = new Map<string, Lane>();
  private readonly cursors: ForwardCursors;
  private readonly read: Statement<[number, number], AuditRow>;
  private readonly options: Required<ForwarderOptions>;
  private closed = false;

  constructor(
    private readonly deps: Deps,
    options: ForwarderOptions = {},
  ) {
    this.options = {
      settleMs: options.settleMs ?? 500,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 60_000,
      batchSize: options.batchSize ?? 256,
    };
    this.cursors = new ForwardCursors(deps.db);
    this.read = deps.db.prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?');
    deps.audit.onDurable(() => this.wake());
    this.configure();
  }

  /** Follows the settings: new destinations start after the head, removed ones stop. */
  configure(): void {
    if (this.closed) return;
    const targets = this.deps.targets();
    const names = targets.map(destinationName);
    for (const [name, lane] of this.lanes) {
      if (!names.includes(name)) {
        this.lanes.delete(name);
        void lane.close(0);
      }
    }
    this.cursors.keepOnly(names);
    targets.forEach((t, i) => {
      const name = names[i]!;
      const lane = this.lanes.get(name);
      if (lane) lane.retarget(t);
      else this.lanes.set(name, new Lane(name, t, this.cursors.of(name), this.laneDeps()));
    });
    this.wake();
  }

  private laneDeps(): LaneDeps {
    return {
      options: this.options,
      after: (seq) => this.read.all(seq, this.options.batchSize).map(rowToEntry),
      commit: (name, seq) => this.cursors.set(name, seq),
    };
  }

  /** New durable entries: every lane that is not waiting out a failure sends them. */
  wake(): void {
    for (const lane of this.lanes.values()) lane.pump();
  }

  status(): ForwardingStatus {
    const headSeq = this.cursors.headSeq();
    return {
      headSeq,
      destinations: [...this.lanes.values()].map((l) => l.status(headSeq)),
    };
  }

  /**
   * A clean stop: each lane gets up to `drainMs` to send what is durable (the stop entry
   * included) and settle; whatever is left is sent after the next start.
   */
  async close(drainMs = 2_000): Promise<void> {
    this.closed = true;
    await Promise.all([...this.lanes.values()].map((l) => l.close(drainMs)));
    this.lanes.clear();
  }
}

interface LaneDeps {
  options: Required<ForwarderOptions>;
  after(seq: number): ReturnType<typeof rowToEntry>[];
  commit(name: string, seq: number): void;
}

/** One destination: its link, its cursor, its retries. */
class Lane {
  private transport: Transport | null = null;
  /** Counts links, so a report from a link already dropped is ignored. */
  private link = 0;
  /** The last entry sent on the current link (ahead of the cursor until it settles). */
  private sent: number;
  private unsettled: { seq: number; at: number }[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  private nextAttemptAt: number | null = null;
  private lastError: string | null = null;
  private refused = false;
  private closed = false;

  constructor(
    readonly name: string,
    private target: ForwardTarget,
    private cursor: number,
    private readonly deps: LaneDeps,
  ) {
    this.sent = cursor;
  }

  private get enabled(): boolean {
    return this.target.enabled !== false;
  }

  /** The same destination with other options (enabled, LAN confirmation): a fresh link. */
  retarget(t: ForwardTarget): void {
    if (JSON.stringify(t) === JSON.stringify(this.target)) return;
    this.target = t;
    void this.reset();
    this.failures = 0;
    this.refused = false;
    this.clearRetry();
    this.lastError = null;
  }

  pump(): void {
    if (this.closed || !this.enabled || this.retryTimer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.retryTimer || this.closed) break;
        const batch = this.deps.after(this.sent);
        if (batch.length === 0) break;
        if (!this.transport) {
          const link = ++this.link;
          const opened = await openTransport(this.target, (e) => {
            if (link === this.link) this.fail(e);
          });
          if (link !== this.link || this.closed) {
            await opened.close().catch(() => {});
            break;
          }
          this.transport = opened;
        }
        const format = formatFor(this.target);
        await this.transport.send(batch.map((e) => format.entry(forwardedEntry(e))));
        this.sent = batch[batch.length - 1]!.id;
        this.unsettled.push({ seq: this.sent, at: Date.now() });
        this.failures = 0;
        this.lastError = null;
        this.refused = false;
        if (this.closed) break;
      }
      this.scheduleSettle();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Moves the cursor past every send the link has held for the settling interval. */
  private settle(): void {
    const due = Date.now() - this.deps.options.settleMs;
    let seq = this.cursor;
    while (this.unsettled.length > 0 && this.unsettled[0]!.at <= due) {
      seq = this.unsettled.shift()!.seq;
    }
    if (seq > this.cursor) {
      this.cursor = seq;
      this.deps.commit(this.name, seq);
    }
    this.scheduleSettle();
  }

  private scheduleSettle(): void {
    if (this.settleTimer || this.unsettled.length === 0 || this.closed) return;
    const wait = Math.max(0, this.unsettled[0]!.at + this.deps.options.settleMs - Date.now());
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.settle();
    }, wait);
    this.settleTimer.unref();
  }

  /** The link broke or could not be made: send again from the cursor, after a backoff. */
  private fail(e: Error): void {
    this.lastError = e.message;
    this.refused = /is refused:/.test(e.message);
    void this.reset();
    if (this.closed || this.retryTimer) return;
    const { retryBaseMs, retryMaxMs } = this.deps.options;
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(this.failures, 20));
    this.failures += 1;
    this.nextAttemptAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.nextAttemptAt = null;
      this.pump();
    }, delay);
    this.retryTimer.unref();
  }

  /** Drops the link and everything sent on it that has not settled. */
  private reset(): Promise<void> {
    this.link += 1;
    const t = this.transport;
    this.transport = null;
    const closing = t ? t.close().catch(() => {}) : Promise.resolve();
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    this.unsettled = [];
    this.sent = this.cursor;
    return closing;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.nextAttemptAt = null;
  }

  status(headSeq: number): DestinationStatus {
    return {
      destination: this.name,
      state: !this.enabled
        ? 'paused'
        : this.refused
          ? 'refused'
          : this.lastError !== null
            ? 'retrying'
            : 'ok',
      lastSentSeq: this.cursor,
      lag: Math.max(0, headSeq - this.cursor),
      lastError: this.lastError,
      nextAttemptAt:
        this.nextAttemptAt === null ? null : new Date(this.nextAttemptAt).toISOString(),
    };
  }

  async close(drainMs: number): Promise<void> {
    const deadline = Date.now() + drainMs;
    if (drainMs > 0 && this.enabled && !this.retryTimer) {
      this.pump();
      if (this.running) await Promise.race([this.running, sleep(deadline - Date.now())]);
    }
    this.closed = true;
    this.clearRetry();
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    // What the link took holds if it is still up after the settling interval (or the deadline).
    if (this.transport && this.unsettled.length > 0) {
      const wait = Math.min(this.deps.options.settleMs, Math.max(0, deadline - Date.now()));
      await sleep(wait);
      if (this.transport && this.unsettled.length > 0) {
        const last = this.unsettled[this.unsettled.length - 1]!.seq;
        this.unsettled = [];
        if (last > this.cursor) {
          this.cursor = last;
          this.deps.commit(this.name, last);
        }
      }
    }
    await this.reset();
    if (this.running) await Promise.race([this.running, sleep(1_000)]);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
