/**
 * The shared part of before/after images: values kept as JSON come back as the values to bind,
 * a preview shows rows only when the images are exact, and revert refuses images that are not
 * well formed (they come back from the store).
 */
import { describe, expect, it } from 'vitest';
import type { WriteImages } from '../../src/main/connectors/types';
import {
  type Capture,
  beforeMatches,
  checkImages,
  decodeImageValue,
  displayImageValue,
  encodeImageValue,
  previewOf,
  revertConflict,
  tableAsWritten,
} from '../../src/main/connectors/write-images';
import { AirlockError } from '../../src/shared/errors';

describe('image values', () => {
  it('round-trip through JSON: big integers, bytes, JSON values', () => {
    const values = [null, 1, -2.5, 'text', 2n ** 62n, Buffer.from([0, 255, 16]), { k: [1] }];
    const kept = JSON.parse(JSON.stringify(values.map(encodeImageValue))) as unknown[];
    expect(kept.map(decodeImageValue)).toEqual([
      null,
      1,
      -2.5,
      'text',
      2n ** 62n,
      Buffer.from([0, 255, 16]),
      '{"k":[1]}',
    ]);
    expect(kept.map(displayImageValue)).toEqual([
      null,
      1,
      -2.5,
      'text',
      (2n ** 62n).toString(),
      'AP8Q',
      '{"k":[1]}',
    ]);
  });

  it('an object in an unknown form is refused, not bound', () => {
    expect(() => decodeImageValue({ $what: 1 })).toThrow(AirlockError);
  });
});

const capture = (over: Partial<Capture> = {}): Capture => ({
  rowsAffected: 1,
  table: 'items',
  columns: ['id', 'name'],
  primaryKey: ['id'],
  kind: 'update',
  before: [[1, 'a']],
  after: [[1, 'b']],
  notRevertable: null,
  overCap: false,
  ...over,
});

describe('previewOf', () => {
  it('keeps the images only for a real write', () => {
    expect(previewOf(capture(), false)).toEqual({
      rowsAffected: 1,
      before: { columns: ['id', 'name'], rows: [[1, 'a']] },
      revertable: { ok: true },
    });
    expect(previewOf(capture(), true).images).toEqual({
      table: 'items',
      primaryKey: ['id'],
      columns: ['id', 'name'],
      kind: 'update',
      before: [[1, 'a']],
      after: [[1, 'b']],
    });
  });

  it('over the cap: no rows, no images, truncated', () => {
    const p = previewOf(capture({ overCap: true, notRevertable: 'too many' }), true);
    expect(p.before).toBeUndefined();
    expect(p.images).toBeUndefined();
    expect(p.beforeTruncated).toBe(true);
    expect(p.revertable).toEqual({ ok: false, reason: 'too many' });
  });

  it('not revertable: the reason and no images, the rows still shown', () => {
    const p = previewOf(capture({ notRevertable: 'a foreign key cascades' }), true);
    expect(p.images).toBeUndefined();
    expect(p.before?.rows).toEqual([[1, 'a']]);
  });

  it('an insert shows no before rows', () => {
    const p = previewOf(capture({ kind: 'insert', before: null }), true);
    expect(p.before).toBeUndefined();
    expect(p.images?.before).toEqual([]);
  });
});

describe('checkImages', () => {
  const good: WriteImages = {
    table: 'items',
    primaryKey: ['id'],
    columns: ['id', 'name'],
    kind: 'update',
    before: [[1, 'a']],
    after: [[1, 'b']],
  };
  it('takes well-formed images', () => {
    expect(() => checkImages(good)).not.toThrow();
  });
  it.each<[string, Partial<WriteImages>]>([
    ['no primary key', { primaryKey: [] }],
    ['a key that is not a column', { primaryKey: ['nope'] }],
    ['an unknown kind', { kind: 'merge' as never }],
    ['a row of the wrong width', { before: [[1]] }],
    ['an update with unpaired rows', { after: [] }],
  ])('refuses %s', (_, over) => {
    expect(() => checkImages({ ...good, ...over })).toThrow(/not well formed/);
  });
});

it('REVERT_CONFLICT names the table and how many rows changed', () => {
  const e = revertConflict('public.items', 2, 5);
  expect(e.code).toBe('REVERT_CONFLICT');
  expect(e.message).toMatch(/^2 of the 5 rows of public\.items .* have changed since/);
});

describe('the table revert writes to', () => {
  const images: WriteImages = {
    table: 'public.items',
    primaryKey: ['id'],
    columns: ['id', 'qty'],
    kind: 'delete',
    before: [[1, 2]],
    after: [],
  };
  const cols = (...names: string[]) => names.map((name) => ({ name }));

  it('is the table as it is now when its columns and key are the ones written', () => {
    const meta = { columns: cols('id', 'qty'), primaryKey: ['id'], qualified: 'x' };
    expect(tableAsWritten(images, meta)).toBe(meta);
  });
  it.each([
    ['gone', null],
    ['with a column added', { columns: cols('id', 'qty', 'note'), primaryKey: ['id'] }],
    ['with its columns reordered', { columns: cols('qty', 'id'), primaryKey: ['id'] }],
    ['with another key', { columns: cols('id', 'qty'), primaryKey: ['qty'] }],
  ])('is a REVERT_CONFLICT when %s', (_, meta) => {
    const e = (() => {
      try {
        tableAsWritten(images, meta);
      } catch (err) {
        return err as AirlockError;
      }
      throw new Error('no refusal');
    })();
    expect(e.code).toBe('REVERT_CONFLICT');
    expect(e.message).toBe(
      'table public.items is not as it was when written (its columns or key changed), so revert cannot restore its rows; nothing was restored',
    );
  });
});

describe('the rows read before a write', () => {
  const MISMATCH = 'the rows the write changed in items could not be matched to the engine’s count';

  it('stand for the rows written when there are as many as the engine counted', () => {
    const c = capture({ after: null });
    expect(beforeMatches(c, MISMATCH)).toBe(true);
    expect(c.before).toEqual([[1, 'a']]);
    expect(c.notRevertable).toBeNull();
  });
  it('are dropped, with the reason, when the count differs', () => {
    const c = capture({ rowsAffected: 2, after: null });
    expect(beforeMatches(c, MISMATCH)).toBe(false);
    expect(c.before).toBeNull();
    expect(c.notRevertable).toBe(MISMATCH);
  });
  it('keep an earlier reason, and are not matched when revert is already ruled out', () => {
    const c = capture({ rowsAffected: 2, notRevertable: 'earlier' });
    expect(beforeMatches(c, MISMATCH)).toBe(false);
    expect(c.notRevertable).toBe('earlier');
    const kept = capture({ notRevertable: 'earlier' });
    expect(beforeMatches(kept, MISMATCH)).toBe(false);
    expect(kept.before).toEqual([[1, 'a']]);
  });
  it('are nothing to match when none were read', () => {
    expect(beforeMatches(capture({ before: null }), MISMATCH)).toBe(false);
  });
});
