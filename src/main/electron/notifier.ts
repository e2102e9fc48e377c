/** The desktop Notifier: security alerts become OS notifications. */
import { Notification } from 'electron';
import type { Logger, Notifier } from '../ports';

export function createElectronNotifier(logger?: Logger): Notifier {
  return {
    alert(title, body) {
      // Some Linux desktops have no notification daemon; the alert must still be seen somewhere.
      if (!Notification.isSupported()) {
        logger?.warn('notifications unsupported; alert not shown', { title, body });
        return;
      }
      new Notification({ title, body, silent: false }).show();
    },
  };
}
