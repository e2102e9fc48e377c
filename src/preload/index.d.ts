/**
 * What the preload exposes as `window.airlock`: the renderer includes this file for its types.
 * One named method per operation (AirlockBridge, from the shared contract) plus `getInfo`.
 *
 * A global script (no top-level imports or exports) on purpose, so `Window` is augmented for
 * whoever includes it; the type comes in through an import type.
 */

interface Window {
  /** Present in the desktop window only; absent when the UI is served headless to a browser. */
  airlock?: import('../shared/contract/ops').AirlockBridge;
}
