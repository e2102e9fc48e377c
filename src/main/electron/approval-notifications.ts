/**
 * The desktop's word on each new approval request: an OS notification "inventory-bot asks to
 * write to demo" that opens the Approvals page when clicked. Headless, the core logs a line
 * instead. Nothing of the statement or its parameters goes into the notification: it may be
 * read on a locked screen, and the page shows them to whoever signs in.
 */
import { Notification } from 'electron';
import type { Logger } from '../ports';

/** What the notification needs of a new request. */
export interface ApprovalRequestNotice {
  id: string;
  agent: string;
  connection: string;
}

export interface ApprovalNotificationsOptions {
  /** Subscribes to new approval requests; answers the unsubscribe. */
  subscribe: (listener: (request: ApprovalRequestNotice) => void) => () => void;
  /** Brings the window forward on the Approvals page. */
  openApprovals: () => void;
  logger?: Logger;
}

/** The notification's title and body for a request. */
export function approvalNoticeText(request: ApprovalRequestNotice): {
  title: string;
  body: string;
} {
  return {
    title: `${request.agent} asks to write to ${request.connection}`,
    body: 'Open Approvals to see the statement and its preview, then approve or deny it.',
  };
}

/** Starts showing a notification per request; answers the function that stops it. */
export function showApprovalNotifications(options: ApprovalNotificationsOptions): () => void {
  // Shown notifications are kept referenced: one collected by the GC loses its click handler.
  const shown = new Set<Notification>();
  const unsubscribe = options.subscribe((request) => {
    const { title, body } = approvalNoticeText(request);
    // Some Linux desktops have no notification daemon; the request still waits on the page.
    if (!Notification.isSupported()) {
      options.logger?.warn('notifications unsupported; approval request not shown', {
        approvalId: request.id,
      });
      return;
    }
    const note = new Notification({ title, body, silent: false });
    const forget = () => shown.delete(note);
    note.on('click', () => {
      forget();
      options.openApprovals();
    });
    note.on('close', forget);
    shown.add(note);
    note.show();
  });
  return () => {
    unsubscribe();
    shown.clear();
  };
}
