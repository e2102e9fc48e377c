/** Shared plumbing for exports that run in chunks so the window stays responsive. */
export interface ExportOptions {
  /** Called with a fraction from 0 to 1 as rows are written. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export const CHUNK_ROWS = 5_000;

/** Lets the browser paint (and the progress bar move) between chunks. */
export function nextTick(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      if (signal?.aborted) reject(new DOMException('Export cancelled', 'AbortError'));
      else resolve();
    }, 0);
  });
}
