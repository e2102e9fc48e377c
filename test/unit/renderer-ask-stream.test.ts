import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../src/renderer/src/lib/ask-events';
import { ndjsonLines } from '../../src/renderer/src/lib/ndjson';

describe('NDJSON lines from a stream of chunks', () => {
  it('joins a line split across chunks and splits chunks holding several lines', () => {
    const lines = ndjsonLines();
    expect(lines.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(lines.push(':2}\n\n{"c":3}\n')).toEqual(['{"b":2}', '{"c":3}']);
    expect(lines.push('{"d":4}')).toEqual([]);
    expect(lines.end()).toEqual(['{"d":4}']);
    expect(lines.end()).toEqual([]);
  });
});

describe('the outcome of a streamed ask', () => {
  it('is nothing yet for stages and tokens', () => {
    expect(outcomeOf({ type: 'stage', stage: 'generating' })).toBeNull();
    expect(outcomeOf({ type: 'token', attempt: 1, text: 'SEL' })).toBeNull();
  });

  it('is a failure with its code, audit entry and guidance for an error event', () => {
    expect(
      outcomeOf({
        type: 'error',
        error: { code: 'OLLAMA_UNAVAILABLE', message: 'not running', guidance: ['start it'] },
        auditId: 12,
      }),
    ).toEqual({
      ok: false,
      code: 'OLLAMA_UNAVAILABLE',
      message: 'not running',
      auditId: 12,
      guidance: ['start it'],
    });
    expect(outcomeOf({ type: 'error', error: { code: 'X', message: 'm' } })).toEqual({
      ok: false,
      code: 'X',
      message: 'm',
      auditId: null,
    });
  });
});
