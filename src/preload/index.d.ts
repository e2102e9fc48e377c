/**
 * What the preload exposes as `window.airlock`: the renderer includes this file for its types
 * and the preload implements it. One named method per operation, never a generic invoke.
 *
 * A global script (no imports or exports) on purpose: the preload's own index.ts takes
 * precedence over a module import of './index', so both sides reference this file by path.
 */

interface AirlockInfo {
  version: string;
  /** The core's loopback URL, e.g. `http://127.0.0.1:7717`. */
  url: string;
}

interface AirlockBridge {
  getInfo(): Promise<AirlockInfo>;
}

interface Window {
  /** Present in the desktop window only; absent when the UI is served headless to a browser. */
  airlock?: AirlockBridge;
}
