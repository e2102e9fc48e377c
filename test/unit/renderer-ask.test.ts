import { describe, expect, it } from 'vitest';
import {
  answerOutcome,
  askable,
  attemptsLine,
  elapsedLabel,
  ollamaBanner,
  submitsOnKey,
  type AskSuccess,
  type OllamaStatus,
} from '../../src/renderer/src/lib/ask-model';
import {
  describePath,
  emptyLayer,
  pruneLayer,
  layerIssues,
  tabOf,
  updateColumn,
  updateTable,
  valuesFromTags,
} from '../../src/renderer/src/lib/semantic-layer-model';

const status = (over: Partial<OllamaStatus>): OllamaStatus => ({
  url: 'http://127.0.0.1:11434',
  model: 'qwen2.5-coder:7b',
  reachable: true,
  version: '0.12.0',
  models: [],
  modelPresent: true,
  problem: null,
  guidance: [],
  ...over,
});

describe('the Ask page', () => {
  it('names the Ollama problem a person has to fix', () => {
    expect(ollamaBanner(status({})).kind).toBe('ready');
    expect(ollamaBanner(status({})).title).toBe('Ready: qwen2.5-coder:7b via Ollama 0.12.0');
    const down = ollamaBanner(
      status({ reachable: false, problem: { code: 'OLLAMA_UNAVAILABLE', message: 'x' } }),
    );
    expect(down).toEqual({
      kind: 'down',
      title: 'Ollama is not answering at http://127.0.0.1:11434',
    });
    expect(ollamaBanner(status({ modelPresent: false })).kind).toBe('no-model');
    expect(
      ollamaBanner(status({ problem: { code: 'OLLAMA_ERROR', message: 'Ollama is too old' } })),
    ).toEqual({ kind: 'problem', title: 'Ollama is too old' });
  });

  it('counts model calls, candidates and repairs', () => {
    const ok = { error: null, sql: 'SELECT 1' };
    const bad = { error: { code: 'SQL_ERROR', message: 'no such column' }, sql: 'SELECT x' };
    expect(attemptsLine(1, [{ ...ok, candidate: 1 }])).toBe('1 model call');
    expect(
      attemptsLine(3, [
        { ...bad, candidate: 1 },
        { ...bad, candidate: 1 },
        { ...ok, candidate: 1 },
      ]),
    ).toBe('3 model calls · 2 repairs');
    expect(
      attemptsLine(4, [
        { ...ok, candidate: 1 },
        { ...bad, candidate: 2 },
        { ...ok, candidate: 2 },
        { ...ok, candidate: 3 },
      ]),
    ).toBe('4 model calls · 3 candidates · 1 repair');
    expect(attemptsLine(0, [])).toBe('0 model calls');
  });

  it('shows the answer with the executed statement’s audit entry', () => {
    const answer = {
      ok: true,
      sql: 'SELECT 1',
      columns: [{ name: 'a', type: 'integer' }],
      rows: [[1]],
      rowCount: 1,
      truncated: false,
      auditId: 7,
      queryAuditId: 8,
      elapsedMs: 12,
    } as unknown as AskSuccess;
    expect(answerOutcome(answer)).toEqual({
      ok: true,
      columns: [{ name: 'a', type: 'integer' }],
      rows: [[1]],
      rowCount: 1,
      truncated: false,
      auditId: 8,
      elapsedMs: 12,
    });
  });

  it('times the wait and submits on Enter only', () => {
    expect(elapsedLabel(400)).toBe('0 s');
    expect(elapsedLabel(12_900)).toBe('12 s');
    expect(elapsedLabel(65_000)).toBe('1 min 05 s');
    expect(submitsOnKey({ key: 'Enter', shiftKey: false })).toBe(true);
    expect(submitsOnKey({ key: 'Enter', shiftKey: true })).toBe(false);
    expect(submitsOnKey({ key: 'Enter', shiftKey: false, isComposing: true })).toBe(false);
    expect(submitsOnKey({ key: 'a', shiftKey: false })).toBe(false);
    expect(askable('  hi ')).toBe(false);
    expect(askable('how many?')).toBe(true);
  });
});

describe('the semantic layer editor', () => {
  it('adds table and column notes where there were none, and changes them in place', () => {
    let l = updateTable(emptyLayer(), 'orders', { description: 'One row per order' });
    l = updateColumn(l, 'Orders', 'status', { values: ['open'] });
    l = updateColumn(l, 'orders', 'STATUS', { description: 'Where it is' });
    l = updateColumn(l, 'customers', 'id', { synonyms: ['customer number'] });
    expect(l.tables).toEqual([
      {
        name: 'orders',
        description: 'One row per order',
        columns: [{ name: 'status', values: ['open'], description: 'Where it is' }],
      },
      { name: 'customers', columns: [{ name: 'id', synonyms: ['customer number'] }] },
    ]);
  });

  it('drops what says nothing before saving, and keeps lists as written', () => {
    let l = updateTable(emptyLayer(), 'orders', { description: '  ', synonyms: [] });
    l = updateColumn(l, 'orders', 'status', { description: '' });
    l = updateTable(l, 'customers', { description: ' People who buy ' });
    l = {
      ...l,
      relationships: [{ from: ' orders.customer_id ', to: 'customers.id', description: '' }],
      metrics: [{ name: 'revenue', sql: 'SUM(total)', from: 'orders', filter: ' ' }],
    };
    expect(pruneLayer(l)).toEqual({
      version: 1,
      tables: [{ name: 'customers', description: 'People who buy' }],
      relationships: [{ from: 'orders.customer_id', to: 'customers.id' }],
      metrics: [{ name: 'revenue', sql: 'SUM(total)', from: 'orders' }],
      examples: [],
    });
  });

  it('keeps the type of value hints that were there', () => {
    expect(valuesFromTags(['1', 'true', 'new'], [1, true, 'old'])).toEqual([1, true, 'new']);
  });

  it('reads the core’s validation issues from the error’s details, named by table and column', () => {
    const l = updateColumn(updateTable(emptyLayer(), 'orders', {}), 'orders', 'stat', {
      description: 'x',
    });
    const issues = layerIssues({
      // The message says the same in prose; the page never parses it.
      message: "the semantic layer for 'demo' is not valid: …",
      details: {
        issues: [
          { path: 'tables.0.columns.0.name', message: "table 'orders' has no column 'stat'" },
          { path: 'relationships.1.to', message: "the connection has no table 'x'; or 'y'" },
        ],
      },
    });
    expect(issues).toEqual([
      { path: 'tables.0.columns.0.name', message: "table 'orders' has no column 'stat'" },
      { path: 'relationships.1.to', message: "the connection has no table 'x'; or 'y'" },
    ]);
    expect(describePath(issues[0]!.path, l)).toBe('Table orders › column stat › name');
    expect(describePath(issues[1]!.path, l)).toBe('Relationship 2 › to');
    expect(
      describePath('metrics.0', { ...l, metrics: [{ name: 'revenue', sql: 'x', from: 'y' }] }),
    ).toBe('Metric revenue');
    expect(describePath('examples.2.sql', l)).toBe('Example 3 › sql');
    expect(describePath('line 3, column 4', l)).toBe('line 3, column 4');
    expect(describePath('(root)', l)).toBe('The file');
    expect(tabOf('relationships.1.to')).toBe('relationships');
    expect(tabOf('line 3, column 4')).toBeNull();
    expect(layerIssues({ message: 'connection not found', details: {} })).toEqual([
      { path: '', message: 'connection not found' },
    ]);
    expect(
      layerIssues({
        message: 'the YAML file is not valid: …',
        details: {
          issues: [{ path: 'line 3, column 4', message: 'bad indent' }, { path: 7 }, 'junk'],
          issueCount: 3,
        },
      }),
    ).toEqual([
      { path: 'line 3, column 4', message: 'bad indent' },
      { path: '', message: 'and 2 more' },
    ]);
  });
});
