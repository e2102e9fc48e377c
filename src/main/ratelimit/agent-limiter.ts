/**
 * Per-agent limits: requests per minute, hour and day (sliding windows), and rows and bytes
 * per day (UTC), each the agent's own or else the global setting. Usage is kept in the store
 * (agent_usage): the agents whose counts changed are written together, in one transaction, at
 * most SAVE_EVERY_MS after the change and at close, so a restart hands out no fresh allowance
 * and a crash forgets at most the last quarter second of counting. Writing on every request
 * cost a store commit per request on the server's thread.
 *
 * `take(agentId)` keeps the shape of SlidingWindowLimiter.take: the request pipeline calls it
 * once per agent request, before the body is read.
 */
import { USAGE_UPSERT } from '../audit/usage-rows';
import type { ServerResponse } from 'node:http';
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import {
  AgentLimitValues,
  type AgentLimitField,
  type AgentLimitsView,
} from '../../shared/contract/agent-limits';
import type { AuditEntry } from '../../shared/domain';
import {
  SlidingWindowLimiter,
  type Bucket,
  type RateDecision,
  type RateLimit,
} from './sliding-window';

/** The global defaults an agent's own limits fall back to. */
export interface GlobalLimits {
  rate: RateLimit[];
  rowsPerDay?: number;
  bytesPerDay?: number;
}

interface Daily {
  day: string;
  rows: number;
  bytes: number;
}

interface SavedUsage {
  windows?: (Bucket & { windowMs: number })[];
  daily?: Daily;
}

/** Window label → the setting that names its maximum. */
const RATE_FIELD: Record<string, AgentLimitField> = {
  minute: 'ratePerMinute',
  hour: 'ratePerHour',
  day: 'ratePerDay',
};

const DAY_MS = 86_400_000;
/** How long a change of usage may wait to be written with the others. */
export const SAVE_EVERY_MS = 250;
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

export class AgentLimiter {
  private readonly windows: SlidingWindowLimiter;
  private readonly own = new Map<string, AgentLimitValues>();
  private readonly daily = new Map<string, Daily>();
  private readonly stmts: {
    putUsage: Statement;
    putLimits: Statement;
    dropLimits: Statement;
  };
  /** Agents whose usage changed since it was last written. */
  private readonly dirty = new Set<string>();
  private saveTimer: NodeJS.Timeout | null = null;
  private readonly saveDirty: () => void;

  /**
   * `persist`, where given, takes the changed counts and writes them off this thread (the
   * core hands them to the audit writer, which writes them with its next commit: the thread
   * serving requests then never waits for the store's write lock, which the writer holds
   * through each fsync and checkpoint). Without it they are written here, in one transaction.
   */
  constructor(
    db: Database,
    private globals: GlobalLimits,
    private readonly now: () => number = Date.now,
    persist?: (rows: { agentId: string; state: string }[]) => void,
  ) {
    this.windows = new SlidingWindowLimiter(globals.rate, now);
    this.stmts = {
      putUsage: db.prepare(USAGE_UPSERT),
      putLimits: db.prepare(
        'INSERT INTO agent_limits (agent_id, limits, updated_at) VALUES (?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET limits = excluded.limits, updated_at = excluded.updated_at',
      ),
      dropLimits: db.prepare('DELETE FROM agent_limits WHERE agent_id = ?'),
    };
    this.saveDirty = persist
      ? () => {
          const rows = [...this.dirty].map((agentId) => ({
            agentId,
            state: this.stateOf(agentId),
          }));
          this.dirty.clear();
          persist(rows);
        }
      : db.transaction(() => {
          for (const agentId of this.dirty) this.write(agentId);
          this.dirty.clear();
        });
    for (const row of db
      .prepare<[], { agent_id: string; limits: string }>(
        'SELECT agent_id, limits FROM agent_limits',
      )
      .all()) {
      const parsed = AgentLimitValues.safeParse(JSON.parse(row.limits));
      // A document another version wrote falls back to the global settings.
      if (parsed.success) this.applyOwn(row.agent_id, parsed.data);
    }
    for (const row of db
      .prepare<[], { agent_id: string; state: string }>('SELECT agent_id, state FROM agent_usage')
      .all()) {
      try {
        const saved = JSON.parse(row.state) as SavedUsage;
        if (Array.isArray(saved.windows)) this.windows.restore(row.agent_id, saved.windows);
        if (saved.daily && typeof saved.daily.day === 'string')
          this.daily.set(row.agent_id, { ...saved.daily });
      } catch {
        // Unreadable usage counts as none.
      }
    }
  }

  /** The global settings changed (or were fixed by the shell): new maxima at once. */
  setLimits(
    rate: RateLimit[],
    daily: { rowsPerDay?: number | undefined; bytesPerDay?: number | undefined } = this.globals,
  ): void {
    this.globals = {
      rate,
      ...(daily.rowsPerDay ? { rowsPerDay: daily.rowsPerDay } : {}),
      ...(daily.bytesPerDay ? { bytesPerDay: daily.bytesPerDay } : {}),
    };
    this.windows.setLimits(rate);
  }

  /** Counts one request for the agent if its limits admit it; a refusal names the limit hit. */
  take(agentId: string): RateDecision {
    const t = this.now();
    const today = this.today(agentId, t);
    const limits = this.effective(agentId);
    for (const [field, used, unit] of [
      ['rowsPerDay', today.rows, 'rows'],
      ['bytesPerDay', today.bytes, 'bytes'],
    ] as const) {
      const max = limits[field];
      if (max !== null && used >= max) {
        const retryAfterSec = Math.max(1, Math.ceil((DAY_MS - (t % DAY_MS)) / 1000));
        return {
          ok: false,
          retryAfterSec,
          limit: { windowMs: DAY_MS, max, label: 'day' },
          setting: field,
          message: `exceeded ${this.whose(agentId, field)} limit of ${max} ${unit} per day (${field}; ${used} so far today, UTC); retry in ${retryAfterSec} s`,
        };
      }
    }
    const d = this.windows.take(agentId);
    this.save(agentId);
    if (d.ok) return d;
    const field = RATE_FIELD[d.limit.label] ?? 'ratePerMinute';
    return {
      ...d,
      setting: field,
      message: `exceeded ${this.whose(agentId, field)} limit of ${d.limit.max} requests per ${d.limit.label} (${field}); retry in ${d.retryAfterSec} s`,
    };
  }

  /** An agent's durable audit entry: its rows count toward the day's. */
  observe(entry: Pick<AuditEntry, 'rowCount' | 'details'>): void {
    const agentId = (entry.details as { agentId?: unknown } | null)?.agentId;
    if (typeof agentId !== 'string' || !entry.rowCount || entry.rowCount < 0) return;
    this.today(agentId, this.now()).rows += entry.rowCount;
    this.save(agentId);
  }

  /** Counts the bytes of an answer sent to the agent (headers and body) once it is sent. */
  meter(agentId: string, res: ServerResponse): void {
    const socket = res.socket;
    // An injected request (tests' inject()) has no real socket to count on.
    if (!socket || typeof socket.bytesWritten !== 'number') return;
    const before = socket.bytesWritten;
    res.once('close', () => {
      const sent = socket.bytesWritten - before;
      if (sent <= 0) return;
      this.today(agentId, this.now()).bytes += sent;
      this.save(agentId);
    });
  }

  /** The agent's own limits, those in force and today's use. */
  view(agentId: string): AgentLimitsView {
    const today = this.today(agentId, this.now());
    return {
      agentId,
      own: { ...(this.own.get(agentId) ?? {}) },
      effective: this.effective(agentId),
      usage: { day: today.day, rows: today.rows, bytes: today.bytes },
    };
  }

  /** Replaces the agent's own limits (`{}`: the global settings again); kept in the store. */
  put(agentId: string, limits: AgentLimitValues): AgentLimitsView {
    const valid = AgentLimitValues.parse(limits);
    if (Object.keys(valid).length)
      this.stmts.putLimits.run(agentId, JSON.stringify(valid), new Date(this.now()).toISOString());
    else this.stmts.dropLimits.run(agentId);
    this.applyOwn(agentId, valid);
    return this.view(agentId);
  }

  private applyOwn(agentId: string, limits: AgentLimitValues): void {
    if (Object.keys(limits).length) this.own.set(agentId, limits);
    else this.own.delete(agentId);
    const maxima: Record<string, number> = {};
    for (const [label, field] of Object.entries(RATE_FIELD)) {
      const v = limits[field];
      if (v !== undefined) maxima[label] = v;
    }
    this.windows.setKeyMaxima(agentId, maxima);
  }

  private effective(agentId: string): AgentLimitsView['effective'] {
    const own = this.own.get(agentId) ?? {};
    const global = (label: string) =>
      this.globals.rate.find((l) => l.label === label)?.max ?? Number.MAX_SAFE_INTEGER;
    return {
      ratePerMinute: own.ratePerMinute ?? global('minute'),
      ratePerHour: own.ratePerHour ?? global('hour'),
      ratePerDay: own.ratePerDay ?? global('day'),
      rowsPerDay: own.rowsPerDay ?? this.globals.rowsPerDay ?? null,
      bytesPerDay: own.bytesPerDay ?? this.globals.bytesPerDay ?? null,
    };
  }

  private whose(agentId: string, field: AgentLimitField): string {
    return this.own.get(agentId)?.[field] !== undefined ? "the agent's own" : 'the global';
  }

  private today(agentId: string, t: number): Daily {
    const day = dayOf(t);
    let d = this.daily.get(agentId);
    if (!d || d.day !== day) {
      d = { day, rows: 0, bytes: 0 };
      this.daily.set(agentId, d);
    }
    return d;
  }

  /** Writes every change of usage now (at close; tests). */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (this.dirty.size > 0) this.saveDirty();
  }

  private save(agentId: string): void {
    this.dirty.add(agentId);
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      try {
        this.flush();
      } catch {
        // The store is closing or failing: the counts stay in memory and are tried again.
      }
    }, SAVE_EVERY_MS);
    this.saveTimer.unref();
  }

  private stateOf(agentId: string): string {
    const saved: SavedUsage = {
      windows: this.windows.state(agentId) ?? [],
      daily: this.daily.get(agentId) ?? { day: dayOf(this.now()), rows: 0, bytes: 0 },
    };
    return JSON.stringify(saved);
  }

  private write(agentId: string): void {
    try {
      this.stmts.putUsage.run(agentId, this.stateOf(agentId));
    } catch {
      // An agent not (or no longer) in the store: its counts live in memory only.
    }
  }
}
