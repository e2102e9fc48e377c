/** Whether the person finished or skipped the guided setup (kept per browser profile). */
const KEY = 'airlock.setup.done';

export function setupDismissed(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

export function dismissSetup(): void {
  try {
    localStorage.setItem(KEY, '1');
  } catch {
    // Private mode without storage: the setup will simply be offered again.
  }
}
