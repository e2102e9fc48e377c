/**
 * The ports the core takes from its shell (STYLE.md §2): the core never imports a platform.
 * The headless shell passes file/env implementations; the Electron shell passes safeStorage,
 * notifications and app paths.
 */

/** Supplies the 32-byte store key. */
export interface KeyProvider {
  /** A short description for error messages, e.g. "AIRLOCK_STORE_KEY" or "/home/a/.airlock/store.key". */
  readonly source: string;
  /** The existing key, or null when none has been stored yet. Throws if a stored key is unreadable. */
  load(): Promise<Buffer | null>;
  /** Create, persist and return a new random key. Only called when the store does not exist yet. */
  create(): Promise<Buffer>;
}

export interface Clock {
  now(): Date;
  /** Monotonic milliseconds, for latency. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
};

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Security alerts (denials, tampering) for the desktop shell to surface; headless logs them. */
export interface Notifier {
  alert(title: string, body: string): void;
}

export interface StartOptions {
  dataDir: string;
  /** 0 picks a free port (tests); default 7717. */
  port?: number;
  host?: '127.0.0.1';
  keyProvider: KeyProvider;
  /** Directory holding the built renderer (index.html); served at `/` when present. */
  rendererDir?: string;
  logger?: Logger;
  notifier?: Notifier;
  clock?: Clock;
}

export interface RunningAirlock {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}
