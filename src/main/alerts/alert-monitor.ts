/**
 * Security alerts, derived from the audit trail as it is written: a statement the engine
 * caught after the parser passed it (a parse differential — someone probing the guard), a
 * burst of denials from one actor, and a burst of failed authentications. Each alert kind
 * is raised at most once per quiet period per actor, so a noisy agent cannot flood the desktop.
 */
import type { AuditEntry } from '../../shared/domain';
import type { Clock, Notifier } from '../ports';

export interface AlertOptions {
  /** Denials from one actor within `windowMs` that raise an alert. */
  denialBurst: number;
  /** Failed authentications (any key) within `windowMs` that raise an alert. */
  authBurst: number;
  windowMs: number;
  /** After an alert, the same kind for the same actor stays quiet this long. */
  quietMs: number;
}

export const DEFAULT_ALERTS: AlertOptions = {
  denialBurst: 5,
  authBurst: 5,
  windowMs: 60_000,
  quietMs: 600_000,
};

/** Layers whose refusals mean the text fooled an earlier layer, or the engine disagreed. */
const PROBE_LAYERS = new Set(['engine-truth', 'backstop']);

export class AlertMonitor {
  private readonly recent = new Map<string, number[]>();
  private readonly lastAlert = new Map<string, number>();

  constructor(
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly options: AlertOptions = DEFAULT_ALERTS,
  ) {}

  /** Called with every entry once it is durable. */
  observe(e: AuditEntry): void {
    if (e.status !== 'denied') return;
    const layer = typeof e.details?.layer === 'string' ? e.details.layer : null;
    if (layer && PROBE_LAYERS.has(layer)) {
      this.raise(
        `probe:${e.actor}`,
        'Airlock refused a statement the database disagreed about',
        `${e.actor} sent a statement on '${e.connection ?? '?'}' that the ${layer} layer stopped (audit entry #${e.id}). This is how guard bypasses look; review the agent.`,
      );
    }
    if (e.action === 'auth') {
      if (this.burst('auth', this.options.authBurst)) {
        this.raise(
          'auth',
          'Repeated failed sign-ins to Airlock',
          `${this.options.authBurst} or more requests with an invalid, revoked or expired key within a minute (latest: audit entry #${e.id}).`,
        );
      }
      return;
    }
    if (this.burst(`deny:${e.actor}`, this.options.denialBurst)) {
      this.raise(
        `deny:${e.actor}`,
        `Repeated denials for ${e.actor}`,
        `${this.options.denialBurst} or more refused requests within a minute (latest: audit entry #${e.id}: ${e.reason ?? 'denied'}).`,
      );
    }
  }

  private burst(key: string, threshold: number): boolean {
    const now = this.clock.now().getTime();
    const times = (this.recent.get(key) ?? []).filter((t) => now - t < this.options.windowMs);
    times.push(now);
    this.recent.set(key, times);
    return times.length >= threshold;
  }

  private raise(key: string, title: string, body: string): void {
    const now = this.clock.now().getTime();
    const last = this.lastAlert.get(key);
    if (last !== undefined && now - last < this.options.quietMs) return;
    this.lastAlert.set(key, now);
    this.notifier.alert(title, body);
  }
}
