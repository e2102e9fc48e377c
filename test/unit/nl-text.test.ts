/**
 * The small pure pieces of the NL path: search terms, the model answer parser, result
 * comparison, the factual summary, semantic-layer YAML, and scrubbing hidden names.
 */
import { describe, expect, it } from 'vitest';
import { hiddenNameScrubber } from '../../src/main/nl/candidate';
import type { AccessView } from '../../src/main/nl/access';
import { ordersResult } from '../../src/main/nl/evaluation';
import { parseAnswer } from '../../src/main/nl/prompt';
import { resultFingerprint, sameResult } from '../../src/main/nl/result-compare';
import { layerFromYaml, layerToYaml } from '../../src/main/nl/semantic-yaml';
import { summarise } from '../../src/main/nl/summary';
import { stem, terms } from '../../src/main/nl/terms';
import { AirlockError } from '../../src/shared/errors';

describe('terms', () => {
  it('splits identifiers, drops function words, folds plurals', () => {
    expect(terms('How many orderItems per ship_country?')).toEqual([
      'many',
      'order',
      'item',
      'ship',
      'country',
    ]);
    expect(['categories', 'boxes', 'addresses', 'status', 'orders'].map(stem)).toEqual([
      'category',
      'box',
      'address',
      'status',
      'order',
    ]);
  });
});

describe('parseAnswer', () => {
  it('takes the SQL out of fences and a trailing semicolon', () => {
    expect(parseAnswer('{"sql":"```sql\\nSELECT 1;\\n```","explanation":"one"}')).toEqual({
      sql: 'SELECT 1',
      explanation: 'one',
    });
  });
  it('explains what was wrong with the answer', () => {
    expect(() => parseAnswer('SELECT 1')).toThrow(/not valid JSON/);
    expect(() => parseAnswer('{"query":"SELECT 1"}')).toThrow(/"sql"/);
    expect(() => parseAnswer('{"sql":"  ;  "}')).toThrow(/empty/);
  });
});

describe('result comparison', () => {
  it('multisets unless ordered; numbers without float noise; big integers as numbers', () => {
    expect(
      sameResult(
        [
          [1, 'a'],
          [2, 'b'],
        ],
        [
          [2, 'b'],
          [1, 'a'],
        ],
        false,
      ),
    ).toBe(true);
    expect(
      sameResult(
        [
          [1, 'a'],
          [2, 'b'],
        ],
        [
          [2, 'b'],
          [1, 'a'],
        ],
        true,
      ),
    ).toBe(false);
    expect(sameResult([[1], [1]], [[1]], false)).toBe(false);
    expect(sameResult([[0.1 + 0.2]], [[0.3]], true)).toBe(true);
    expect(sameResult([['9007199254740993']], [['9007199254740993']], true)).toBe(true);
    expect(resultFingerprint([[1], [2]])).toBe(resultFingerprint([[2], [1]]));
  });
  it('a gold statement orders its result only with a top-level ORDER BY', () => {
    expect(ordersResult('SELECT a FROM t ORDER BY a')).toBe(true);
    expect(ordersResult('SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 3)')).toBe(false);
    expect(ordersResult('SELECT a FROM t')).toBe(false);
  });
});

describe('summary', () => {
  const cols = (...n: string[]) => n.map((name) => ({ name, type: 'any' }));
  it('states single values, counts, ranges, common values and the first row', () => {
    expect(summarise(cols('n'), [[3000]], false)).toBe('The result is 3,000 (n).');
    expect(summarise(cols('n'), [], false)).toBe('No rows matched.');
    const s = summarise(
      cols('id', 'country', 'revenue'),
      [
        [1, 'USA', 10.5],
        [2, 'USA', 20],
        [3, 'Japan', 4.25],
      ],
      false,
    );
    expect(s).toBe(
      "3 rows. country: 2 distinct, most common 'USA' (2 rows). revenue: 4.25 to 20, total 34.75, average 11.58. First row: id = 1, country = 'USA', revenue = 10.5.",
    );
    expect(summarise(cols('a'), [[1], [2]], true)).toMatch(/^2 rows shown; the result was cut/);
  });
});

describe('semantic layer YAML', () => {
  it('round-trips and reports positions', () => {
    const layer = layerFromYaml('tables:\n  - name: orders\n    synonyms: [purchases]\n');
    expect(layer).toEqual({
      version: 1,
      tables: [{ name: 'orders', synonyms: ['purchases'] }],
      relationships: [],
      metrics: [],
      examples: [],
    });
    expect(layerFromYaml(layerToYaml(layer, 'demo'))).toEqual(layer);
    expect(layerFromYaml('')).toEqual({
      version: 1,
      tables: [],
      relationships: [],
      metrics: [],
      examples: [],
    });
    const err = (() => {
      try {
        layerFromYaml('tables: [\n');
      } catch (e) {
        return e as AirlockError;
      }
    })();
    expect(err?.code).toBe('VALIDATION_FAILED');
    expect(err?.message).toMatch(/line \d+, column \d+/);
    expect(() => layerFromYaml('- just\n- a list\n')).toThrow(/expected a mapping/);
    expect(() => layerFromYaml('relationships:\n  - from: orders\n    to: customers.id\n')).toThrow(
      /relationships\.0\.from: write it as table\.column/,
    );
  });
});

describe('hidden names in error text fed back to the model', () => {
  it('are replaced, while names the asker may read stay', () => {
    const view = {
      readable: new Map([['orders', new Set(['id', 'total'])]]),
      tables: [
        {
          name: 'orders',
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'total', type: 'real' },
            { name: 'secret_margin', type: 'real' },
          ],
        },
        {
          name: 'payroll',
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'salary', type: 'integer' },
          ],
        },
      ],
    } as unknown as AccessView;
    const scrub = hiddenNameScrubber(view);
    expect(
      scrub('ambiguous column name: salary in payroll, orders.secret_margin vs orders.total'),
    ).toBe('ambiguous column name: <hidden> in <hidden>, orders.<hidden> vs orders.total');
  });
});
