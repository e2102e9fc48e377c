/**
 * The desktop notification per approval request, without an Electron binary: `electron` is
 * replaced by a Notification that records what it was asked to show.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  class FakeNotification {
    static supported = true;
    static made: FakeNotification[] = [];
    static isSupported(): boolean {
      return FakeNotification.supported;
    }
    shown = 0;
    private readonly handlers = new Map<string, () => void>();
    constructor(readonly options: { title: string; body: string }) {
      FakeNotification.made.push(this);
    }
    on(event: string, fn: () => void): this {
      this.handlers.set(event, fn);
      return this;
    }
    show(): void {
      this.shown += 1;
    }
    emit(event: string): void {
      this.handlers.get(event)?.();
    }
  }
  return { Notification: FakeNotification };
});
vi.mock('electron', () => electron);

const { showApprovalNotifications } =
  await import('../../src/main/electron/approval-notifications');
type Notice = { id: string; agent: string; connection: string };

/** A stand-in for core.approvals.onRequested: the listeners it holds, and a way to fire them. */
function requests() {
  const listeners = new Set<(n: Notice) => void>();
  return {
    listeners,
    subscribe: (fn: (n: Notice) => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    fire: (n: Notice) => listeners.forEach((l) => l(n)),
  };
}

const REQUEST = { id: 'a1', agent: 'inventory-bot', connection: 'demo' };

beforeEach(() => {
  electron.Notification.made = [];
  electron.Notification.supported = true;
});

describe('showApprovalNotifications', () => {
  it('shows one notification per request, naming the agent and the connection only', () => {
    const r = requests();
    showApprovalNotifications({ subscribe: r.subscribe, openApprovals: () => {} });
    r.fire(REQUEST);
    r.fire({ id: 'a2', agent: 'crm-sync', connection: 'sales' });
    const made = electron.Notification.made;
    expect(made.map((n) => n.options.title)).toEqual([
      'inventory-bot asks to write to demo',
      'crm-sync asks to write to sales',
    ]);
    expect(made.every((n) => n.shown === 1)).toBe(true);
    expect(made[0]!.options.body).toMatch(/Approvals/);
  });

  it('opens the Approvals page when the notification is clicked', () => {
    const r = requests();
    const openApprovals = vi.fn();
    showApprovalNotifications({ subscribe: r.subscribe, openApprovals });
    r.fire(REQUEST);
    expect(openApprovals).not.toHaveBeenCalled();
    electron.Notification.made[0]!.emit('click');
    expect(openApprovals).toHaveBeenCalledTimes(1);
  });

  it('logs instead where the desktop cannot show notifications, without the statement', () => {
    electron.Notification.supported = false;
    const r = requests();
    const warn = vi.fn();
    showApprovalNotifications({
      subscribe: r.subscribe,
      openApprovals: () => {},
      logger: { info: () => {}, warn, error: () => {} },
    });
    r.fire(REQUEST);
    expect(electron.Notification.made).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/notifications unsupported/), {
      approvalId: 'a1',
    });
  });

  it('stops listening when stopped', () => {
    const r = requests();
    const stop = showApprovalNotifications({ subscribe: r.subscribe, openApprovals: () => {} });
    expect(r.listeners.size).toBe(1);
    stop();
    expect(r.listeners.size).toBe(0);
    r.fire(REQUEST);
    expect(electron.Notification.made).toEqual([]);
  });
});
