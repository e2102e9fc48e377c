/**
 * Whether the browser session has ended (any call answered 401). The pages then give way to
 * one screen that says how to sign in again, instead of a red error on every card.
 */
import { useSyncExternalStore } from 'react';
import { ApiError } from './api';

let signedOut = false;
const listeners = new Set<() => void>();

export function noteError(error: unknown): void {
  if (!signedOut && error instanceof ApiError && error.status === 401) {
    signedOut = true;
    listeners.forEach((l) => l());
  }
}

/** The person signed out themselves: the same screen, without waiting for a 401. */
export function markSignedOut(): void {
  if (signedOut) return;
  signedOut = true;
  listeners.forEach((l) => l());
}

export function useSignedOut(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => signedOut,
  );
}
