/**
 * Splits a stream of text chunks into NDJSON lines: a line may arrive in pieces, and one chunk
 * may hold several lines. Pure, so it is tested without a network.
 */
export function ndjsonLines() {
  let pending = '';
  return {
    /** The complete lines this chunk finishes (blank lines dropped). */
    push(chunk: string): string[] {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      return parts.filter((l) => l.trim() !== '');
    },
    /** What is left when the stream ends (a last line without its newline). */
    end(): string[] {
      const last = pending.trim();
      pending = '';
      return last ? [last] : [];
    },
  };
}
